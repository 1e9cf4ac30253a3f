#!/bin/bash
# Real systemd: a private user manager (tests/rig/systemd-user-rig) runs a transient
# service in machine.slice and a scope in machine-qemu.slice, each holding pinned
# memory. pinctl must read the budgets from the same unit files and drop-ins systemd
# reads (unit file, slice-prefix drop-in, set-property drop-ins in user.control), with
# systemd's precedence, and systemd itself must accept the X- keys. Where precedence is
# in question, systemd's own answer (FragmentPath and DropInPaths, in the order systemd
# applies them) is the oracle pinctl is compared with.
. "$(dirname "$0")/../lib.sh"
require_root_cgroup2
manager=/lib/systemd/systemd
[ -x "$manager" ] || manager=/usr/lib/systemd/systemd
[ -x "$manager" ] || skip "systemd is not installed (no /lib/systemd/systemd)"
for t in systemd-run systemctl systemd-analyze jq; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done
# The rig manages /run/systemd/system while it runs: two rigs at once would fight over it.
others=$(find /sys/fs/cgroup -type d -name 'pind-rig-*' -prune 2>/dev/null | head -3)
[ -z "$others" ] || skip "another systemd-user-rig is running (or was left behind): $others"
test_setup
started=$SECONDS

RIG=$(cd "$(dirname "$0")/../rig" && pwd)/systemd-user-rig
RIG_DIR=$(mktemp -d) || exit 1
scope_pid=

# Everything the test makes goes on exit, whatever failed: the scope's pinhog (started by
# this shell: killed by PID while it is still our child, in case the manager never took
# it into its scope), then the manager, every process left in its cgroups, its cgroups
# and the /run/systemd/system marker (the rig's stop), then the files. The rig's stop
# runs in a session of its own: on a timeout meson sends SIGTERM to the test's process
# group and SIGKILL half a second later, which would cut a clean-up running in it short.
on_exit() {
	local rc=$?
	trap '' HUP INT PIPE TERM
	if [ -n "$scope_pid" ] && [ "$(awk '{ print $4 }' "/proc/$scope_pid/stat" 2>/dev/null)" = $$ ]; then
		kill -9 "$scope_pid" 2>/dev/null
	fi
	# shellcheck disable=SC2016 # $1.. expand in that sh
	setsid -w sh -c '"$1" stop "$2" >/dev/null; rm -rf "$2" "$3"' sh "$RIG" "$RIG_DIR" "$TEST_TMP"
	cleanup
	exit $rc
}
on_exit_run on_exit

rig_start "$RIG" "$RIG_DIR"
ok "private user manager running (pid $RIG_MANAGER_PID, cgroup $RIG_CGROUP)"

UNITS=$XDG_CONFIG_HOME/systemd/user
SLICE_FILE=$UNITS/machine.slice
PREFIX_FILE=$UNITS/machine-.slice.d/50-pin.conf
CTL_DIR=$XDG_CONFIG_HOME/systemd/user.control
RUNTIME_CTL_DIR=$XDG_RUNTIME_DIR/systemd/user.control
SCOPE='machine-qemu\x2d1\x2dvm1.scope'
SCOPE_CG=$RIG_CGROUP/machine.slice/machine-qemu.slice/$SCOPE

mkdir -p "$UNITS/machine-.slice.d"
printf '[Slice]\nX-PinnedMemoryMax=48M\n' >"$SLICE_FILE"
printf '[Slice]\nX-PinnedMemoryMax=24M\nX-PinnedMemoryAction=log\n' >"$PREFIX_FILE"

# verify WHAT UNIT: systemd-analyze --user verify passes and says nothing of pind's keys
verify() {
	local rc=0
	systemd-analyze --user verify "$2" >"$TEST_TMP/verify.out" 2>&1 || rc=$?
	check_eq "$1: systemd-analyze --user verify exit" 0 $rc
	if grep -qi 'PinnedMemory' "$TEST_TMP/verify.out"; then
		not_ok "$1: systemd-analyze --user verify warns about pind's keys:"
		sed 's/^/    /' "$TEST_TMP/verify.out" | head -10
	else
		ok "$1: systemd-analyze --user verify accepts the X- keys"
	fi
}
verify "machine.slice file" "$SLICE_FILE"
verify "machine-qemu.slice (prefix drop-in)" machine-qemu.slice
check_run "systemctl --user daemon-reload" 0 systemctl --user daemon-reload

