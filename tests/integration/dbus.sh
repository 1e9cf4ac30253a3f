#!/bin/bash
# The D-Bus API on a private bus (a dbus-daemon with the system bus's default policy and
# conf/org.pind.Pind1.conf), called with real clients (busctl, gdbus, dbus-send) against
# real pinning workloads: numbers as the kernel reports them, access control, bad
# arguments, signals in order, reservations.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
for t in dbus-daemon busctl gdbus dbus-send dbus-monitor setpriv; do
	command -v $t >/dev/null || skip "$t is not installed"
done
test_setup
use_scanner
make_test_cgroup
src=$(cd "$(dirname "$0")/../.." && pwd)
start_system_bus "$src"

# --- workloads and pind ---
root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
printf '[Daemon]\nScanner=%s\nScanIntervalSec=100ms\nGraceSec=300ms\n[Budget machine.slice]\nPinnedMemoryMax=128M\n' \
	"$SCANNER" >"$root/etc/pind/pind.conf"
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 32M || exit 1
start_pinhog vm2 machine.slice/vm2.service --name hog-vm2 --lock 8M 16M || exit 1
log=$TEST_TMP/pind.log
PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 &
pind=$!
track_pid $pind
disown
wait_log() { for _ in $(seq 100); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done; return 1; }
wait_log "D-Bus API on the system bus as org.pind.Pind1" && ok "pind took its name" ||
	{ not_ok "pind has no bus name"; cat "$log"; exit 1; }

