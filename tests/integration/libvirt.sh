#!/bin/bash
# The libvirt hook driven exactly as libvirtd drives it: contrib/libvirt/qemu run with
# libvirt's arguments, its environment (LC_ALL, PATH and nothing else, but the private
# bus's address) and the domain XML a real libvirtd 9.0 passed on stdin
# (tests/data/libvirt), against a running pind on a private system bus, with pinhogs in
# libvirt-shaped cgroups. Both layouts: libvirt's own cgroups (/machine/qemu-N-NAME.libvirt-qemu)
# and systemd's (machine.slice/machine-qemu\x2dN\x2dNAME.scope/libvirt). Then a start that
# crosses the budget without the hook: only the newcomer is acted on.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
for t in dbus-daemon busctl jq; do command -v $t >/dev/null || skip "$t is not installed"; done
test_setup
use_scanner
make_test_cgroup
src=$(cd "$(dirname "$0")/../.." && pwd)
data=$src/tests/data/libvirt
start_system_bus "$src"
root=$TEST_TMP/root
mkdir -p "$root/etc/pind" "$TEST_TMP/bin"
ln -s "$PINCTL" "$TEST_TMP/bin/pinctl"
log=$TEST_TMP/pind.log
M=org.pind.Pind1.Manager
bc() { busctl --system --json=short call org.pind.Pind1 /org/pind/Pind1 $M "$@"; }

conf() { # BUDGET MAX ACTION [TARGET]
	printf '[Daemon]\nScanner=%s\nScanIntervalSec=100ms\nGraceSec=300ms\nKillEscalationSec=1s\n[Budget %s]\nPinnedMemoryMax=%s\nAction=%s\n%s' \
		"$SCANNER" "$1" "$2" "$3" "${4:+Target=$4
}" >"$root/etc/pind/pind.conf"
}
start_pind() {
	: >"$log"
	PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >>"$log" 2>&1 &
	pind=$!
	track_pid $pind
	disown
	wait_log "D-Bus API on the system bus" || { not_ok "pind did not take its name"; cat "$log"; exit 1; }
}
stop_pind() { kill "$pind" 2>/dev/null; for _ in $(seq 100); do kill -0 "$pind" 2>/dev/null || break; sleep 0.05; done; }
wait_log() {
	local end=$((SECONDS + ${2:-5}))
	while [ $SECONDS -lt $end ]; do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done
	return 1
}
# hook GUEST OP SUBOP XMLFILE: as libvirtd runs it; sets rc, and stderr in $TEST_TMP/hook.err
hook() {
	rc=0
	env -i LC_ALL=C PATH="$TEST_TMP/bin:/usr/bin:/bin" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
		"$src/contrib/libvirt/qemu" "$1" "$2" "$3" - <"$4" >"$TEST_TMP/hook.out" 2>"$TEST_TMP/hook.err" || rc=$?
}
hook_ok() { # WHAT GUEST OP SUBOP XML
	local what=$1
	shift
	hook "$@"
	if [ $rc = 0 ] && [ ! -s "$TEST_TMP/hook.err" ]; then ok "$what (exit 0, nothing said)"; else
		not_ok "$what: exit $rc: $(cat "$TEST_TMP/hook.err")"
	fi
}
# wait_eq WHAT WANT COMMAND...: until the command prints WANT (pind scans every 100 ms;
# the procfs scanner sees a process that moved itself into a cgroup at its re-read of
# the budgeted cgroups, every 10 s)
wait_eq() {
	local what=$1 want=$2 got
	shift 2
	for _ in $(seq 300); do
		got=$("$@")
		[ "$got" = "$want" ] && break
		sleep 0.05
	done
	check_eq "$what" "$want" "$got"
}
reservations() { bc ListReservations | jq -c '[.data[0][] | [.[1], .[2], .[3], .[4]]]'; }
pin_reserved() { bc GetBudget s "$1" | jq -c '.data[0] | [.[2], .[3]]'; }
frozen() { awk '$1 == "frozen" { print $2 }' "$1/cgroup.events"; }
kill_cg() { # removes a cgroup subtree the test made, its processes killed first
	[ -d "$1" ] || return 0
	echo 0 >"$1/cgroup.freeze" 2>/dev/null
	echo 1 >"$1/cgroup.kill" 2>/dev/null
	for _ in $(seq 50); do
		find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$1" ] || return 0
		sleep 0.05
	done
}
# the release-time XML of a guest, and one that locks nothing
sed '/qemu:commandline/,/\/qemu:commandline/d' "$data/vm2-prepare-begin.xml" >"$TEST_TMP/vm2-nolock.xml"
sed "s/id='6'/id='7'/" "$data/vm2-prepare-begin.xml" >"$TEST_TMP/vm2-id7.xml"