# wait_ready WHAT FILE: until pinhog wrote its pid to FILE (it has pinned by then)
wait_ready() {
	for _ in $(seq 200); do [ -s "$2" ] && break; sleep 0.05; done
	if [ ! -s "$2" ]; then
		not_ok "$1 did not get ready"
		return 1
	fi
	ok "$1 ready (pid $(cat "$2"))"
}
# vm_pin PID: VmPin of a process, in bytes
vm_pin() { awk '$1 == "VmPin:" { print $2 * 1024 }' "/proc/$1/status" 2>/dev/null; }

check_run "systemd-run vm1.service in machine.slice" 0 systemd-run --user --quiet \
	--slice=machine.slice --unit=vm1 "$PINHOG" --name hog-vm1 --ready-file "$TEST_TMP/vm1.ready" 32M
systemd-run --user --quiet --scope --slice=machine-qemu.slice --unit="${SCOPE%.scope}" -- \
	"$PINHOG" --name hog-vm2 --ready-file "$TEST_TMP/vm2.ready" 16M \
	>"$TEST_TMP/scope.out" 2>&1 &
scope_pid=$! # systemd-run --scope execs the command: this becomes the pinhog's pid
disown       # ended by systemctl stop below or by the clean-up; no job-control noise
wait_ready "pinhog in vm1.service" "$TEST_TMP/vm1.ready" || exit 1
wait_ready "pinhog in the scope" "$TEST_TMP/vm2.ready" || {
	sed 's/^/    /' "$TEST_TMP/scope.out"
	exit 1
}
vm1=$(cat "$TEST_TMP/vm1.ready") vm2=$(cat "$TEST_TMP/vm2.ready")
for _ in $(seq 100); do
	[ "$(vm_pin "$vm1")" = $((32 * MiB)) ] && [ "$(vm_pin "$vm2")" = $((16 * MiB)) ] && break
	sleep 0.05
done
check_eq "VmPin of vm1's pinhog" $((32 * MiB)) "$(vm_pin "$vm1")"
check_eq "VmPin of the scope's pinhog" $((16 * MiB)) "$(vm_pin "$vm2")"
check_eq "vm1.service MainPID is the pinhog" "$vm1" "$(systemctl --user show -P MainPID vm1.service)"
check_eq "the scope's pinhog is the process systemd-run started" "$scope_pid" "$vm2"
check_eq "systemd put vm1.service in machine.slice" "0::$RIG_CGROUP/machine.slice/vm1.service" \
	"$(grep '^0::' "/proc/$vm1/cgroup")"
check_eq "systemd nested the scope in machine-qemu.slice in machine.slice" "0::$SCOPE_CG" \
	"$(grep '^0::' "/proc/$vm2/cgroup")"
check_eq "machine-qemu.slice has no unit file of its own" "" \
	"$(systemctl --user show -P FragmentPath machine-qemu.slice)"
check_eq "systemd applies the prefix drop-in to machine-qemu.slice" "$PREFIX_FILE" \
	"$(systemctl --user show -P DropInPaths machine-qemu.slice)"

pinctl() { "$PINCTL" --user --cgroup-root="$RIG_CGROUP" "$@"; }
# status FILE: pinctl status --json into FILE, exit code checked
status() {
	local rc=0
	pinctl status --json >"$1" 2>"$TEST_TMP/status.err" || rc=$?
	check_eq "pinctl status --json exit ($(basename "$1"))" 0 $rc
	[ $rc = 0 ] || sed 's/^/    /' "$TEST_TMP/status.err" | head -5
}
# group JSON FIELD NAME: a field of a group in status --json
group() { jq -c --arg n "$3" "[.groups[] | select(.name == \$n)][0] | .$2" "$1"; }
group_r() { jq -r --arg n "$3" "[.groups[] | select(.name == \$n)][0] | .$2" "$1"; }
# systemd_max_source UNIT: the file whose X-PinnedMemoryMax= systemd's own order makes
# final: the last one assigning it among FragmentPath and then DropInPaths, which systemd
# lists in the order it applies them (masked same-name drop-ins are left out)
systemd_max_source() {
	local f last=
	for f in $(systemctl --user show -P FragmentPath "$1") $(systemctl --user show -P DropInPaths "$1"); do
		grep -q '^X-PinnedMemoryMax=.' "$f" && last=$f
	done
	echo "$last"
}

