#!/bin/bash
# Real kernel: pinhogs of known sizes in a cgroup tree shaped like a systemd host with
# libvirt guests; pinctl must report every cgroup's pinned and locked bytes exactly.
. "$(dirname "$0")/../lib.sh"
require_root_cgroup2
test_setup
use_scanner
make_test_cgroup

scope='machine.slice/machine-qemu.slice/machine-qemu\x2d1\x2dvm1.scope'
start_pinhog vm1 machine.slice/vm1.service --name hog-vm1 32M || exit 1
start_pinhog emu "$scope/libvirt/emulator" --name hog-emu --lock 4M 16M || exit 1
start_pinhog vcpu "$scope/libvirt/vcpu0" --name hog-vcpu 8M || exit 1
start_pinhog db system.slice/db.service --name hog-db --lock 12M || exit 1
mkdir "$TEST_CG_DIR/system.slice/idle.service"

pinctl() { "$PINCTL" $PINCTL_SCAN --cgroup-root="$TEST_CG" "$@"; }
pinctl status --json >"$TEST_TMP/status.json" 2>"$TEST_TMP/status.err"
check_eq "status --json exit" 0 $?
check_grep "direct mode said once on stderr" '^pinctl: pind is not reachable; measuring' "$TEST_TMP/status.err"
check_eq "stderr has one line" 1 "$(wc -l <"$TEST_TMP/status.err")"

# group FIELD NAME: a field of a group in status --json
group() { jq -r --arg n "$2" ".groups[] | select(.name == \$n) | .$1" "$TEST_TMP/status.json"; }
# cg FIELD PATH: a field of a cgroup (inside any group) by path below the test subtree
cg() { jq -r --arg p "$TEST_CG/$2" "[.groups[].cgroups[] | select(.cgroup == \$p)][0] | .$1" "$TEST_TMP/status.json"; }

check_eq "root pinned (hierarchical)" $((56 * MiB)) "$(group pinned /)"
check_eq "root locked (hierarchical)" $((16 * MiB)) "$(group locked /)"
check_eq "root processes" 4 "$(group processes /)"
check_eq "machine.slice pinned" $((56 * MiB)) "$(group pinned machine.slice)"
check_eq "machine.slice locked" $((4 * MiB)) "$(group locked machine.slice)"
check_eq "machine.slice processes" 3 "$(group processes machine.slice)"
check_eq "machine.slice parent" / "$(group parent machine.slice)"
check_eq "vm1.service pinned" $((32 * MiB)) "$(group pinned vm1.service)"
check_eq "vm1.service locked" 0 "$(group locked vm1.service)"
check_eq "vm1.service cgroup" "$TEST_CG/machine.slice/vm1.service" "$(group cgroup vm1.service)"
check_eq "machine-qemu.slice nested in machine.slice" machine.slice "$(group parent machine-qemu.slice)"
check_eq "machine-qemu.slice pinned" $((24 * MiB)) "$(group pinned machine-qemu.slice)"
check_eq "escaped scope pinned" $((24 * MiB)) "$(group pinned 'machine-qemu\x2d1\x2dvm1.scope')"
check_eq "escaped scope locked" $((4 * MiB)) "$(group locked 'machine-qemu\x2d1\x2dvm1.scope')"
check_eq "escaped scope holds no process itself" 0 "$(group self_pinned 'machine-qemu\x2d1\x2dvm1.scope')"
check_eq "emulator cgroup pinned" $((16 * MiB)) "$(cg self_pinned "$scope/libvirt/emulator")"
check_eq "emulator cgroup locked" $((4 * MiB)) "$(cg self_locked "$scope/libvirt/emulator")"
check_eq "vcpu0 cgroup pinned" $((8 * MiB)) "$(cg pinned "$scope/libvirt/vcpu0")"
check_eq "libvirt cgroup sums emulator and vcpu0" $((24 * MiB)) "$(cg pinned "$scope/libvirt")"
check_eq "delegated sub-cgroups are not groups" 0 \
	"$(jq '[.groups[] | select(.name | test("emulator|vcpu|libvirt"))] | length' "$TEST_TMP/status.json")"
check_eq "db.service locked" $((12 * MiB)) "$(group locked db.service)"
check_eq "db.service pinned" 0 "$(group pinned db.service)"
check_eq "system.slice locked" $((12 * MiB)) "$(group locked system.slice)"
check_eq "idle.service (no pins) not listed" "" "$(group name idle.service)"
check_eq "top pinner of machine.slice" "$vm1" "$(group 'top[0].pid' machine.slice)"
check_eq "top pinner comm" hog-vm1 "$(group 'top[0].comm' machine.slice)"
check_eq "system pinned covers the test's pins" true \
	"$(jq ".system.pinned >= $((56 * MiB)) and .system.locked >= $((16 * MiB))" "$TEST_TMP/status.json")"

