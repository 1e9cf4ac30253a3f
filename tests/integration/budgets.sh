#!/bin/bash
# Budgets end to end, in a --root tree of the test's own: pinctl set-property writes
# drop-ins where systemctl would, pinctl and pind both report what was written with its
# source file, a broken drop-in is reported with file:line and the previous budget stays
# in force, a planted symlink is refused, and a real pinning workload is measured against
# its budget.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
test_setup
root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
printf '[Daemon]\nScanIntervalSec=100ms\n\n[Budget machine.slice]\nPinnedMemoryMax=64M\nAction=log\n' \
	>"$root/etc/pind/pind.conf"
ctl() { "$PINCTL" --root="$root" "$@" 2>>"$TEST_TMP/pinctl.err"; }
budget() { ctl list --json | jq -r --arg n "$1" ".budgets[] | select(.name == \$n) | .$2"; }
control=$root/etc/systemd/system.control

# --- set-property round trip ---
check_run "set-property PinnedMemoryMax" 0 "$PINCTL" --root="$root" set-property vm1.service PinnedMemoryMax=32M
f=$control/vm1.service.d/50-PinnedMemoryMax.conf
check_eq "drop-in content" "$(printf '[Service]\nX-PinnedMemoryMax=32M')" "$(grep -v '^#' "$f")"
check_eq "budget value read back" $((32 * MiB)) "$(budget vm1.service max)"
check_eq "budget source is the drop-in" "$f" "$(budget vm1.service source)"
check_eq "action defaults to DefaultAction" freeze "$(budget vm1.service action)"
check_eq "no stray temporary files" 1 "$(ls -A "$control/vm1.service.d" | wc -l)"
check_run "set-property action" 0 "$PINCTL" --root="$root" set-property vm1.service X-PinnedMemoryAction=kill
check_eq "action read back" kill "$(budget vm1.service action)"
check_eq "action source" "$control/vm1.service.d/50-PinnedMemoryAction.conf" "$(budget vm1.service action_source)"
check_run "set-property percentage" 0 "$PINCTL" --root="$root" set-property vm1.service PinnedMemoryMax=10%
mem=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
check_eq "10% of RAM" $((mem / 10)) "$(budget vm1.service max)"
ctl list >"$TEST_TMP/list.txt"
check_grep "list shows value, action and source" "^vm1\.service .* kill +ok +$f$" "$TEST_TMP/list.txt"
ctl status vm1.service >"$TEST_TMP/st.txt"
check_grep "status of a unit without a cgroup shows its budget" "Budget: 0B of .* kill" "$TEST_TMP/st.txt"
check_grep "status names the source" "PinnedMemoryMax=10% from $f" "$TEST_TMP/st.txt"

check_run "--runtime" 0 "$PINCTL" --root="$root" set-property --runtime db.service PinnedMemoryMax=1G
check_eq "--runtime writes below /run" "$root/run/systemd/system.control/db.service.d/50-PinnedMemoryMax.conf" \
	"$(budget db.service source)"
check_eq "unit files win over pind.conf" 0 "$("$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=128M; echo $?)"
check_eq "machine.slice from the drop-in" $((128 * MiB)) "$(budget machine.slice max)"
check_eq "machine.slice action still from pind.conf" "log $root/etc/pind/pind.conf" \
	"$(budget machine.slice action) $(budget machine.slice action_source)"
check_run "empty value removes" 0 "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=
check_eq "pind.conf's budget is back" "$((64 * MiB)) $root/etc/pind/pind.conf" \
	"$(budget machine.slice max) $(budget machine.slice source)"

# --- a drop-in that sorts later still decides: set-property says so ---
mkdir -p "$root/etc/systemd/system/web.service.d"
printf '[Service]\nX-PinnedMemoryMax=8M\n' >"$root/etc/systemd/system/web.service.d/90-local.conf"
check_run "set-property under a later drop-in" 0 "$PINCTL" --root="$root" set-property web.service PinnedMemoryMax=1G
check_grep "warns that the later file still decides" \
	"warning: X-PinnedMemoryMax= of web.service is still set by $root/etc/systemd/system/web.service.d/90-local.conf" \
	"$TEST_TMP/last.err"
check_eq "and it does" $((8 * MiB)) "$(budget web.service max)"
check_run "set-property with nothing in the way" 0 "$PINCTL" --root="$root" set-property other.service PinnedMemoryMax=1G
check_eq "no warning then" "" "$(cat "$TEST_TMP/last.err")"

