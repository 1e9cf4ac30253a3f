# Shared by the integration tests: assertions, a private cgroup subtree, pinhogs.
# shellcheck shell=bash
set -u

TESTS_FAILED=0
TESTS_PASSED=0

ok() { TESTS_PASSED=$((TESTS_PASSED + 1)); echo "ok - $*"; }
not_ok() { TESTS_FAILED=$((TESTS_FAILED + 1)); echo "not ok - $*"; }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# check_run WHAT EXPECTED_EXIT CMD...: runs CMD, compares its exit code
check_run() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >"$TEST_TMP/last.out" 2>"$TEST_TMP/last.err" || rc=$?
	if [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else
		not_ok "$what: expected exit $want, got $rc"
		sed 's/^/    /' "$TEST_TMP/last.err" | head -5
	fi
}

# check_grep WHAT PATTERN FILE
check_grep() {
	if grep -qE -- "$2" "$3"; then ok "$1"; else
		not_ok "$1: /$2/ not in $3:"
		sed 's/^/    /' "$3" | head -20
	fi
}

# wait_gone PID: until the process has exited (and been reaped)
wait_gone() {
	for _ in $(seq 100); do [ -d "/proc/$1" ] || return 0; sleep 0.05; done
	return 1
}

skip() { echo "SKIP: $*"; exit 77; }

finish() {
	echo "# $TESTS_PASSED checks passed, $TESTS_FAILED failed"
	[ "$TESTS_FAILED" -eq 0 ] && [ "$TESTS_PASSED" -gt 0 ]
}

require_root_cgroup2() {
	[ "$(id -u)" = 0 ] || skip "needs root to create cgroups and pin memory (run the suite as root)"
	CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$CG_MOUNT" ] || skip "no cgroup2 hierarchy mounted"
	CG_OWN=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	CG_OWN=${CG_OWN%/}
	[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 2 ] ||
		skip "io_uring is disabled (kernel.io_uring_disabled=2): pinhog cannot pin"
}

# Makes the test's own subtree below this process's cgroup and registers the clean-up:
# every process in it is killed (they are all the test's own) and every cgroup removed.
# Sets TEST_CG (path relative to the cgroup2 mount) and TEST_CG_DIR (absolute).
make_test_cgroup() {
	TEST_CG=$CG_OWN/pind-test-$$
	TEST_CG_DIR=$CG_MOUNT$TEST_CG
	mkdir "$TEST_CG_DIR"
}

# track_pid PID: a background process of the test's own, killed by the clean-up
TEST_PIDS=""
track_pid() { TEST_PIDS="$TEST_PIDS $1"; }

cleanup() {
	local d p
	for p in $TEST_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "${TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
	[ -n "${TEST_CG_DIR:-}" ] && [ -d "$TEST_CG_DIR" ] || return 0
	find "$TEST_CG_DIR" -depth -type d | while read -r d; do
		[ -f "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
		# also by pid: cgroup.kill skips a process whose main thread has exited
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
	[ -d "$TEST_CG_DIR" ] && echo "cleanup: could not remove $TEST_CG_DIR" >&2
	return 0
}

# start_pinhog VAR CGROUP_REL [pinhog options...]: starts a pinhog in $TEST_CG_DIR/CGROUP_REL,
# waits until it is ready, stores its pid in VAR.
start_pinhog() {
	local var=$1 rel=$2 ready
	shift 2
	ready=$TEST_TMP/ready.$RANDOM$RANDOM
	mkdir -p "$TEST_CG_DIR/$rel"
	"$PINHOG" --cgroup "$TEST_CG_DIR/$rel" --ready-file "$ready" "$@" >/dev/null &
	disown # killed by the test or its clean-up; no job-control noise
	for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
	if [ ! -s "$ready" ]; then
		not_ok "pinhog $* in $rel did not get ready"
		return 1
	fi
	printf -v "$var" '%s' "$(cat "$ready")"
}

# use_scanner: pinctl measures with $SCANNER (procfs unless set); skips, saying why, when
# the bpf scanner cannot load here. Sets PINCTL_SCAN (to put before pinctl's arguments).
use_scanner() {
	SCANNER=${SCANNER:-procfs}
	PINCTL_SCAN=--scanner=$SCANNER
	if [ "$SCANNER" = bpf ]; then
		local why
		why=$("$PINCTL" --scanner=bpf list 2>&1 >/dev/null | grep -v 'not reachable')
		[ -z "$why" ] || skip "the bpf scanner does not load here: $why"
	fi
	echo "# scanner: $SCANNER"
}

# start_system_bus SRC [XML]: a private system bus (a dbus-daemon with the system bus's
# default policy, SRC/conf/org.pind.Pind1.conf and XML, more policy) in $TEST_TMP, as
# DBUS_SYSTEM_BUS_ADDRESS.
start_system_bus() {
	chmod 755 "$TEST_TMP" # the bus socket must be reachable for the unprivileged caller

	cat >"$TEST_TMP/bus.conf" <<-CONF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
	 "https://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$TEST_TMP/bus</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <deny own="*"/>
	    <deny send_type="method_call"/>
	    <allow send_type="signal"/>
	    <allow send_requested_reply="true" send_type="method_return"/>
	    <allow send_requested_reply="true" send_type="error"/>
	    <allow receive_type="method_call"/>
	    <allow receive_type="method_return"/>
	    <allow receive_type="error"/>
	    <allow receive_type="signal"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
	  </policy>
	  <include>$1/conf/org.pind.Pind1.conf</include>
	  ${2:-}
	</busconfig>
	CONF
	dbus-daemon --config-file="$TEST_TMP/bus.conf" --nofork --nopidfile >"$TEST_TMP/bus.log" 2>&1 &
	track_pid $!
	disown
	for _ in $(seq 100); do [ -S "$TEST_TMP/bus" ] && break; sleep 0.05; done
	chmod 777 "$TEST_TMP/bus"
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/bus
}

# listen_notify FILE: an sd_notify socket (its path in $NOTIFY_AT, for NOTIFY_SOCKET=)
# whose messages go to FILE, one a line (pind sends STATUS= after each scan); needs python3
listen_notify() {
	NOTIFY_AT=$TEST_TMP/notify
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$NOTIFY_AT" "$1" &
	track_pid $!
	for _ in $(seq 100); do [ -S "$NOTIFY_AT" ] && break; sleep 0.05; done
}

# rig_start RIG DIR [ARGS...]: starts a test rig (tests/rig/*), skipping where it cannot run
# and failing, with what it said, where it should; then reads its DIR/env.
rig_start() {
	local rig=$1 dir=$2 rc=0
	shift 2
	"$rig" start "$dir" "$@" >"$TEST_TMP/rig.out" 2>"$TEST_TMP/rig.err" || rc=$?
	[ $rc = 77 ] && skip "$(cat "$TEST_TMP/rig.err")"
	if [ $rc != 0 ]; then
		not_ok "$(basename "$rig") start failed (exit $rc):"
		sed 's/^/    /' "$TEST_TMP/rig.err"
		exit 1
	fi
	. "$dir/env"
}

# on_exit_run FN: FN runs on exit, also when a signal ends the test (bash runs no EXIT
# trap for a signal it does not trap: a SIGPIPE from a closed output, meson's SIGTERM on a
# timeout); FN itself is not interrupted by another one.
on_exit_run() {
	trap "$1" EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}

test_setup() {
	: "${PINCTL:?PINCTL must point to the pinctl binary}"
	: "${PINHOG:?PINHOG must point to the pinhog binary}"
	TEST_TMP=$(mktemp -d)
	on_exit_run cleanup
}

MiB=$((1024 * 1024))