S=$TEST_TMP/status.json
status "$S"
check_eq "machine.slice budget max" $((48 * MiB)) "$(group "$S" budget.max machine.slice)"
check_eq "machine.slice budget source" "\"$SLICE_FILE\"" "$(group "$S" budget.source machine.slice)"
check_eq "machine.slice usage (32M + 16M pinned)" $((48 * MiB)) "$(group "$S" budget.usage machine.slice)"
check_eq "machine.slice pinned" $((48 * MiB)) "$(group "$S" pinned machine.slice)"
check_eq "machine.slice over" false "$(group "$S" budget.over machine.slice)"
check_eq "machine.slice cgroup" "\"$RIG_CGROUP/machine.slice\"" "$(group "$S" cgroup machine.slice)"
check_eq "machine-qemu.slice budget max (prefix drop-in)" $((24 * MiB)) \
	"$(group "$S" budget.max machine-qemu.slice)"
check_eq "machine-qemu.slice budget source" "\"$PREFIX_FILE\"" "$(group "$S" budget.source machine-qemu.slice)"
check_eq "machine-qemu.slice action" '"log"' "$(group "$S" budget.action machine-qemu.slice)"
check_eq "machine-qemu.slice action source" "\"$PREFIX_FILE\"" \
	"$(group "$S" budget.action_source machine-qemu.slice)"
check_eq "machine-qemu.slice usage" $((16 * MiB)) "$(group "$S" budget.usage machine-qemu.slice)"
check_eq "machine-qemu.slice over" false "$(group "$S" budget.over machine-qemu.slice)"
check_eq "machine-qemu.slice parent" '"machine.slice"' "$(group "$S" parent machine-qemu.slice)"
check_eq "vm1.service present" '"vm1.service"' "$(group "$S" name vm1.service)"
check_eq "vm1.service pinned" $((32 * MiB)) "$(group "$S" pinned vm1.service)"
check_eq "vm1.service has no budget" null "$(group "$S" budget vm1.service)"
check_eq "vm1.service parent" '"machine.slice"' "$(group "$S" parent vm1.service)"
check_eq "vm1.service top pinner" "$vm1" "$(group "$S" 'top[0].pid' vm1.service)"
check_eq "scope pinned" $((16 * MiB)) "$(group "$S" pinned "$SCOPE")"
check_eq "scope parent" '"machine-qemu.slice"' "$(group "$S" parent "$SCOPE")"
check_eq "scope cgroup" "$SCOPE_CG" "$(group_r "$S" cgroup "$SCOPE")"
check_eq "scope has no budget of its own" null "$(group "$S" budget "$SCOPE")"
check_eq "scope top pinner" "$vm2" "$(group "$S" 'top[0].pid' "$SCOPE")"
check_eq "budgets in force" "machine-qemu.slice machine.slice" \
	"$(jq -r '[.budgets[].name] | join(" ")' "$S")"
check_eq "pinctl's machine-qemu.slice source is systemd's" "$(systemd_max_source machine-qemu.slice)" \
	"$(group_r "$S" budget.source machine-qemu.slice)"
check_eq "pinctl's machine.slice source is systemd's" "$(systemd_max_source machine.slice)" \
	"$(group_r "$S" budget.source machine.slice)"

L=$TEST_TMP/list.txt
pinctl list >"$L" 2>/dev/null
check_eq "pinctl list exit" 0 $?
check_grep "list: machine.slice with 48.0M MAX, from its unit file" \
	"^machine\.slice +48\.0M +0B +- +48\.0M +100% +freeze +ok +$SLICE_FILE\$" "$L"
