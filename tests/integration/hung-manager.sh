#!/bin/bash
# A service manager that never answers holds up nothing: pind --user on a private user
# bus, where a stand-in systemd (tests/helpers/fakesystemd) takes FreezeUnit and never
# replies. The Rescan whose freeze went to the manager returns once pind gave up on it
# (5 s) and froze the unit through cgroup.freeze itself; meanwhile the D-Bus API answers
# and another caller's Rescan freezes a cgroup that is no unit. Then a manager that reads
# nothing at all: the thaw falls back the same way.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
: "${FAKESYSTEMD:?FAKESYSTEMD must point to the fakesystemd helper}"
require_root_cgroup2
for t in dbus-daemon busctl; do
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
# scans on Rescan(), on reloads and at the start only
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=1h\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=16M\n[Budget /plain]\nPinnedMemoryMax=16M\n' \
	>"$XDG_CONFIG_HOME/pind/pind.conf"
mkdir -p "$TEST_CG_DIR/machine.slice/vm1.service" "$TEST_CG_DIR/plain/job"

"$FAKESYSTEMD" --user hang "vm1.service=$TEST_CG/machine.slice/vm1.service" \
	>"$TEST_TMP/manager.out" 2>&1 &
manager=$!
track_pid $manager
disown
for _ in $(seq 100); do grep -q ready "$TEST_TMP/manager.out" && break; sleep 0.05; done
log=$TEST_TMP/pind.log
PIND_LOG_STDERR=1 "$PIND" --user --cgroup-root="$TEST_CG" >"$log" 2>&1 &
track_pid $!
disown
wait_log() { # PATTERN [TRIES of 50 ms]
	for _ in $(seq "${2:-100}"); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done
	return 1
}
wait_log "D-Bus API on the user bus as org.pind.Pind1" && ok "pind --user took its name" ||
	{ not_ok "pind did not start"; cat "$log"; exit 1; }
bc() { busctl --user call org.pind.Pind1 /org/pind/Pind1 org.pind.Pind1.Manager "$@"; }
frozen() { sed -n 's/^frozen //p' "$TEST_CG_DIR/$1/cgroup.events"; }

# --- the manager takes FreezeUnit and never answers ---
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 32M || exit 1
# Rescan returns when its actions are done: this one's freeze waits for the manager
( t=$(date +%s%N); bc Rescan >/dev/null; echo $? $((($(date +%s%N) - t) / 1000000)) \
	"$(frozen machine.slice/vm1.service)" >"$TEST_TMP/rescan1" ) &
rescan1=$!
for _ in $(seq 100); do grep -q "FreezeUnit vm1.service" "$TEST_TMP/manager.out" && break; sleep 0.05; done
check_grep "pind asked the manager to freeze vm1.service" "^FreezeUnit vm1\.service$" "$TEST_TMP/manager.out"
check_eq "vm1.service not frozen while the manager thinks" 0 "$(frozen machine.slice/vm1.service)"

# while it hangs: the API answers, and another caller's scan freezes a plain cgroup
t1=$(date +%s%N)
bc GetGroup s machine.slice >/dev/null && ok "GetGroup answered while the manager hangs" ||
	not_ok "GetGroup failed"
start_pinhog job plain/job --name hog-job 32M || exit 1
bc Rescan >/dev/null && ok "a second Rescan returned while the manager hangs" || not_ok "Rescan failed"
api_ms=$((($(date +%s%N) - t1) / 1000000))
check_eq "/plain/job frozen by the time that Rescan returned (cgroup.freeze, no manager)" 1 \
	"$(frozen plain/job)"
[ "$api_ms" -lt 1500 ] && ok "GetGroup, a pinhog's start and Rescan took $api_ms ms" ||
	not_ok "the API took $api_ms ms"
check_eq "the manager has not answered yet" 0 "$(frozen machine.slice/vm1.service)"
check_eq "the first Rescan is still out" "" "$(cat "$TEST_TMP/rescan1" 2>/dev/null)"

# after 5 s, pind freezes it itself, and then the first Rescan returns
wait_log "FreezeUnit\(vm1\.service\) failed \(.*\); pind writes cgroup\.freeze itself" 200 &&
	ok "pind gave up on the manager, saying why" || not_ok "no fallback in the log"
wait "$rescan1"
read -r rc ms frozen_then <"$TEST_TMP/rescan1"
check_eq "the first Rescan succeeded" 0 "$rc"
check_eq "vm1.service frozen by the time it returned" 1 "$frozen_then"
[ "$ms" -ge 4500 ] && [ "$ms" -lt 9000 ] &&
	ok "it returned after ${ms} ms: when pind had given up on the manager (5 s)" ||
	not_ok "the first Rescan returned after ${ms} ms"
check_grep "the freeze is logged" "machine\.slice: froze vm1\.service" "$log"

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