# --- a template's drop-in is no budget of its own; it reaches the instances ---
mkdir -p "$root/etc/systemd/system/user@.service.d"
printf '[Service]\nX-PinnedMemoryMax=2G\n' >"$root/etc/systemd/system/user@.service.d/50-pin.conf"
check_eq "no budget named after a template" "" "$(budget 'user@.service' name)"

# --- bad input: nothing written, clear messages, exit codes ---
check_run "invalid size" 2 "$PINCTL" --root="$root" set-property vm1.service PinnedMemoryMax=lots
check_grep "message names the value" "PinnedMemoryMax=lots: invalid size" "$TEST_TMP/last.err"
check_run "all or nothing" 2 "$PINCTL" --root="$root" set-property vm1.service PinnedMemoryMax=1G X-PinnedMemoryAction=explode
check_eq "first assignment not written" $((mem / 10)) "$(budget vm1.service max)"
check_run "invalid unit" 2 "$PINCTL" --root="$root" set-property ../x.slice PinnedMemoryMax=1G
check_run "cgroup path" 2 "$PINCTL" --root="$root" set-property /machine PinnedMemoryMax=1G
check_run "unknown property" 2 "$PINCTL" --root="$root" set-property vm1.service MemoryMax=1G
check_run "no assignment" 2 "$PINCTL" --root="$root" set-property vm1.service
check_eq "nothing for ../x.slice" "" "$(ls "$control" | grep -F .. || true)"

# --- symlinks planted in the control directory are refused ---
echo secret >"$TEST_TMP/victim"
mkdir -p "$control/evil.slice.d"
ln -s "$TEST_TMP/victim" "$control/evil.slice.d/50-PinnedMemoryMax.conf"
check_run "symlink at the target refused" 1 "$PINCTL" --root="$root" set-property evil.slice PinnedMemoryMax=1G
check_grep "says why" "refusing to write through a symbolic link" "$TEST_TMP/last.err"
check_eq "link target untouched" secret "$(cat "$TEST_TMP/victim")"
check_eq "link still a link" yes "$([ -L "$control/evil.slice.d/50-PinnedMemoryMax.conf" ] && echo yes)"
mkdir "$TEST_TMP/elsewhere"
ln -s "$TEST_TMP/elsewhere" "$control/trap.slice.d"
check_run "symlinked NAME.d refused" 1 "$PINCTL" --root="$root" set-property trap.slice PinnedMemoryMax=1G
check_eq "nothing written through it" 0 "$(ls -A "$TEST_TMP/elsewhere" | wc -l)"
rm -rf "$control/evil.slice.d" "$control/trap.slice.d"

# --- the daemon: reload on change, keep the last good budgets on a broken file ---
log=$TEST_TMP/pind.log
PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root=/ >"$log" 2>&1 &
pind=$!
track_pid $pind
wait_log() { # PATTERN: until pind has logged it (5 s at most)
	for _ in $(seq 100); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done
	return 1
}
wait_log 'pind: started' && ok "pind started" || not_ok "pind did not start"
wait_log "budget vm1\.service set: PinnedMemoryMax=10% .* from $f" &&
	ok "pind reports the budget with its source" || not_ok "pind did not report vm1.service"
"$PINCTL" --root="$root" set-property vm1.service PinnedMemoryMax=48M
wait_log "budget vm1\.service changed: PinnedMemoryMax=48M \(48\.0M\) from $f" &&
	ok "pind applies set-property at once (inotify)" || not_ok "pind missed the change"
mkdir -p "$control/new.slice.d"
printf '[Slice]\nX-PinnedMemoryMax=2G\n' >"$control/new.slice.d/10-x.conf"
wait_log "budget new\.slice set: PinnedMemoryMax=2G" && ok "new drop-in directory picked up" ||
	not_ok "new drop-in directory missed"
bad=$control/vm1.service.d/60-broken.conf
printf '# a comment\n[Service]\nX-PinnedMemoryMax=lots\n' >"$bad"
wait_log "reload failed, keeping the previous configuration: $bad:3: X-PinnedMemoryMax: invalid size 'lots'" &&
	ok "broken drop-in reported with file:line" || not_ok "broken drop-in not reported"
sleep 0.3
check_eq "previous budget stays in force (not removed, not changed)" 0 \
	"$(grep -cE 'budget vm1\.service (removed|changed: PinnedMemoryMax=lots)' "$log")"