check_grep "list: machine-qemu.slice with 24.0M MAX, log" \
	"^machine-qemu\.slice +16\.0M +0B +- +24\.0M +66% +log +ok +$PREFIX_FILE\$" "$L"
check_grep "list: vm1.service without a budget" '^vm1\.service +32\.0M +0B +- +- +- +- +unbudgeted +-$' "$L"

# set-property writes where systemctl --user set-property writes: user.control below
# XDG_CONFIG_HOME (with --runtime: below XDG_RUNTIME_DIR).
check_run "set-property machine-qemu.slice PinnedMemoryMax=20M" 0 \
	pinctl set-property machine-qemu.slice PinnedMemoryMax=20M
CTL_FILE=$CTL_DIR/machine-qemu.slice.d/50-PinnedMemoryMax.conf
check_eq "set-property wrote $CTL_FILE" yes "$([ -f "$CTL_FILE" ] && echo yes)"
check_eq "its content" "$(printf '[Slice]\nX-PinnedMemoryMax=20M')" "$(grep -v '^#' "$CTL_FILE" 2>&1)"
verify "machine-qemu.slice with the set-property drop-in" machine-qemu.slice
check_run "systemctl --user daemon-reload" 0 systemctl --user daemon-reload
# systemd applies drop-ins in the order of their file names, across all directories;
# the directory only decides between files of the same name. "50-PinnedMemoryMax.conf"
# sorts before "50-pin.conf" ('P' < 'p'), so the prefix drop-in is applied last and its
# 24M stays in force, just as a MemoryMax= in such a file would beat
# `systemctl set-property machine-qemu.slice MemoryMax=`. systemd says so itself:
check_eq "systemd's drop-in order for machine-qemu.slice" "$CTL_FILE $PREFIX_FILE" \
	"$(systemctl --user show -P DropInPaths machine-qemu.slice)"
status "$TEST_TMP/set1.json"
check_eq "machine-qemu.slice max after set-property (50-pin.conf applied last)" $((24 * MiB)) \
	"$(group "$TEST_TMP/set1.json" budget.max machine-qemu.slice)"
check_eq "machine-qemu.slice source after set-property" "$(systemd_max_source machine-qemu.slice)" \
	"$(group_r "$TEST_TMP/set1.json" budget.source machine-qemu.slice)"
check_eq "machine-qemu.slice action still from 50-pin.conf" "$PREFIX_FILE" \
	"$(group_r "$TEST_TMP/set1.json" budget.action_source machine-qemu.slice)"
systemctl --user cat machine-qemu.slice >"$TEST_TMP/cat.txt" 2>&1
check_grep "systemctl --user cat shows the set-property drop-in" "^X-PinnedMemoryMax=20M\$" "$TEST_TMP/cat.txt"

# --runtime: the same file name below XDG_RUNTIME_DIR. The search path (systemd's and
# pind's alike) puts $XDG_CONFIG_HOME/systemd/user.control before
# $XDG_RUNTIME_DIR/systemd/user.control, so the persistent file of the same name masks it.
check_run "set-property --runtime machine-qemu.slice PinnedMemoryMax=16M" 0 \
	pinctl set-property --runtime machine-qemu.slice PinnedMemoryMax=16M
RT_FILE=$RUNTIME_CTL_DIR/machine-qemu.slice.d/50-PinnedMemoryMax.conf
check_eq "set-property --runtime wrote $RT_FILE" yes "$([ -f "$RT_FILE" ] && echo yes)"
check_eq "its content" "$(printf '[Slice]\nX-PinnedMemoryMax=16M')" "$(grep -v '^#' "$RT_FILE" 2>&1)"
check_run "systemctl --user daemon-reload" 0 systemctl --user daemon-reload
check_eq "systemd: the runtime file is masked by the persistent one" "$CTL_FILE $PREFIX_FILE" \
	"$(systemctl --user show -P DropInPaths machine-qemu.slice)"
status "$TEST_TMP/set2.json"
check_eq "machine-qemu.slice max after --runtime" $((24 * MiB)) \
	"$(group "$TEST_TMP/set2.json" budget.max machine-qemu.slice)"
