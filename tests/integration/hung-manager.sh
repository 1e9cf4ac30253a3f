#!/bin/bash
# A service manager that never answers holds up nothing: pind --user on a private user
# bus, where a stand-in systemd (tests/helpers/fakesystemd) takes FreezeUnit and never
# replies. While it hangs, scans go on, the D-Bus API answers, and a group that is no unit
# is frozen at once; after 5 s pind gives up on the manager and freezes the unit through
# cgroup.freeze itself. Then a manager that reads nothing at all: the thaw falls back the
# same way. (python3 reads pind's sd_notify STATUS=, one per scan.)
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
: "${FAKESYSTEMD:?FAKESYSTEMD must point to the fakesystemd helper}"
require_root_cgroup2
for t in dbus-daemon busctl python3; do
	command -v $t >/dev/null || skip "$t is not installed"
done
test_setup
make_test_cgroup

# --- a private user bus, and pind --user's directories below TEST_TMP ---
dbus-daemon --session --address="unix:path=$TEST_TMP/ubus" --nofork --nopidfile \
	>"$TEST_TMP/ubus.log" 2>&1 &
track_pid $!
disown
for _ in $(seq 100); do [ -S "$TEST_TMP/ubus" ] && break; sleep 0.05; done
export DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_TMP/ubus
export HOME=$TEST_TMP/home XDG_CONFIG_HOME=$TEST_TMP/config XDG_RUNTIME_DIR=$TEST_TMP/run
mkdir -p "$HOME" "$XDG_CONFIG_HOME/pind" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=16M\n[Budget /plain]\nPinnedMemoryMax=16M\n' \
	>"$XDG_CONFIG_HOME/pind/pind.conf"
mkdir -p "$TEST_CG_DIR/machine.slice/vm1.service" "$TEST_CG_DIR/plain/job"

"$FAKESYSTEMD" --user hang "vm1.service=$TEST_CG/machine.slice/vm1.service" \
	>"$TEST_TMP/manager.out" 2>&1 &
manager=$!
track_pid $manager
disown
for _ in $(seq 100); do grep -q ready "$TEST_TMP/manager.out" && break; sleep 0.05; done
listen_notify "$TEST_TMP/status"
log=$TEST_TMP/pind.log
NOTIFY_SOCKET=$NOTIFY_AT PIND_LOG_STDERR=1 "$PIND" --user --cgroup-root="$TEST_CG" >"$log" 2>&1 &
track_pid $!
disown
wait_log() { # PATTERN [TRIES of 50 ms]
	for _ in $(seq "${2:-100}"); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done
	return 1
}
wait_log "D-Bus API on the user bus as org.pind.Pind1" && ok "pind --user took its name" ||
	{ not_ok "pind did not start"; cat "$log"; exit 1; }
bc() { busctl --user call org.pind.Pind1 /org/pind/Pind1 org.pind.Pind1.Manager "$@"; }
scans() { grep -c 'STATUS=' "$TEST_TMP/status"; } # scans so far, as sd_notify said
frozen() { sed -n 's/^frozen //p' "$TEST_CG_DIR/$1/cgroup.events"; }

# --- the manager takes FreezeUnit and never answers ---
t0=$(date +%s%N)
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 32M || exit 1
for _ in $(seq 100); do grep -q "FreezeUnit vm1.service" "$TEST_TMP/manager.out" && break; sleep 0.05; done
check_grep "pind asked the manager to freeze vm1.service" "^FreezeUnit vm1\.service$" "$TEST_TMP/manager.out"
asked_ms=$((($(date +%s%N) - t0) / 1000000))
scans_asked=$(scans)
check_eq "vm1.service not frozen while the manager thinks" 0 "$(frozen machine.slice/vm1.service)"

# while it hangs: the API answers, scans go on, a plain cgroup is frozen at once
t1=$(date +%s%N)
bc GetGroup s machine.slice >/dev/null && ok "GetGroup answered while the manager hangs" ||
	not_ok "GetGroup failed"
bc Rescan >/dev/null && ok "Rescan (a whole scan, with its actions) returned" || not_ok "Rescan failed"
api_ms=$((($(date +%s%N) - t1) / 1000000))
[ "$api_ms" -lt 1000 ] && ok "both answered in $api_ms ms" || not_ok "the API took $api_ms ms"
start_pinhog job plain/job --name hog-job 32M || exit 1
wait_log "/plain: froze /plain/job" 40 && ok "a plain cgroup over its budget frozen meanwhile" ||
	not_ok "/plain/job not frozen while the manager hangs"
check_eq "/plain/job frozen (cgroup.events)" 1 "$(frozen plain/job)"
check_eq "the manager has not answered yet" 0 "$(frozen machine.slice/vm1.service)"

# after 5 s, pind freezes it itself
wait_log "FreezeUnit\(vm1\.service\) failed \(.*\); pind writes cgroup\.freeze itself" 200 &&
	ok "pind gave up on the manager, saying why" || not_ok "no fallback in the log"
wait_log "machine\.slice: froze vm1\.service" 40 && ok "vm1.service frozen through cgroup.freeze" ||
	not_ok "vm1.service not frozen"
froze_ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "vm1.service frozen (cgroup.events)" 1 "$(frozen machine.slice/vm1.service)"
[ "$froze_ms" -ge 4500 ] && [ "$froze_ms" -lt 9000 ] &&
	ok "frozen ${froze_ms} ms after the start (asked after ${asked_ms} ms; the manager gets 5 s)" ||
	not_ok "frozen ${froze_ms} ms after the start"
during=$(($(scans) - scans_asked))
[ "$during" -ge 20 ] && ok "$during scans while the manager hung" || not_ok "only $during scans while the manager hung"

# --- a manager that reads nothing at all: the thaw falls back the same way ---
kill $manager
wait_gone $manager
"$FAKESYSTEMD" --user silent >"$TEST_TMP/manager2.out" 2>&1 &
track_pid $!
disown
for _ in $(seq 100); do grep -q ready "$TEST_TMP/manager2.out" && break; sleep 0.05; done
t2=$(date +%s%N)
sed -i 's/^PinnedMemoryMax=16M$/PinnedMemoryMax=1G/' "$XDG_CONFIG_HOME/pind/pind.conf"
wait_log "ThawUnit\(vm1\.service\) failed \(.*\); pind writes cgroup\.freeze itself" 200 &&
	ok "a manager that reads nothing: pind gave up on it" || not_ok "no fallback for the thaw"
wait_log "thawed vm1\.service" 40 && ok "vm1.service thawed through cgroup.freeze" ||
	not_ok "vm1.service not thawed"
thaw_ms=$((($(date +%s%N) - t2) / 1000000))
check_eq "vm1.service thawed (cgroup.events)" 0 "$(frozen machine.slice/vm1.service)"
[ "$thaw_ms" -lt 9000 ] && ok "thawed ${thaw_ms} ms after the budget was raised" ||
	not_ok "thawed only ${thaw_ms} ms after the budget was raised"
wait_log "thawed /plain/job" 40 && ok "and /plain/job, which needs no manager" || not_ok "/plain/job not thawed"
finish
