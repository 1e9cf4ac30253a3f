#!/bin/bash
# Real kernel, real daemon: pinhogs in a subtree of the test's own over a budget; pind
# must freeze (and thaw), signal (and escalate), kill or only log, name the culprit,
# leave alone what someone else froze, and keep its freeze across a kill -9 and restart.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
test_setup
use_scanner
make_test_cgroup
root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
log=$TEST_TMP/pind.log
cg() { echo "$TEST_CG_DIR/machine.slice/$1"; }

# conf ACTION [MAX] [extra Daemon lines]: pind.conf with machine.slice's budget
conf() {
	printf '[Daemon]\nScanner=%s\nScanIntervalSec=100ms\nGraceSec=300ms\nKillEscalationSec=1s\n%s\n[Budget machine.slice]\nPinnedMemoryMax=%s\nAction=%s\n' \
		"$SCANNER" "${3:-}" "${2:-64M}" "$1" >"$root/etc/pind/pind.conf"
}
start_pind() {
	PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >>"$log" 2>&1 &
	pind=$!
	track_pid $pind
	wait_log "pind: started" || not_ok "pind did not start"
}
stop_pind() { kill "$pind" 2>/dev/null; wait "$pind" 2>/dev/null; }
# wait_log PATTERN [SECONDS]: until pind has logged it
wait_log() {
	local end=$((SECONDS + ${2:-5}))
	while [ $SECONDS -lt $end ]; do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done
	return 1
}
frozen() { awk '$1 == "frozen" { print $2 }' "$1/cgroup.events"; }
# pind's mark names its owner (its cgroup root) and the budget: "ROOT BUDGET" here
mark() { getfattr --only-values -n user.pind.frozen "$1" 2>/dev/null | tr '\n' ' '; }
expect_log() { if wait_log "$2" "${3:-5}"; then ok "$1"; else not_ok "$1: /$2/ not logged"; sed 's/^/    /' "$log" | tail -15; fi; }
reset() { # kills the workloads and removes their cgroups (as systemd would), empties the log
	stop_pind
	for d in "$TEST_CG_DIR"/machine.slice/*/; do
		[ -d "$d" ] || continue
		echo 0 >"$d/cgroup.freeze"
		echo 1 >"$d/cgroup.kill"
		for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.05; done
	done
	: >"$log"
}

# --- freeze: the largest leaf unit, named, marked; thawed when the budget is raised ---
conf freeze 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
t0=$(date +%s%N)
start_pind
expect_log "BudgetExceeded logged with culprit" "machine\.slice: over budget \(80\.0M of 64\.0M\); culprit $vm1 \(hog-vm1\)"
expect_log "vm1.service frozen" "machine\.slice: froze vm1\.service \(80\.0M of 64\.0M\); culprit $vm1 \(hog-vm1\) \[.*PIND_UNIT=machine\.slice PIND_PINNED=83886080 PIND_MAX=67108864 PIND_ACTION=freeze PIND_PID=$vm1 "
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ $ms -lt 2500 ] && ok "frozen within ScanInterval + GraceSec + slack ($ms ms)" || not_ok "freeze took $ms ms"
check_eq "vm1.service cgroup.events frozen" 1 "$(frozen "$(cg vm1.service)")"
check_eq "vm1.service marked for its budget, by this pind" "$TEST_CG machine.slice" "$(mark "$(cg vm1.service)")"
check_eq "vm2.service not frozen" 0 "$(frozen "$(cg vm2.service)")"
ctl() { "$PINCTL" --root="$root" --cgroup-root="$TEST_CG" "$@" 2>/dev/null; }
ctl status vm1.service >"$TEST_TMP/st.txt"
check_grep "status says who froze it" "State: frozen by pind for budget machine\.slice" "$TEST_TMP/st.txt"
check_eq "list --json state and frozen_by" "frozen machine.slice over" \
	"$(ctl list --json | jq -r '[(.groups[] | select(.name == "vm1.service") | .state, .frozen_by), (.groups[] | select(.name == "machine.slice") | .state)] | join(" ")')"
"$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=128M 2>/dev/null
expect_log "BudgetRestored after the budget was raised" "machine\.slice: within budget again \(80\.0M of 128\.0M\)"
expect_log "thaw logged" "machine\.slice: thawed vm1\.service"
check_eq "vm1.service thawed" 0 "$(frozen "$(cg vm1.service)")"
check_eq "mark removed" "" "$(mark "$(cg vm1.service)")"
rm -rf "$root/etc/systemd"
reset

# --- another leaf that keeps growing while over is frozen too ---
conf freeze 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 --grow 4M --every 500 --grow-max 12M 20M || exit 1
start_pinhog vm3 machine.slice/vm3.service --name hog-vm3 4M || exit 1
start_pind
expect_log "first freeze" "froze vm1\.service"
expect_log "growing vm2.service frozen too" "froze vm2\.service" 8
check_eq "vm3.service (not growing) left running" 0 "$(frozen "$(cg vm3.service)")"
reset

# --- someone else's freeze is left alone, also when the budget is raised ---
conf freeze 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
echo 1 >"$(cg vm1.service)/cgroup.freeze"
start_pind
expect_log "reports the foreign freeze" "left vm1\.service alone: frozen by someone else"
conf freeze 128M
kill -HUP $pind
expect_log "restored" "within budget again"
sleep 0.5
check_eq "someone else's freeze kept" 1 "$(frozen "$(cg vm1.service)")"
check_eq "no mark put on it" "" "$(mark "$(cg vm1.service)")"
check_eq "pind never thawed it" 0 "$(grep -c 'thawed vm1' "$log")"
reset

# --- kill -9 of pind while it holds a freeze: still frozen; thawed once allowed ---
conf freeze 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
start_pind
expect_log "frozen before the crash" "froze vm1\.service"
kill -9 $pind
wait $pind 2>/dev/null
: >"$log"
start_pind
expect_log "adopted after restart" "still frozen for budget machine\.slice from before a restart"
sleep 1
check_eq "still frozen while over" 1 "$(frozen "$(cg vm1.service)")"
check_eq "no second freeze" 0 "$(grep -c ': froze ' "$log")"
conf freeze 128M
kill -HUP $pind
expect_log "thawed once the budget allows" "thawed vm1\.service"
check_eq "thawed" 0 "$(frozen "$(cg vm1.service)")"
reset

# --- signal: SIGTERM to the culprit, SIGKILL after KillEscalationSec ---
conf signal 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-stubborn --ignore-term 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
start_pind
expect_log "SIGTERM sent to the culprit" "sent SIGTERM to $vm1 in vm1\.service"
sleep 0.5
check_eq "the culprit ignores SIGTERM" yes "$([ -d /proc/$vm1 ] && echo yes)"
expect_log "SIGKILL after KillEscalationSec" "sent SIGKILL to $vm1 in vm1\.service" 4
wait_gone "$vm1" && ok "culprit gone" || not_ok "culprit still alive"
check_eq "vm2 untouched" yes "$([ -d /proc/$vm2 ] && echo yes)"
expect_log "restored after the kill" "within budget again"
reset

# --- kill: the target unit is emptied ---
conf kill 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
start_pind
expect_log "kill logged" "killed vm1\.service"
check_eq "vm1.service empty" "" "$(cat "$(cg vm1.service)/cgroup.procs")"
check_eq "vm2.service untouched" "$vm2" "$(cat "$(cg vm2.service)/cgroup.procs")"
reset

# --- log: only reports ---
conf log 64M
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 48M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 32M || exit 1
start_pind
expect_log "log-only report names target and culprit" "Action=log: would act on vm1\.service .*culprit $vm1"
sleep 1
check_eq "reported once" 1 "$(grep -c 'would act on' "$log")"
check_eq "nothing frozen" "0 0" "$(frozen "$(cg vm1.service)") $(frozen "$(cg vm2.service)")"
check_eq "nothing killed" yes "$([ -d /proc/$vm1 ] && [ -d /proc/$vm2 ] && echo yes)"
reset

# --- pinctl freeze/thaw by hand (no bus yet: pinctl acts itself) ---
conf freeze 1G
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 8M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 8M || exit 1
check_run "pinctl freeze" 0 "$PINCTL" --root="$root" --cgroup-root="$TEST_CG" freeze vm1.service
check_eq "frozen by pinctl" "1 pinctl" "$(frozen "$(cg vm1.service)") $(mark "$(cg vm1.service)")"
start_pind
sleep 0.5
check_eq "pind adopts no manual freeze and thaws nothing" "1 0" \
	"$(frozen "$(cg vm1.service)") $(grep -c 'thawed\|still frozen' "$log")"
check_run "pinctl thaw" 0 "$PINCTL" --root="$root" --cgroup-root="$TEST_CG" thaw vm1.service
check_eq "thawed, mark gone" "0 " "$(frozen "$(cg vm1.service)") $(mark "$(cg vm1.service)")"
echo 1 >"$(cg vm2.service)/cgroup.freeze"
check_run "pinctl thaw refuses someone else's freeze" 1 "$PINCTL" --root="$root" --cgroup-root="$TEST_CG" thaw vm2.service
check_grep "and says why" "frozen neither by pind nor by pinctl" "$TEST_TMP/last.err"
check_eq "still frozen" 1 "$(frozen "$(cg vm2.service)")"
check_run "unknown group" 5 "$PINCTL" --root="$root" --cgroup-root="$TEST_CG" freeze nosuch.service
reset
finish