check_eq "machine-qemu.slice source after --runtime" "$(systemd_max_source machine-qemu.slice)" \
	"$(group_r "$TEST_TMP/set2.json" budget.source machine-qemu.slice)"

# Where nothing later overrides it, a set-property drop-in does decide: on machine.slice
# it beats the unit file. First --runtime (40M: over, 48M pinned), then persistent (64M),
# which masks the runtime file of the same name.
check_run "set-property --runtime machine.slice PinnedMemoryMax=40M" 0 \
	pinctl set-property --runtime machine.slice PinnedMemoryMax=40M
RT_SLICE_FILE=$RUNTIME_CTL_DIR/machine.slice.d/50-PinnedMemoryMax.conf
check_eq "set-property --runtime wrote $RT_SLICE_FILE" yes "$([ -f "$RT_SLICE_FILE" ] && echo yes)"
check_run "systemctl --user daemon-reload" 0 systemctl --user daemon-reload
status "$TEST_TMP/set3.json"
check_eq "machine.slice max from the runtime drop-in" $((40 * MiB)) \
	"$(group "$TEST_TMP/set3.json" budget.max machine.slice)"
check_eq "machine.slice source from the runtime drop-in" "$RT_SLICE_FILE" \
	"$(group_r "$TEST_TMP/set3.json" budget.source machine.slice)"
check_eq "machine.slice source is systemd's" "$(systemd_max_source machine.slice)" \
	"$(group_r "$TEST_TMP/set3.json" budget.source machine.slice)"
check_eq "machine.slice over (48M > 40M)" true "$(group "$TEST_TMP/set3.json" budget.over machine.slice)"
pinctl list >"$L" 2>/dev/null
check_grep "list: machine.slice with 40.0M MAX, 120%" "^machine\.slice +48\.0M +0B +- +40\.0M +120% " "$L"

check_run "set-property machine.slice PinnedMemoryMax=64M" 0 \
	pinctl set-property machine.slice PinnedMemoryMax=64M
CTL_SLICE_FILE=$CTL_DIR/machine.slice.d/50-PinnedMemoryMax.conf
check_run "systemctl --user daemon-reload" 0 systemctl --user daemon-reload
check_eq "systemd: machine.slice's drop-ins" "$CTL_SLICE_FILE" \
	"$(systemctl --user show -P DropInPaths machine.slice)"
status "$TEST_TMP/set4.json"
check_eq "machine.slice max: the persistent drop-in masks the runtime one" $((64 * MiB)) \
	"$(group "$TEST_TMP/set4.json" budget.max machine.slice)"
check_eq "machine.slice source" "$CTL_SLICE_FILE" "$(group_r "$TEST_TMP/set4.json" budget.source machine.slice)"
check_eq "machine.slice source is systemd's" "$(systemd_max_source machine.slice)" \
	"$(group_r "$TEST_TMP/set4.json" budget.source machine.slice)"
check_eq "machine.slice over" false "$(group "$TEST_TMP/set4.json" budget.over machine.slice)"
verify "machine.slice with both set-property drop-ins" machine.slice

# systemd ignores the X- keys: the units still load and show
check_run "systemctl --user show machine-qemu.slice" 0 systemctl --user show machine-qemu.slice
check_grep "machine-qemu.slice loaded" '^LoadState=loaded$' "$TEST_TMP/last.out"
check_grep "machine-qemu.slice active" '^ActiveState=active$' "$TEST_TMP/last.out"
check_run "systemctl --user show machine.slice" 0 systemctl --user show machine.slice
check_grep "machine.slice loaded" '^LoadState=loaded$' "$TEST_TMP/last.out"

# pinctl --user with nothing to say where: the manager's own subtree, as it says itself
pinctl_bare() { "$PINCTL" --user "$@"; }
pinctl_bare status --json >"$TEST_TMP/bare.json" 2>/dev/null
check_eq "pinctl --user without --cgroup-root measures the manager's subtree" "\"$RIG_CGROUP\"" \
	"$(jq -c .cgroup_root "$TEST_TMP/bare.json")"