M=org.pind.Pind1.Manager
bc() { busctl --system --json=short call org.pind.Pind1 /org/pind/Pind1 $M "$@"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# --- reads, with three different clients, checked against what the kernel holds ---
bc ListGroups >"$TEST_TMP/groups.json"
row() { jq -c --arg n "$1" '.data[0][] | select(.[0] == $n)' "$TEST_TMP/groups.json"; }
check_eq "busctl ListGroups: machine.slice" \
	"[\"machine.slice\",\"$TEST_CG/machine.slice\",$((48 * MiB)),$((8 * MiB)),$((128 * MiB)),\"ok\"]" \
	"$(row machine.slice)"
# jq reads numbers as doubles: UINT64_MAX ("no budget") is compared as >= 2^64 - 2048
check_eq "busctl ListGroups: vm1.service unbudgeted" \
	"[\"vm1.service\",\"$TEST_CG/machine.slice/vm1.service\",$((32 * MiB)),0,true,\"unbudgeted\"]" \
	"$(row vm1.service | jq -c '.[4] = (.[4] >= 18446744073709549568)')"
check_eq "VmPin of vm1 as the kernel says" "$((32 * 1024)) kB" "$(awk '/^VmPin:/ { print $2 " " $3 }' /proc/$vm1/status)"
out=$(gdbus call --system --dest org.pind.Pind1 --object-path /org/pind/Pind1 --method $M.GetGroup vm2.service)
check_eq "gdbus GetGroup vm2.service" \
	"(('vm2.service', '$TEST_CG/machine.slice/vm2.service', uint64 $((16 * MiB)), uint64 $((8 * MiB)), uint64 18446744073709551615, 'unbudgeted'),)" "$out"
dbus-send --system --print-reply --dest=org.pind.Pind1 /org/pind/Pind1 $M.ListProcesses string:machine.slice >"$TEST_TMP/ps.txt"
check_grep "dbus-send ListProcesses names vm1's pid" "uint32 $vm1\$" "$TEST_TMP/ps.txt"
check_grep "dbus-send ListProcesses: vm2's comm" '"hog-vm2"' "$TEST_TMP/ps.txt"
prop() { busctl --system get-property org.pind.Pind1 /org/pind/Pind1 $M "$1"; }
check_eq "Version" "s \"0.1.0\"" "$(prop Version)"
check_eq "Count" "s \"pinned,locked\"" "$(prop Count)"
check_eq "ScanIntervalUSec" "t 100000" "$(prop ScanIntervalUSec)"
tp=$(prop TotalPinned | cut -d' ' -f2)
[ "$tp" -ge $((48 * MiB)) ] && ok "TotalPinned covers the workloads ($tp)" || not_ok "TotalPinned $tp"
[ "$(prop ProcessesScanned | cut -d' ' -f2)" -gt 0 ] && ok "ProcessesScanned > 0" || not_ok "ProcessesScanned"
[ "$(prop LastScanUSec | cut -d' ' -f2)" -gt 0 ] && ok "LastScanUSec > 0" || not_ok "LastScanUSec"
"$PIND" --bus-introspect >"$TEST_TMP/introspect.xml"
check_eq "pind --bus-introspect is docs/org.pind.Pind1.xml" "" "$(diff "$TEST_TMP/introspect.xml" "$src/docs/org.pind.Pind1.xml")"
busctl --system introspect --xml-interface org.pind.Pind1 /org/pind/Pind1 >"$TEST_TMP/live.xml"
check_eq "the live object serves the same XML" "" "$(diff -B "$TEST_TMP/live.xml" "$src/docs/org.pind.Pind1.xml")"

# --- unprivileged: reads work, every change is denied ---
for call in "ListGroups" "GetGroup s machine.slice" "ListProcesses s machine.slice" "ListBudgets" \
	"GetBudget s machine.slice" "ListReservations"; do
	# shellcheck disable=SC2086
	if as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M $call >/dev/null 2>"$TEST_TMP/e"; then
		ok "nobody may call $call"
	else not_ok "nobody may not call $call: $(cat "$TEST_TMP/e")"; fi
done
as_nobody busctl --system get-property org.pind.Pind1 /org/pind/Pind1 $M TotalPinned >/dev/null &&
	ok "nobody may read properties" || not_ok "nobody cannot read properties"
for call in "SetPinnedMemoryMax stb machine.slice 1024 false" "SetAction ssb machine.slice kill false" \
	"Freeze s vm1.service" "Thaw s vm1.service" "Reserve stst machine.slice 1024 '' 0" \
	"ReserveDetailed stst machine.slice 1024 '' 0" \
	"Release s r1" "Rescan" "Reload"; do
	# shellcheck disable=SC2086
	as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M $call >/dev/null 2>"$TEST_TMP/e"
	check_grep "nobody: ${call%% *} denied" "Access denied|AccessDenied|needs root" "$TEST_TMP/e"
done
check_eq "nothing changed: budget" "$((128 * MiB))" "$(bc GetGroup s machine.slice | jq '.data[0][4]')"
check_eq "nothing changed: not frozen" 0 "$(awk '$1 == "frozen" { print $2 }' "$TEST_CG_DIR/machine.slice/vm1.service/cgroup.events")"
check_eq "no drop-in written" "" "$(ls "$root/etc/systemd/system.control" 2>/dev/null)"

# --- bad arguments: an error each, nothing changed, nothing crashed ---
long=$(printf 'a%.0s' $(seq 10000)).slice
bad() { # WHAT ERROR CALL...
	local what=$1 want=$2
	shift 2
	busctl --system call org.pind.Pind1 /org/pind/Pind1 $M "$@" >/dev/null 2>"$TEST_TMP/e"
	check_grep "$what -> $want" "$want" "$TEST_TMP/e"
}
bad "GetGroup of an unknown unit" "No group or budget" GetGroup s nosuch.service
bad "GetGroup empty" "Invalid group name" GetGroup s ""
bad "GetGroup ../x" "Invalid group name" GetGroup s ../x
bad "GetGroup 10 KB" "Invalid group name" GetGroup s "$long"
bad "ListProcesses a/../b" "Invalid group name" ListProcesses s /a/../b
bad "ListProcesses unknown" "No group or budget" ListProcesses s nosuch.slice
bad "SetPinnedMemoryMax 2^62" "is not a budget" SetPinnedMemoryMax stb machine.slice 4611686018427387904 false
# 0 means what it means in pind.conf and unit files: nothing may be pinned
bc SetPinnedMemoryMax stb spare.service 0 false >/dev/null && ok "SetPinnedMemoryMax 0 is a budget, as in files" ||
	not_ok "SetPinnedMemoryMax 0 refused"
check_eq "its drop-in" "X-PinnedMemoryMax=0" \
	"$(grep '^X-' "$root/etc/systemd/system.control/spare.service.d/50-PinnedMemoryMax.conf")"
bad "SetPinnedMemoryMax on a path" "Invalid unit name" SetPinnedMemoryMax stb /machine 1024 false
bad "SetPinnedMemoryMax empty name" "Invalid unit name" SetPinnedMemoryMax stb "" 1024 false
bad "SetAction explode" "Invalid action" SetAction ssb machine.slice explode false
bad "SetAction empty" "Invalid action" SetAction ssb machine.slice "" false
bad "Freeze unknown" "No group or budget" Freeze s nosuch.service
bad "Freeze the root" "cgroup root" Freeze s /
bad "Thaw unknown" "No group or budget" Thaw s nosuch.service
bad "Reserve where no budget contains the group" "No budget contains" Reserve stst other.slice 1024 "" 0
bad "GetBudget of an unbudgeted group" "No budget for" GetBudget s vm1.service
bad "Reserve 0 bytes" "makes no sense" Reserve stst machine.slice 0 "" 0
bad "Reserve bad holder" "Invalid group name" Reserve stst machine.slice 1024 ../x 0
bad "Release unknown" "No reservation" Release s r999
bad "wrong signature" "Invalid|invalid|signature" GetGroup u 5
check_eq "pind survived" yes "$(kill -0 $pind 2>/dev/null && echo yes)"
check_eq "budget unchanged" "$((128 * MiB))" "$(bc GetGroup s machine.slice | jq '.data[0][4]')"

# --- reservations ---
r=$(bc Reserve stst machine.slice $((40 * MiB)) vm3.service 0 | jq -c '.data')
check_eq "Reserve 40M of 128M with 56M used: granted, 32M left after it" "[true,$((32 * MiB)),\"r1\"]" "$r"
r=$(bc ReserveDetailed stst machine.slice $((40 * MiB)) "" 0 | jq -c '.data')
check_eq "another 40M: denied, with the budget's figures" \
	"[false,$((32 * MiB)),\"\",\"machine.slice\",$((56 * MiB)),$((40 * MiB)),$((128 * MiB))]" "$r"
check_eq "the reservation counts against the budget" ok "$(bc GetGroup s machine.slice | jq -r '.data[0][5]')"
check_eq "GetBudget: used, reserved, max, action, target" \
	"[\"machine.slice\",\"$TEST_CG/machine.slice\",$((56 * MiB)),$((40 * MiB)),$((128 * MiB)),\"freeze\",\"newest\"]" \
	"$(bc GetBudget s machine.slice | jq -c '.data[0]')"
check_eq "ListBudgets: the same row" "$(bc GetBudget s machine.slice | jq -c '.data[0]')" \
	"$(bc ListBudgets | jq -c '.data[0][] | select(.[0] == "machine.slice")')"
check_eq "ListReservations: id, group, holder, bytes, counted, no TTL" \
	"[\"r1\",\"machine.slice\",\"vm3.service\",$((40 * MiB)),$((40 * MiB)),0]" \
	"$(bc ListReservations | jq -c '.data[0][0] | [.[0], .[1], .[2], .[3], .[4], .[6]]')"
created=$(bc ListReservations | jq '.data[0][0][5]')
now=$(($(date +%s%N) / 1000))
[ $((now - created)) -ge 0 ] && [ $((now - created)) -lt 10000000 ] &&
	ok "ListReservations: created is the realtime clock ($((now - created)) µs ago)" ||
	not_ok "created $created, now $now"
bc Release s r1 >/dev/null && ok "Release r1" || not_ok "Release r1"
# a group below the budgeted slice, not there yet: machine.slice's budget counts it
r=$(bc ReserveDetailed stst machine-pinned.slice $((60 * MiB)) "" 1000000 | jq -c '.data')
check_eq "a reservation in machine-pinned.slice counts in machine.slice" \
	"[true,$((12 * MiB)),\"r2\",\"machine.slice\",$((56 * MiB)),$((60 * MiB)),$((128 * MiB))]" "$r"
expires=$(bc ListReservations | jq '.data[0][0][6]')
now=$(($(date +%s%N) / 1000))
[ $((expires - now)) -gt 0 ] && [ $((expires - now)) -le 1000000 ] &&
	ok "ListReservations: expires within its 1 s TTL ($((expires - now)) µs)" || not_ok "expires $expires, now $now"
sleep 1.3
r=$(bc Reserve stst machine.slice $((70 * MiB)) "" 0 | jq -c '.data')
check_eq "the 1 s TTL ended: 70M granted, 2M left" "[true,$((2 * MiB)),\"r3\"]" "$r"
check_grep "the end of a reservation is logged with its reason" "reservation r2 of 60\.0M in machine-pinned\.slice ended: its TTL ended" "$log"
bc Release s r3 >/dev/null

# --- Freeze/Thaw, Rescan, Reload ---
bc Freeze s vm1.service >/dev/null && ok "Freeze vm1.service" || not_ok "Freeze"
check_eq "frozen" 1 "$(awk '$1 == "frozen" { print $2 }' "$TEST_CG_DIR/machine.slice/vm1.service/cgroup.events")"
check_eq "state frozen" frozen "$(bc GetGroup s vm1.service | jq -r '.data[0][5]')"
bc Thaw s vm1.service >/dev/null && ok "Thaw vm1.service" || not_ok "Thaw"
check_eq "thawed" 0 "$(awk '$1 == "frozen" { print $2 }' "$TEST_CG_DIR/machine.slice/vm1.service/cgroup.events")"
echo 1 >"$TEST_CG_DIR/machine.slice/vm2.service/cgroup.freeze"
bad "Thaw of someone else's freeze" "frozen neither by pind" Thaw s vm2.service
echo 0 >"$TEST_CG_DIR/machine.slice/vm2.service/cgroup.freeze"
bc Rescan >/dev/null && ok "Rescan" || not_ok "Rescan"
bc Reload >/dev/null && ok "Reload" || not_ok "Reload"

# --- signals, in order: exceeded, action, restored ---
dbus-monitor --system "type='signal',sender='org.pind.Pind1',interface='$M'" >"$TEST_TMP/monitor.txt" 2>&1 &
mon=$!
track_pid $mon
disown
sleep 0.3
bc SetPinnedMemoryMax stb machine.slice $((40 * MiB)) false >/dev/null && ok "SetPinnedMemoryMax 40M" ||
	not_ok "SetPinnedMemoryMax"
check_eq "the drop-in says 41943040" "X-PinnedMemoryMax=41943040" \
	"$(grep '^X-' "$root/etc/systemd/system.control/machine.slice.d/50-PinnedMemoryMax.conf")"
wait_log "machine\.slice: froze vm1\.service" && ok "over the new budget: frozen" || not_ok "not frozen"
bc SetPinnedMemoryMax stb machine.slice 18446744073709551615 false >/dev/null
wait_log "machine\.slice: thawed vm1\.service" && ok "infinity: thawed" || not_ok "not thawed"
sleep 0.3
kill $mon
order=$(awk '/member=BudgetExceeded/ { print "exceeded" } /member=ActionTaken/ { a = 1 } a && /string "freeze"/ { print "freeze"; a = 0 } a && /string "thaw"/ { print "thaw"; a = 0 } /member=BudgetRestored/ { print "restored" }' "$TEST_TMP/monitor.txt" | tr '\n' ' ')
check_eq "signals in order" "exceeded freeze restored thaw " "$order"
check_grep "BudgetExceeded carries usage and max" "uint64 $((56 * MiB))" "$TEST_TMP/monitor.txt"
check_grep "ActionTaken names the target" 'string "vm1.service"' "$TEST_TMP/monitor.txt"
check_grep "ActionTaken carries the culprit's pid" "uint32 $vm1" "$TEST_TMP/monitor.txt"

# --- the scan timer fires on time (sd-event's default accuracy would make 100ms 250ms) ---
dbus-monitor --system "type='signal',sender='org.pind.Pind1',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" >"$TEST_TMP/scans.txt" 2>&1 &
mon=$!
track_pid $mon
disown
sleep 3
kill $mon
# the intervals between scans, in ms, from the signals' timestamps: the median is 100
median=$(awk '/^signal time=/ { split($2, a, "="); t = a[2]; if (p) print int((t - p) * 1000 + 0.5); p = t }' "$TEST_TMP/scans.txt" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
n=$(grep -c '^signal time=' "$TEST_TMP/scans.txt")
[ "${median:-0}" -ge 90 ] && [ "$median" -le 115 ] && [ "$n" -ge 15 ] &&
	ok "ScanIntervalSec=100ms: a scan every ${median} ms ($n scans in 3 s)" ||
	not_ok "ScanIntervalSec=100ms: median interval ${median:-?} ms, $n scans in 3 s"

# --- SetAction through gdbus ---
gdbus call --system --dest org.pind.Pind1 --object-path /org/pind/Pind1 --method $M.SetAction \
	machine.slice log false >/dev/null && ok "gdbus SetAction" || not_ok "gdbus SetAction"
check_eq "the action drop-in" "X-PinnedMemoryAction=log" \
	"$(grep '^X-' "$root/etc/systemd/system.control/machine.slice.d/50-PinnedMemoryAction.conf")"
wait_log "budget machine\.slice changed: .*action log from $root/etc/systemd/system.control/machine\.slice\.d/50-PinnedMemoryAction\.conf" &&
	ok "pind applied it before replying" || not_ok "action not applied"
gdbus call --system --dest org.pind.Pind1 --object-path /org/pind/Pind1 --method $M.SetAction \
	machine.slice freeze false >/dev/null

# --- pinctl over the bus ---
"$PINCTL" list --json >"$TEST_TMP/pl.json" 2>"$TEST_TMP/pl.err"
check_eq "pinctl list goes through pind" pind "$(jq -r .source "$TEST_TMP/pl.json")"
check_eq "no direct-mode notice then" "" "$(cat "$TEST_TMP/pl.err")"
check_eq "pinctl list --json: machine.slice pinned as the kernel says" $((48 * MiB)) \
	"$(jq '.groups[] | select(.name == "machine.slice") | .pinned' "$TEST_TMP/pl.json")"
"$PINCTL" ps --json machine.slice >"$TEST_TMP/pps.json" 2>/dev/null
check_eq "pinctl ps names vm1 with its bytes" "$((32 * MiB))" \
	"$(jq --argjson p "$vm1" '.processes[] | select(.pid == $p) | .pinned' "$TEST_TMP/pps.json")"
"$PINCTL" status machine.slice >"$TEST_TMP/pst.txt" 2>&1
check_grep "pinctl status over the bus" "machine\.slice" "$TEST_TMP/pst.txt"

# --- one document and one text, whether pind answers or pinctl measures itself ---
# keys: every path of the document, array indices as []; the same set on both sides
keys() { jq -c '[paths | map(if type == "number" then "[]" else . end) | join(".")] | unique' "$1"; }
# the text without what differs by nature: the system's totals (pind's procfs scanner
# reads the budgeted subtrees only), the scan line and memcg's moving figures
steady() { grep -v -e '^System: ' -e '^  Scan: ' -e '^      Memory: ' "$1"; }
for cmd in status list ps; do
	"$PINCTL" $cmd --json >"$TEST_TMP/k-pind.json" 2>/dev/null
	"$PINCTL" --direct $PINCTL_SCAN --root="$root" --cgroup-root="$TEST_CG" $cmd --json \
		>"$TEST_TMP/k-direct.json" 2>/dev/null
	check_eq "pinctl $cmd --json: pind's and pinctl's own documents" "pind direct" \
		"$(jq -r .source "$TEST_TMP/k-pind.json") $(jq -r .source "$TEST_TMP/k-direct.json")"
	check_eq "pinctl $cmd --json: the same keys with and without pind" \
		"$(keys "$TEST_TMP/k-direct.json")" "$(keys "$TEST_TMP/k-pind.json")"
	n=$(keys "$TEST_TMP/k-pind.json" | jq length)
	[ "$n" -ge "$(case $cmd in status) echo 70 ;; list) echo 40 ;; ps) echo 8 ;; esac)" ] &&
		ok "pinctl $cmd --json: $n keys" || not_ok "pinctl $cmd --json: only $n keys"
done
for cmd in "status" "status machine.slice" "ps"; do
	"$PINCTL" $cmd >"$TEST_TMP/t-pind.txt" 2>/dev/null
	"$PINCTL" --direct $PINCTL_SCAN --root="$root" --cgroup-root="$TEST_CG" $cmd \
		>"$TEST_TMP/t-direct.txt" 2>/dev/null
	check_eq "pinctl $cmd: the same text with and without pind" \
		"$(steady "$TEST_TMP/t-direct.txt")" "$(steady "$TEST_TMP/t-pind.txt")"
done
"$PINCTL" status machine.slice >"$TEST_TMP/t-pind.txt" 2>/dev/null
check_grep "pinctl status through pind: RAM" '^System: [0-9.]+[KMGT] RAM, ' "$TEST_TMP/t-pind.txt"
check_grep "pinctl status through pind: compaction" '^ +compaction: [0-9]+ stalls' "$TEST_TMP/t-pind.txt"
check_grep "pinctl status through pind: memcg" '^ +Memory: ' "$TEST_TMP/t-pind.txt"
check_grep "pinctl status through pind: the budget's source (gdbus SetPinnedMemoryMax above)" \
	"^ +PinnedMemoryMax=infinity from $root/etc/systemd/system\.control/machine\.slice\.d/50-PinnedMemoryMax\.conf\$" \
	"$TEST_TMP/t-pind.txt"
"$PINCTL" monitor --json >"$TEST_TMP/pmon.json" 2>"$TEST_TMP/pmon.err" &
pmon=$!
track_pid $pmon
disown
sleep 0.3
check_run "pinctl set-property over the bus" 0 "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=40M
frozen_twice() { for _ in $(seq 100); do [ "$(grep -c "machine\.slice: froze vm1\.service" "$log")" -ge 2 ] && return 0; sleep 0.05; done; return 1; }
frozen_twice && ok "frozen again" || not_ok "no second freeze"
: >"$TEST_TMP/reserve.out"
check_run "pinctl set-property infinity" 0 "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=infinity
sleep 0.8
kill -TERM $pmon
check_eq "pinctl monitor: one JSON object per signal, in order" "BudgetExceeded ActionTaken BudgetRestored ActionTaken" \
	"$(jq -r '.signal // .member // .event // empty' "$TEST_TMP/pmon.json" 2>/dev/null | head -4 | tr '\n' ' ' | sed 's/ $//')"
"$PINCTL" reserve machine.slice 8M >"$TEST_TMP/reserve.out" 2>&1
check_grep "pinctl reserve granted with an id" "^granted r[0-9]+" "$TEST_TMP/reserve.out"
id=$(awk '/^granted/ { print $2 }' "$TEST_TMP/reserve.out")
check_run "pinctl release" 0 "$PINCTL" release "$id"
check_run "pinctl release again: no such reservation" 2 "$PINCTL" release "$id"
# reservations as pinctl shows them: status, list, --json
check_run "pinctl set-property 128M" 0 "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=128M
"$PINCTL" reserve machine.slice 40M --holder=vm3.service --ttl=1min >"$TEST_TMP/reserve.out" 2>&1
check_grep "pinctl reserve: granted, with the budget's figures after it" \
	'^granted r[0-9]+ \(machine\.slice: 56\.0M used \+ 40\.0M reserved of 128\.0M, 32\.0M available\)$' "$TEST_TMP/reserve.out"
id=$(awk '/^granted/ { print $2 }' "$TEST_TMP/reserve.out")
check_run "pinctl reserve of too much: exit 1" 1 "$PINCTL" reserve machine.slice 100M
check_grep "pinctl reserve denied says why" \
	'^denied \(machine\.slice: 56\.0M used \+ 40\.0M reserved of 128\.0M, 32\.0M available\)$' "$TEST_TMP/last.out"
"$PINCTL" status machine.slice >"$TEST_TMP/pst.txt" 2>&1
check_grep "pinctl status: used + reserved of max" 'Budget: 56\.0M used \+ 40\.0M reserved of 128\.0M \(75%\)' "$TEST_TMP/pst.txt"
check_grep "pinctl status: the reservation with holder, size, age and TTL" \
	"^  $id +machine\.slice +40\.0M +40\.0M +[0-9]+s +(1min|[0-9]+s) +vm3\.service\$" "$TEST_TMP/pst.txt"
"$PINCTL" list >"$TEST_TMP/plist.txt" 2>&1
check_grep "pinctl list: a RESERVED column" '^NAME +PINNED +LOCKED +RESERVED +MAX +USE' "$TEST_TMP/plist.txt"
check_grep "pinctl list: machine.slice reserved 40M, 75% used" '^machine\.slice +48\.0M +8\.0M +40\.0M +128\.0M +75% ' "$TEST_TMP/plist.txt"
"$PINCTL" list --json >"$TEST_TMP/pl.json" 2>&1
check_eq "pinctl list --json: the budget's reserved bytes" $((40 * MiB)) \
	"$(jq '.budgets[] | select(.name == "machine.slice") | .reserved' "$TEST_TMP/pl.json")"
check_eq "pinctl list --json: the reservation" "\"$id\" \"vm3.service\" $((40 * MiB)) true" \
	"$(jq -r '.reservations[0] | "\(.id|tojson) \(.holder|tojson) \(.bytes) \(.ttl_usec <= 60000000)"' "$TEST_TMP/pl.json")"
check_run "pinctl release of it" 0 "$PINCTL" release "$id"
check_run "pinctl set-property infinity again" 0 "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=infinity
check_run "pinctl freeze of an unknown group: 5" 5 "$PINCTL" freeze nosuch.service
as_nobody "$PINCTL" --root="$root" set-property machine.slice PinnedMemoryMax=1G >/dev/null 2>"$TEST_TMP/e"
check_eq "pinctl as nobody: access denied exit code" 4 $?
check_run "pinctl reload" 0 "$PINCTL" reload
check_eq "pinctl --json freeze/thaw/reload answer JSON" "true true true" \
	"$("$PINCTL" --json freeze vm2.service | jq .done) $("$PINCTL" --json thaw vm2.service | jq .done) $("$PINCTL" --json reload | jq .done)"

# --- no bus at all: pind says so once and enforces all the same ---
kill $pind
nobus=$TEST_TMP/nobus.log
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/no-such-bus PIND_LOG_STDERR=1 \
	"$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$nobus" 2>&1 &
pind2=$!
track_pid $pind2
disown
sleep 1.2
check_eq "the API being off is said once" 1 "$(grep -c 'the D-Bus API is off' "$nobus")"
check_grep "and pind goes on" "budget machine\.slice set" "$nobus"
check_eq "still running, not spinning" yes "$(kill -0 $pind2 2>/dev/null && echo yes)"
cpu=$(awk '{ print $14 + $15 }' /proc/$pind2/stat)
[ "$cpu" -lt 50 ] && ok "pind used $cpu ticks in 1.2 s without a bus" || not_ok "pind busy without a bus: $cpu ticks"
finish