check_eq "pind still running" yes "$(kill -0 $pind 2>/dev/null && echo yes)"
ctl status >/dev/null
check_grep "pinctl reports the broken file too" "$bad:3: X-PinnedMemoryMax: invalid size" "$TEST_TMP/pinctl.err"
rm "$bad"
wait_log "budget vm1\.service" && ok "reloaded after the fix" || not_ok "no reload after the fix"
printf '[Daemon]\nScanIntervalSec=100ms\n\n[Budget machine.slice]\nPinnedMemoryMax=96M\n' >"$root/etc/pind/pind.conf.new"
mv "$root/etc/pind/pind.conf.new" "$root/etc/pind/pind.conf"
wait_log "budget machine\.slice changed: PinnedMemoryMax=96M" && ok "pind.conf change picked up" ||
	not_ok "pind.conf change missed"
printf '[Daemon]\nScanIntervalSec=soon\n' >>"$root/etc/pind/pind.conf"
kill -HUP $pind
wait_log "reload failed.*pind\.conf:7: ScanIntervalSec: invalid time span 'soon'" &&
	ok "SIGHUP reload with a bad pind.conf reported with line" || not_ok "bad pind.conf on SIGHUP"
kill $pind
wait $pind
check_eq "pind exits 0 on SIGTERM" 0 $?
"$PIND" --root="$root" >"$TEST_TMP/start.log" 2>&1
check_eq "pind refuses to start on a bad pind.conf" 1 $?
check_grep "start-up refusal names file, line and key" "refusing to start: $root/etc/pind/pind\.conf:7: ScanIntervalSec: invalid time span 'soon'" "$TEST_TMP/start.log"

# --- the shipped example configuration is valid, also with every key set ---
shipped=$(dirname "$0")/../../conf/pind.conf
mkdir -p "$TEST_TMP/shipped/etc/pind"
sed 's/^#\([A-Z[]\)/\1/' "$shipped" >"$TEST_TMP/shipped/etc/pind/pind.conf"
check_eq "every key of conf/pind.conf uncommented" 15 "$(grep -c '^[A-Z]' "$TEST_TMP/shipped/etc/pind/pind.conf")"
check_run "conf/pind.conf with every key parses" 0 "$PINCTL" --root="$TEST_TMP/shipped" list
check_eq "its example budget" $((64 * 1024 * MiB)) \
	"$("$PINCTL" --root="$TEST_TMP/shipped" list --json 2>/dev/null | jq '.budgets[0].max')"

# --- a real workload measured against its budget (root and cgroup2) ---
if [ "$(id -u)" = 0 ] && awk '$3 == "cgroup2" { f = 1 } END { exit !f }' /proc/self/mounts; then
	require_root_cgroup2
	make_test_cgroup
	printf '[Budget machine.slice]\nPinnedMemoryMax=64M\n' >"$root/etc/pind/pind.conf"
	start_pinhog hog machine.slice/vm1.service --name hog-budget --lock 8M 40M || exit 1
	"$PINCTL" --root="$root" --cgroup-root="$TEST_CG" status --json machine.slice >"$TEST_TMP/real.json" 2>/dev/null
	check_eq "usage counts pinned + locked" $((48 * MiB)) "$(jq '.groups[0].budget.usage' "$TEST_TMP/real.json")"
	check_eq "not over" false "$(jq '.groups[0].budget.over' "$TEST_TMP/real.json")"
	"$PINCTL" --root="$root" --cgroup-root="$TEST_CG" status machine.slice >"$TEST_TMP/real.txt" 2>/dev/null
	check_grep "usage bar" 'Budget: 48\.0M of 64\.0M \(75%\) \[###############\.\.\.\.\.\] freeze' "$TEST_TMP/real.txt"
	check_grep "the budgeted vm1.service row (48.0M of 48.0M)" 'vm1\.service  40\.0M pinned, 8\.0M locked, 1 proc; budget 48\.0M \(100%\)' "$TEST_TMP/real.txt"
	# -.slice is the root: its budget is shown on the root's row, the one it is enforced on
	printf '[Budget -.slice]\nPinnedMemoryMax=0\n' >"$root/etc/pind/pind.conf"
	"$PINCTL" --root="$root" --cgroup-root="$TEST_CG" list --json >"$TEST_TMP/root.json" 2>/dev/null
	check_eq "the root's row carries -.slice's budget of 0 (nothing may be pinned), over" \
		"-.slice 0 over" \
		"$(jq -r '.groups[] | select(.name == "/") | "\(.budget.name) \(.budget.max) \(.state)"' "$TEST_TMP/root.json")"
else
	echo "# skipping the real-workload part: needs root and cgroup2"
fi
finish