check_eq "... and finds the budget there" $((64 * MiB)) "$(group "$TEST_TMP/bare.json" budget.max machine.slice)"

# pind --user with no configuration at all: CgroupRoot= is the user manager's own subtree
# (asked of the manager), StateFile= below XDG_RUNTIME_DIR, pind.conf looked for below
# XDG_CONFIG_HOME
plog=$TEST_TMP/pind.log
pind_logged() { for _ in $(seq 100); do grep -qE -- "$1" "$plog" && return 0; sleep 0.05; done; return 1; }
start_pind() {
	PIND_LOG_STDERR=1 "$PIND" --user >"$plog" 2>&1 &
	pind=$!
	track_pid $pind
}
check_eq "no pind.conf" no "$([ -e "$XDG_CONFIG_HOME/pind/pind.conf" ] && echo yes || echo no)"
start_pind
if pind_logged "pind: started"; then
	ok "pind --user started with no configuration"
else
	not_ok "pind --user did not start:"
	sed 's/^/    /' "$plog" | tail -5
fi
check_grep "its cgroup root is the manager's" "started: cgroup root $RIG_CGROUP, .* config $XDG_CONFIG_HOME/pind/pind.conf\$" "$plog"
check_run "pinctl --user list through pind --user" 0 pinctl_bare list --json
check_eq "pind --user reports machine.slice" '"machine.slice"' \
	"$(jq -c '[.groups[] | select(.name == "machine.slice")][0].name' "$TEST_TMP/last.out")"
kill $pind
wait $pind 2>/dev/null

# pind itself, serving this user manager: over budget, it asks the manager to freeze the
# unit (FreezeUnit; on hybrid hosts systemd says it cannot) and else writes cgroup.freeze
mkdir -p "$XDG_CONFIG_HOME/pind"
printf '[Daemon]\nScanIntervalSec=100ms\nGraceSec=300ms\n' >"$XDG_CONFIG_HOME/pind/pind.conf"
start_pind
pind_logged "pind: started" && ok "pind --user started" || not_ok "pind --user did not start"
pinctl set-property machine.slice PinnedMemoryMax=40M >/dev/null 2>&1
VM1_CG=$RIG_CGROUP_MOUNT$RIG_CGROUP/machine.slice/vm1.service
if pind_logged "machine\.slice: froze vm1\.service \(48\.0M of 40\.0M\); culprit $vm1"; then
	ok "pind froze vm1.service, the largest leaf unit, naming the culprit"
else
	not_ok "pind did not freeze vm1.service"
	sed 's/^/    /' "$plog" | tail -10
fi
check_eq "vm1.service frozen (cgroup.events)" 1 "$(awk '$1 == "frozen" { print $2 }' "$VM1_CG/cgroup.events")"
if grep -q "systemd cannot freeze units here" "$plog"; then
	ok "systemd refused FreezeUnit here (hybrid host); pind froze through cgroup.freeze"
else
	check_eq "systemd froze it (FreezerState)" frozen "$(systemctl --user show -P FreezerState vm1.service)"
fi
check_eq "what pind froze is in its state file below XDG_RUNTIME_DIR" '"/machine.slice/vm1.service"' \
	"$(jq -c '.frozen[0].cgroup' "$XDG_RUNTIME_DIR/pind/state.json" 2>/dev/null | sed "s|$RIG_CGROUP||")"
pinctl set-property machine.slice PinnedMemoryMax=64M >/dev/null 2>&1
pind_logged "machine\.slice: thawed vm1\.service" && ok "thawed after the budget was raised" ||
	not_ok "not thawed"
check_eq "vm1.service running again" 0 "$(awk '$1 == "frozen" { print $2 }' "$VM1_CG/cgroup.events")"

# A stop of a unit pind froze must not hang: on a hybrid host systemd does not know it is
# frozen, so its SIGTERM would wait in the frozen process until the stop times out.
pinctl set-property machine.slice PinnedMemoryMax=40M >/dev/null 2>&1
for _ in $(seq 100); do
	[ "$(awk '$1 == "frozen" { print $2 }' "$VM1_CG/cgroup.events")" = 1 ] && break
	sleep 0.05