# ps: every pinhog named with its pid, largest first
pinctl ps --json >"$TEST_TMP/ps.json" 2>/dev/null
proc() { jq -r --argjson p "$2" ".processes[] | select(.pid == \$p) | .$1" "$TEST_TMP/ps.json"; }
check_eq "ps lists 4 processes" 4 "$(jq '.processes | length' "$TEST_TMP/ps.json")"
check_eq "ps first is the largest" "$vm1" "$(jq '.processes[0].pid' "$TEST_TMP/ps.json")"
check_eq "ps vm1 pinned" $((32 * MiB)) "$(proc pinned "$vm1")"
check_eq "ps vm1 unit" vm1.service "$(proc unit "$vm1")"
check_eq "ps emulator pinned" $((16 * MiB)) "$(proc pinned "$emu")"
check_eq "ps emulator locked" $((4 * MiB)) "$(proc locked "$emu")"
check_eq "ps emulator unit is the scope" 'machine-qemu\x2d1\x2dvm1.scope' "$(proc unit "$emu")"
check_eq "ps emulator cgroup" "$TEST_CG/$scope/libvirt/emulator" "$(proc cgroup "$emu")"
check_eq "ps vcpu comm" hog-vcpu "$(proc comm "$vcpu")"
check_eq "ps db locked" $((12 * MiB)) "$(proc locked "$db")"
pinctl ps 2>/dev/null >"$TEST_TMP/ps.txt"
check_grep "ps text names vm1 with pid and size" "^ *$vm1 hog-vm1 +32\.0M +0B +vm1\.service " "$TEST_TMP/ps.txt"
pinctl ps machine-qemu.slice --json 2>/dev/null >"$TEST_TMP/ps2.json"
check_eq "ps NAME limits to the slice" "$(printf '%s\n' "$emu" "$vcpu")" "$(jq '.processes[].pid' "$TEST_TMP/ps2.json")"

# status NAME, text
pinctl status 'machine-qemu\x2d1\x2dvm1.scope' 2>/dev/null >"$TEST_TMP/scope.txt"
check_grep "status NAME header" '^● machine-qemu\\x2d1\\x2dvm1\.scope$' "$TEST_TMP/scope.txt"
check_grep "status NAME pinned line" 'Pinned: 24\.0M \(locked: 4\.0M\) in 2 processes' "$TEST_TMP/scope.txt"
check_grep "status NAME top pinner" "Top: $emu hog-emu: 16\.0M pinned, 4\.0M locked" "$TEST_TMP/scope.txt"
pinctl status 2>/dev/null >"$TEST_TMP/all.txt"
check_grep "status tree shows nesting" '│ ├─machine-qemu\.slice  24\.0M pinned' "$TEST_TMP/all.txt"
check_grep "status system line" '^System: .* RAM, .* pinned' "$TEST_TMP/all.txt"

# list
pinctl list --json 2>/dev/null >"$TEST_TMP/list.json"
check_eq "list has the groups holding pins" \
	"/ machine.slice machine-qemu.slice machine-qemu\\x2d1\\x2dvm1.scope vm1.service system.slice db.service" \
	"$(jq -r '[.groups[].name] | join(" ")' "$TEST_TMP/list.json")"
pinctl list --no-legend 2>/dev/null >"$TEST_TMP/list.txt"
check_eq "list --no-legend has one row per group" 7 "$(wc -l <"$TEST_TMP/list.txt")"

# names and exit codes
check_run "unknown unit" 5 "$PINCTL" $PINCTL_SCAN --cgroup-root="$TEST_CG" status nosuch.service
check_run "invalid name" 2 "$PINCTL" $PINCTL_SCAN --cgroup-root="$TEST_CG" status ../etc.slice
check_run "path form" 0 "$PINCTL" $PINCTL_SCAN --cgroup-root="$TEST_CG" status /machine.slice/vm1.service
check_run "unknown command" 2 "$PINCTL" frobnicate
check_run "bad cgroup root" 1 "$PINCTL" $PINCTL_SCAN --cgroup-root=/nonexistent-pind status

# a process is counted where it is now, not where it pinned
echo "$vm1" >"$TEST_CG_DIR/system.slice/cgroup.procs"
pinctl status --json >"$TEST_TMP/moved.json" 2>/dev/null
check_eq "moved: system.slice now holds vm1's pins" $((32 * MiB)) \
	"$(jq -r '.groups[] | select(.name == "system.slice") | .pinned' "$TEST_TMP/moved.json")"
check_eq "moved: machine.slice lost them" $((24 * MiB)) \
	"$(jq -r '.groups[] | select(.name == "machine.slice") | .pinned' "$TEST_TMP/moved.json")"

# an exited process is gone from the next measurement
kill -9 "$vcpu"
wait_gone "$vcpu"
pinctl status --json >"$TEST_TMP/exited.json" 2>/dev/null
check_eq "exited pinhog no longer counted" $((16 * MiB)) \
	"$(jq -r '.groups[] | select(.name == "machine-qemu.slice") | .pinned' "$TEST_TMP/exited.json")"

# a process whose main thread exited holds its pins in the threads that live on; moved
# after that, its leader's cgroup file still names where it was (the kernel skips an
# exiting task in a move): it counts where its live thread is
start_pinhog nolead system.slice/old.service --name hog-nolead --leader-exits --lock 2M 8M || exit 1
check_eq "leader-exits: the leader is a zombie" Z "$(awk '/^State:/ { print $2 }' "/proc/$nolead/status")"
mkdir "$TEST_CG_DIR/system.slice/new.service"
echo "$nolead" >"$TEST_CG_DIR/system.slice/new.service/cgroup.procs"
check_eq "leader-exits: the leader's cgroup file is stale" "0::$TEST_CG/system.slice/old.service" \
	"$(grep '^0::' "/proc/$nolead/cgroup")"
pinctl ps --json >"$TEST_TMP/nolead.json" 2>/dev/null
nl() { jq -r --argjson p "$nolead" ".processes[] | select(.pid == \$p) | .$1" "$TEST_TMP/nolead.json"; }
check_eq "leader-exits: pinned" $((8 * MiB)) "$(nl pinned)"
check_eq "leader-exits: locked" $((2 * MiB)) "$(nl locked)"
check_eq "leader-exits: comm" hog-nolead "$(nl comm)"
check_eq "leader-exits: counted where its threads are" "$TEST_CG/system.slice/new.service" "$(nl cgroup)"
finish