# ===== libvirt's own cgroups (no systemd): budgets by path =====
conf /machine 200M freeze
start_pind
hook_ok "vm2 prepare: 96M reserved in /machine" vm2 prepare begin "$data/vm2-prepare-begin.xml"
check_eq "the reservation: in /machine, for the guest's future cgroup, 96M, none pinned yet" \
	"[[\"/machine\",\"/machine/qemu-6-vm2.libvirt-qemu\",$((96 * MiB)),$((96 * MiB))]]" "$(reservations)"
check_eq "the budget counts it as reserved" "[0,$((96 * MiB))]" "$(pin_reserved /machine)"
"$PINCTL" status /machine >"$TEST_TMP/st.txt" 2>&1
check_grep "pinctl status shows it as reserved" 'Budget: 0B used \+ 96\.0M reserved of 200\.0M \(48%\)' "$TEST_TMP/st.txt"
check_grep "pinctl status lists it with its holder" '^  r[0-9]+ +/machine +96\.0M +96\.0M .* /machine/qemu-6-vm2\.libvirt-qemu$' "$TEST_TMP/st.txt"
for op in "start begin" "started begin"; do
	# shellcheck disable=SC2086
	hook_ok "vm2 $op: nothing to do" vm2 $op "$data/vm2-${op// /-}.xml"
done
check_eq "still one reservation" 1 "$(reservations | jq length)"

# vm3 (1G hard limit in /machine/pinned) does not fit: refused with one line
hook vm3 prepare begin "$data/vm3-prepare-begin.xml"
check_eq "vm3 prepare: refused (exit 1)" 1 "$rc"
check_eq "vm3: one line on stderr, libvirt shows it" \
	"pind: vm3 needs 1.0G pinned in /machine: 0B used + 96.0M reserved of 200.0M" "$(cat "$TEST_TMP/hook.err")"
wait_log "reservation of 1\.0G in /machine/pinned\.partition for /machine/pinned\.partition/qemu-3-vm3\.libvirt-qemu denied: /machine has 0B used \+ 96\.0M reserved of 200\.0M" &&
	ok "pind logged the denial with the figures" || not_ok "denial not logged: $(tail -3 "$log")"
check_grep "with the journal fields of a reservation" \
	'denied: .*PIND_RESERVATION_EVENT=denied PIND_RESERVATION= PIND_GROUP=/machine/pinned\.partition PIND_HOLDER=/machine/pinned\.partition/qemu-3-vm3\.libvirt-qemu PIND_BYTES=1073741824 PIND_UNIT=/machine' "$log"
hook_ok "vm3 stopped end (libvirt calls it after the refusal)" vm3 stopped end "$data/vm3-stopped-end.xml"
hook_ok "vm3 release end" vm3 release end "$data/vm3-release-end.xml"
check_eq "vm2's reservation untouched by vm3's release" 1 "$(reservations | jq length)"

# vm2 runs: QEMU pins into its cgroup, the reservation turns into usage
guest=$TEST_CG_DIR/machine/qemu-6-vm2.libvirt-qemu
mkdir -p "$guest/emulator"
start_pinhog q1 machine/qemu-6-vm2.libvirt-qemu --name qemu-vm2 --lock 20M 40M || exit 1
wait_eq "60M pinned: 36M of the reservation still counts, nothing twice" \
	"[[\"/machine\",\"/machine/qemu-6-vm2.libvirt-qemu\",$((96 * MiB)),$((36 * MiB))]]" reservations
check_eq "the budget: 60M used + 36M reserved" "[$((60 * MiB)),$((36 * MiB))]" "$(pin_reserved /machine)"
start_pinhog q2 machine/qemu-6-vm2.libvirt-qemu/emulator --name qemu-vm2-2 40M || exit 1
wait_eq "100M pinned: the reservation is all usage now, and ended" "[]" reservations
check_eq "the budget: 100M used, nothing reserved" "[$((100 * MiB)),0]" "$(pin_reserved /machine)"
wait_log "reservation r[0-9]+ of 96\.0M in /machine for /machine/qemu-6-vm2\.libvirt-qemu ended: its holder pins all of it now" &&
	ok "its end is logged with the reason" || not_ok "end not logged"
hook_ok "vm2 release end after a normal run" vm2 release end "$data/vm2-release-end.xml"
kill_cg "$guest"