done
check_eq "vm1.service frozen again" 1 "$(awk '$1 == "frozen" { print $2 }' "$VM1_CG/cgroup.events")"
t0=$(date +%s%N)
check_run "systemctl --user stop vm1.service (frozen by pind)" 0 timeout 30 systemctl --user stop vm1.service
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 5000 ] && ok "the stop took $ms ms (< 5 s)" || not_ok "the stop took $ms ms"
hybrid=no
grep -q "systemd cannot freeze units here" "$plog" && hybrid=yes
if [ $hybrid = yes ]; then # (where systemd froze it, it thaws it itself)
	pind_logged "thawed vm1\.service: systemd is stopping it" &&
		ok "pind let go of vm1.service for its stop" || not_ok "pind logged nothing about the stop"
fi
check_eq "vm1.service inactive" inactive "$(systemctl --user show -P ActiveState vm1.service)"
check_eq "nothing more frozen" "" "$(grep -E "froze (vm1|machine-qemu)" "$plog" | sed -n '3,$p')"

# A stop that began while pind was away: pind froze the scope, is stopped (its freeze
# stays), and systemd starts stopping the scope; the pind started next learns of the stop
# from the manager and lets it complete.
SCOPE_CG_DIR=$RIG_CGROUP_MOUNT$SCOPE_CG
pinctl set-property machine.slice PinnedMemoryMax=8M >/dev/null 2>&1
pind_logged "froze machine-qemu.x2d1.x2dvm1\.scope" && ok "pind froze the scope" || not_ok "the scope was not frozen"
kill $pind
wait $pind 2>/dev/null
check_eq "the scope stays frozen without pind" 1 "$(awk '$1 == "frozen" { print $2 }' "$SCOPE_CG_DIR/cgroup.events")"
timeout 60 systemctl --user stop "$SCOPE" &
stopper=$!
sleep 1
if [ $hybrid = yes ]; then
	check_eq "the stop waits on the frozen scope" deactivating "$(systemctl --user show -P ActiveState "$SCOPE")"
fi
t0=$(date +%s%N)
start_pind
rc=0
wait $stopper || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "systemctl --user stop of the scope" 0 $rc
[ $ms -lt 5000 ] && ok "it completed $ms ms after pind started (< 5 s)" || not_ok "it took $ms ms after pind started"
if [ $hybrid = yes ]; then
	pind_logged "thawed machine-qemu.x2d1.x2dvm1\.scope: systemd is stopping it" &&
		ok "the new pind thawed the scope for its stop" || not_ok "the new pind did not thaw the scope"
fi
kill $pind
wait $pind 2>/dev/null

systemctl --user stop "$SCOPE" >/dev/null 2>&1 # stopped already, above
wait_gone "$vm1" && wait_gone "$vm2"
check_eq "both pinhogs ended" "" "$(for p in "$vm1" "$vm2"; do [ -d "/proc/$p" ] && echo "$p"; done)"
status "$TEST_TMP/stopped.json"
check_eq "machine.slice usage after stop" 0 "$(group "$TEST_TMP/stopped.json" budget.usage machine.slice)"

# the rig's own clean-up leaves nothing behind (the EXIT trap runs it again: a no-op)
rig_groups=$(cat "$RIG_DIR/groups")
made_marker=no
[ -f "$RIG_DIR/made-run-marker" ] && made_marker=yes
"$RIG" stop "$RIG_DIR" >/dev/null
# (not our child: once it has exited, only its reaper can clear a zombie entry)
check_eq "manager ended" "" \
	"$(awk '$3 != "Z" { print "running" }' "/proc/$RIG_MANAGER_PID/stat" 2>/dev/null)"
check_eq "rig cgroups removed" "" "$(for g in $rig_groups; do [ -d "$g" ] && echo "$g"; done)"
if [ $made_marker = yes ]; then
	check_eq "/run/systemd/system removed" "" "$([ -e /run/systemd/system ] && echo exists)"
fi
echo "# took $((SECONDS - started))s"
finish