# a start that fails after prepare: libvirt still calls stopped and release
hook_ok "vm2 prepare again (id 7)" vm2 prepare begin "$TEST_TMP/vm2-id7.xml"
check_eq "reserved for qemu-7-vm2" "/machine/qemu-7-vm2.libvirt-qemu" "$(reservations | jq -r '.[0][1]')"
hook_ok "vm2 stopped end (the start failed)" vm2 stopped end "$data/vm2-stopped-end.xml"
hook_ok "vm2 release end (the XML has no id any more)" vm2 release end "$data/vm2-release-end.xml"
check_eq "released after the failed start" "[]" "$(reservations)"
# a release that never came (libvirtd died): the next prepare of the guest replaces it
hook_ok "vm2 prepare (id 6)" vm2 prepare begin "$data/vm2-prepare-begin.xml"
hook_ok "vm2 prepare (id 7), no release in between" vm2 prepare begin "$TEST_TMP/vm2-id7.xml"
check_eq "one reservation for vm2, the newest" "/machine/qemu-7-vm2.libvirt-qemu" "$(reservations | jq -r '[.[][1]] | join(" ")')"
hook_ok "vm2 release end" vm2 release end "$data/vm2-release-end.xml"
hook_ok "a guest that locks nothing: no reservation" vm2 prepare begin "$TEST_TMP/vm2-nolock.xml"
check_eq "none made" "[]" "$(reservations)"
hook vm2 prepare begin /dev/null
check_eq "no XML on stdin: refused" 1 "$rc"
check_grep "and it says why" "^pind: the domain XML of vm2 on stdin: not XML" "$TEST_TMP/hook.err"

# pind unreachable: the start is allowed, and said; IfUnreachable=refuse refuses it
stop_pind
hook vm2 prepare begin "$data/vm2-prepare-begin.xml"
check_eq "pind unreachable: the start is allowed (exit 0)" 0 "$rc"
check_grep "and the hook says so" '^pind: not reachable \(org\.pind\.Pind1 has no owner\): vm2 starts without a reservation of 96\.0M in /machine \(IfUnreachable=allow\)$' "$TEST_TMP/hook.err"
printf '[Libvirt]\nIfUnreachable=refuse\n' >>"$root/etc/pind/pind.conf"
rc=0
"$PINCTL" --root="$root" libvirt-hook vm2 prepare begin - <"$data/vm2-prepare-begin.xml" 2>"$TEST_TMP/hook.err" || rc=$?
check_eq "IfUnreachable=refuse: refused (exit 1)" 1 "$rc"
check_grep "naming the setting" "^pind: not reachable .*: vm2, which needs 96\.0M pinned in /machine, is refused \(IfUnreachable=refuse in $root/etc/pind/pind\.conf\)$" "$TEST_TMP/hook.err"
printf '[Libvirt]\nIfUnreachable=maybe\n' >"$root/etc/pind/pind.conf"
rc=0
"$PINCTL" --root="$root" libvirt-hook vm2 prepare begin - <"$data/vm2-prepare-begin.xml" 2>"$TEST_TMP/hook.err" || rc=$?
check_eq "a bad IfUnreachable=: allowed, and said" 0 "$rc"
check_grep "the bad line is named" "pind\.conf:2: IfUnreachable: invalid value 'maybe' \(allow or refuse\)" "$TEST_TMP/hook.err"

# ===== systemd's layout: machine.slice, machine-pinned.slice, machined's scopes =====
conf machine.slice 200M freeze
start_pind
shook() { # as hook, through pinctl's --layout=systemd (machined is not on this bus)
	rc=0
	"$PINCTL" --layout=systemd libvirt-hook "$1" "$2" "$3" - <"$4" >"$TEST_TMP/hook.out" 2>"$TEST_TMP/hook.err" || rc=$?
}
shook vm2 prepare begin "$data/vm2-prepare-begin.xml"
check_eq "systemd: vm2 granted" "0 " "$rc $(cat "$TEST_TMP/hook.err")"
check_eq "in machine.slice, for machined's scope" \
	"[[\"machine.slice\",\"machine-qemu\\\\x2d6\\\\x2dvm2.scope\",$((96 * MiB)),$((96 * MiB))]]" "$(reservations)"
shook vm3 prepare begin "$data/vm3-prepare-begin.xml"
check_eq "systemd: vm3 in machine-pinned.slice refused by machine.slice's budget" \
	"1 pind: vm3 needs 1.0G pinned in machine.slice: 0B used + 96.0M reserved of 200.0M" "$rc $(cat "$TEST_TMP/hook.err")"
scope=$TEST_CG_DIR/machine.slice/machine-qemu\\x2d6\\x2dvm2.scope
start_pinhog q3 "machine.slice/machine-qemu\\x2d6\\x2dvm2.scope/libvirt" --name qemu-vm2 96M || exit 1
both() { echo "$(reservations) $(pin_reserved machine.slice)"; }
wait_eq "systemd: QEMU pinned it all, the reservation became usage" "[] [$((96 * MiB)),0]" both
shook vm2 release end "$data/vm2-release-end.xml"
check_eq "systemd: release end" 0 "$rc"
kill_cg "$scope"

# ===== no hook: a newcomer crosses the budget; only it pays =====
running=$TEST_CG_DIR/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope
newcomer=$TEST_CG_DIR/machine.slice/machine-qemu\\x2d2\\x2dvm2.scope
# the procfs scanner sees a process that moved itself into a cgroup (as QEMU is moved into
# its scope) when it re-reads the budgeted cgroups, every 10 s; bpf sees it at once
acted() { if wait_log "$1" 15; then ok "$2"; else not_ok "$2: /$1/ not logged"; tail -5 "$log" | sed 's/^/    /'; fi; }
alive() { kill -0 "$1" 2>/dev/null && echo alive || echo gone; }
for action in freeze signal kill; do
	stop_pind
	conf machine.slice 150M $action
	start_pinhog old "machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt" --name qemu-vm1 100M || exit 1
	start_pind
	sleep 0.3 # pind has seen vm1 running
	start_pinhog new "machine.slice/machine-qemu\\x2d2\\x2dvm2.scope/libvirt" --name qemu-vm2 80M || exit 1
	case $action in
	freeze) acted "froze machine-qemu\\\\x2d2" "freeze: pind froze the newcomer"
		check_eq "freeze: the newcomer frozen, the running guest not" "1 0" "$(frozen "$newcomer") $(frozen "$running")" ;;
	signal) acted "sent SIGTERM to $new in machine-qemu\\\\x2d2" "signal: pind signalled the newcomer's QEMU"
		sleep 0.3
		check_eq "signal: the newcomer's QEMU ended, the running one not" "gone alive" "$(alive "$new") $(alive "$old")" ;;
	kill) acted "killed machine-qemu\\\\x2d2" "kill: pind killed the newcomer"
		sleep 0.3
		check_eq "kill: the newcomer killed, the running guest not" "gone alive" "$(alive "$new") $(alive "$old")" ;;
	esac
	check_grep "$action: the over-budget line names the newcomer's QEMU" \
		"machine\\.slice: over budget \\(180\\.0M of 150\\.0M\\); culprit $new \\(qemu-vm2\\) in machine-qemu\\\\x2d2\\\\x2dvm2\\.scope" "$log"
	check_eq "$action: every action line names the same culprit" "" \
		"$(grep -E 'machine\.slice: (froze|sent|killed)' "$log" | grep -v "culprit $new (qemu-vm2)")"
	if [ $action = freeze ]; then
		check_grep "freeze: the journal says what the newcomer's start waits for" \
			"froze machine-qemu\\\\x2d2\\\\x2dvm2\\.scope .*it began pinning [0-9.]+ s ago: whatever it was starting is held until machine\\.slice has room" "$log"
	fi
	kill_cg "$newcomer"
	kill_cg "$running"
done
# X-PinnedMemoryTarget=largest in a drop-in: the running guest, holding most, pays
stop_pind
conf machine.slice 150M freeze
mkdir -p "$root/etc/systemd/system/machine.slice.d"
printf '[Slice]\nX-PinnedMemoryTarget=largest\n' >"$root/etc/systemd/system/machine.slice.d/50-target.conf"
start_pinhog old "machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt" --name qemu-vm1 100M || exit 1
start_pind
sleep 0.3
start_pinhog new "machine.slice/machine-qemu\\x2d2\\x2dvm2.scope/libvirt" --name qemu-vm2 80M || exit 1
acted "froze machine-qemu\\\\x2d1" "Target=largest: pind froze the running guest"
check_eq "Target=largest: the larger running guest frozen, the newcomer not" "0 1" "$(frozen "$newcomer") $(frozen "$running")"
check_eq "GetBudget says target largest" largest "$(bc GetBudget s machine.slice | jq -r '.data[0][6]')"
kill_cg "$newcomer"
kill_cg "$running"
stop_pind
finish
