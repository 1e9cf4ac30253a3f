#!/bin/bash
# pind as the system service it is: installed (meson install) into a real systemd system
# manager (tests/rig/systemd-system-rig: systemd as PID 1 of its own namespaces, with
# journald and a system bus, on pure cgroup2 and a copy-on-write root), enabled, started,
# reloaded, killed, restarted by its watchdog, activated over D-Bus, all under the
# hardening of its installed unit. Workloads start as libvirt and admins start them
# (systemd-run services in machine.slice, scopes in machine-qemu.slice, a delegated unit
# of another user); pind freezes through systemd (FreezerState=frozen), thaws when the
# budget is raised, keeps its freeze across kill -9, gets out of the way of a stop,
# signals the right process by the pids of the rig's namespace, and journals every
# transition with its fields.
. "$(dirname "$0")/../lib.sh"
require_root_cgroup2
: "${MESON:?MESON must name meson}" "${BUILD_ROOT:?BUILD_ROOT must name the build directory}"
: "${PREFIX:?}" "${BINDIR:?}" "${SBINDIR:?}"
for t in unshare nsenter jq; do command -v $t >/dev/null || skip "$t is not installed"; done
[ -x /lib/systemd/systemd ] || skip "systemd is not installed (no /lib/systemd/systemd)"
test_setup
started=$SECONDS

RIG=$(cd "$(dirname "$0")/../rig" && pwd)/systemd-system-rig
RIG_DIR=$(mktemp -d) || exit 1
on_exit() {
	local rc=$?
	trap '' HUP INT PIPE TERM
	# shellcheck disable=SC2016 # $1.. expand in that sh
	setsid -w sh -c '"$1" stop "$2" >/dev/null; rm -rf "$2"' sh "$RIG" "$RIG_DIR"
	cleanup
	exit $rc
}
on_exit_run on_exit

# the installed tree, and a pinhog, where the rig can see them (bound at the same path)
DEST=$TEST_TMP/destdir
chmod 755 "$TEST_TMP"
if ! "$MESON" install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$DEST" >"$TEST_TMP/install.log" 2>&1; then
	not_ok "meson install into $DEST failed:"
	sed 's/^/    /' "$TEST_TMP/install.log" | tail -20
	exit 1
fi
cp "$PINHOG" "$TEST_TMP/pinhog"
HOG=$TEST_TMP/pinhog

rig_start "$RIG" "$RIG_DIR" --bind "$TEST_TMP"
SINCE=@$(date +%s) # the rig's journal also shows the host's older files
ok "system manager running as PID 1 of its namespaces (host pid $RIG_PID1, cgroup $RIG_CGROUP)"
rig() { "$RIG" run "$RIG_DIR" "$@"; }
PINCTL_IN=$PREFIX/$BINDIR/pinctl
pinctl() { rig "$PINCTL_IN" "$@"; }
show() { rig systemctl show -P "$1" "$2"; }

# --- install ----------------------------------------------------------------------------
# (tar keeps the root's /lib -> usr/lib and such as they are)
check_run "copy the installed tree into the rig's /" 0 rig sh -c \
	'tar -C "$1" -cf - . | tar -C / -xf - --keep-directory-symlink' sh "$DEST"
check_run "systemctl daemon-reload" 0 rig systemctl daemon-reload
check_run "the bus re-reads its configuration" 0 rig busctl call org.freedesktop.DBus \
	/org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
UNIT=$(rig systemctl show -P FragmentPath pind.service)
check_eq "systemd finds the installed unit" "$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)/pind.service" "$UNIT"
check_run "systemd-analyze verify $UNIT" 0 rig systemd-analyze verify "$UNIT"
check_eq "verify says nothing" "" "$(cat "$TEST_TMP/last.err" "$TEST_TMP/last.out")"
check_eq "ExecStart is the installed pind" "$PREFIX/$SBINDIR/pind" \
	"$(rig systemctl show -P ExecStart pind.service | sed -n 's/^{ path=\([^ ;]*\) .*/\1/p')"
if [[ ${SANITIZE:-none} == *address* ]]; then
	# LeakSanitizer stops the process with ptrace at exit, which the unit's
	# SystemCallFilter= forbids; the other suites check for leaks
	echo "# a sanitizer build: ASAN_OPTIONS=detect_leaks=0 for pind.service"
	rig mkdir -p /run/systemd/system/pind.service.d
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' |
		rig tee /run/systemd/system/pind.service.d/50-sanitizer.conf >/dev/null
	rig systemctl daemon-reload
fi
check_run "systemctl enable pind" 0 rig systemctl enable pind.service
check_eq "enabled" enabled "$(rig systemctl is-enabled pind.service)"

# --- start: READY, the bus name, the hardening as systemd applies it --------------------
mkdir_conf() {
	rig mkdir -p /etc/pind
	printf '[Daemon]\nScanIntervalSec=%s\nGraceSec=300ms\n' "$1" | rig tee /etc/pind/pind.conf >/dev/null
}
mkdir_conf 1s
check_run "systemctl start pind" 0 rig systemctl start pind.service
check_eq "pind active (READY=1 reached: Type=notify)" active "$(show ActiveState pind.service)"
check_eq "pind running" running "$(show SubState pind.service)"
if [ "$(show ActiveState pind.service)" != active ]; then
	rig journalctl --since "$SINCE" -u pind.service -o short --no-pager | tail -20 | sed 's/^/    /'
	exit 1
fi
check_grep "sd_notify STATUS" "budgets, [0-9]+ over" <(show StatusText pind.service)
check_eq "org.pind.Pind1 is owned by pind" "$(show MainPID pind.service)" \
	"$(rig busctl --system status org.pind.Pind1 2>/dev/null | sed -n 's/^PID=//p')"
exposure=$(rig systemd-analyze security pind.service 2>/dev/null | sed -n 's/.*Overall exposure level for pind.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
	ok "exposure of the running unit $exposure <= 2.0"
else
	not_ok "exposure of the running unit '$exposure' is not <= 2.0"
fi
PIND_PID=$(show MainPID pind.service)
caps=$(rig grep '^CapEff' "/proc/$PIND_PID/status" | awk '{ print $2 }')
check_eq "pind's effective capabilities: CAP_DAC_OVERRIDE CAP_KILL CAP_PERFMON CAP_BPF" \
	"$(printf '%016x' $(((1 << 1) | (1 << 5) | (1 << 38) | (1 << 39))))" "$caps"
check_grep "pind scans with bpf under its hardening" "scanner bpf" \
	<(rig journalctl --since "$SINCE" -u pind.service -o cat --no-pager)

# --- workloads, a budget over the bus, a freeze systemd sees ----------------------------
mkdir_conf 100ms
check_run "systemctl reload pind (ExecReload: SIGHUP)" 0 rig systemctl reload pind.service
wait_journal() { # PATTERN: until pind's journal has it
	for _ in $(seq 100); do
		rig journalctl --since "$SINCE" -u pind.service -o cat --no-pager 2>/dev/null | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
wait_journal "scan every 100ms|configuration reloaded" && ok "pind reloaded" || not_ok "no reload in the journal"
check_run "systemd-run vm1.service in machine.slice" 0 rig systemd-run --quiet --slice=machine.slice \
	--unit=vm1 "$HOG" --name hog-vm1 --ready-file "$TEST_TMP/vm1.ready" 32M
SCOPE='machine-qemu\x2d1\x2dvm1.scope'
rig systemd-run --quiet --scope --slice=machine-qemu.slice --unit="${SCOPE%.scope}" -- \
	"$HOG" --name hog-vm2 --ready-file "$TEST_TMP/vm2.ready" 16M >"$TEST_TMP/scope.out" 2>&1 &
disown
for f in vm1 vm2; do
	for _ in $(seq 100); do [ -s "$TEST_TMP/$f.ready" ] && break; sleep 0.05; done
done
VM1=$(cat "$TEST_TMP/vm1.ready") VM2=$(cat "$TEST_TMP/vm2.ready")
check_eq "vm1's pinhog is the unit's main process (a pid of the rig's namespace)" \
	"$(show MainPID vm1.service)" "$VM1"
check_eq "the scope holds the other pinhog" "$VM2" "$(rig cat "/sys/fs/cgroup/machine.slice/machine-qemu.slice/$SCOPE/cgroup.procs")"
# and one on the host, outside the rig's namespaces
make_test_cgroup
start_pinhog HOST_HOG host --name hog-host 8M || exit 1
# pind scans every 100 ms: until a scan since the hogs pinned has them (5 s at most)
for _ in $(seq 50); do
	pinctl ps --json >"$TEST_TMP/ps.json" 2>"$TEST_TMP/ps.err"
	[ "$(jq '[.processes[] | select(.comm == "hog-vm1" or .comm == "hog-vm2")] | length' "$TEST_TMP/ps.json")" = 2 ] && break
	sleep 0.1
done
check_eq "pinctl ps names vm1's pinhog by its pid in the rig" "$VM1" \
	"$(jq -r '.processes[] | select(.comm == "hog-vm1") | .pid' "$TEST_TMP/ps.json")"
check_eq "pinctl ps names the scope's pinhog by its pid in the rig" "$VM2" \
	"$(jq -r '.processes[] | select(.comm == "hog-vm2") | .pid' "$TEST_TMP/ps.json")"
check_eq "pinctl ps lists nothing from outside the rig (hog-host $HOST_HOG runs there)" \
	"$(jq -r '[.processes[].comm] | sort | join(" ")' "$TEST_TMP/ps.json")" "hog-vm1 hog-vm2"

check_run "pinctl set-property machine.slice PinnedMemoryMax=40M (over the bus)" 0 \
	pinctl set-property machine.slice PinnedMemoryMax=40M
check_eq "the drop-in where systemctl set-property writes (bytes, as systemctl writes)" \
	"X-PinnedMemoryMax=$((40 * MiB))" \
	"$(rig grep -v '^#' /etc/systemd/system.control/machine.slice.d/50-PinnedMemoryMax.conf | grep X-)"
wait_frozen() { # UNIT STATE
	for _ in $(seq 100); do [ "$(show FreezerState "$1")" = "$2" ] && return 0; sleep 0.05; done
	return 1
}
wait_frozen vm1.service frozen
check_eq "vm1.service FreezerState (systemd froze it for pind)" frozen "$(show FreezerState vm1.service)"
check_eq "the scope is left running" running "$(show FreezerState "$SCOPE")"
check_eq "pind marked its freeze (its cgroup root, the budget)" "/ machine.slice" \
	"$(rig getfattr --only-values -n user.pind.frozen /sys/fs/cgroup/machine.slice/vm1.service 2>/dev/null | tr '\n' ' ')"
check_grep "systemctl status says frozen" "Active: active \(running\) \(frozen\)" \
	<(rig systemctl status vm1.service --no-pager 2>&1)

check_run "set-property machine.slice PinnedMemoryMax=64M" 0 pinctl set-property machine.slice PinnedMemoryMax=64M
wait_frozen vm1.service running
check_eq "vm1.service thawed when the budget was raised" running "$(show FreezerState vm1.service)"

# --- kill -9: systemd restarts pind, which keeps its freeze -----------------------------
pinctl set-property machine.slice PinnedMemoryMax=40M >/dev/null 2>&1
wait_frozen vm1.service frozen
check_eq "vm1.service frozen again" frozen "$(show FreezerState vm1.service)"
old=$(show MainPID pind.service)
rig kill -9 "$old"
for _ in $(seq 100); do
	new=$(show MainPID pind.service)
	[ "$new" != "$old" ] && [ "$new" != 0 ] && [ "$(show ActiveState pind.service)" = active ] && break
	sleep 0.1
done
check_eq "systemd restarted pind after kill -9" active "$(show ActiveState pind.service)"
[ "$new" != "$old" ] && ok "new main pid $new (was $old)" || not_ok "main pid still $old"
check_eq "NRestarts" 1 "$(show NRestarts pind.service)"
wait_journal "still frozen for budget machine\.slice from before a restart" &&
	ok "the restarted pind adopted its freeze" || not_ok "no adoption in the journal"
sleep 0.5
check_eq "vm1.service still frozen after the restart" frozen "$(show FreezerState vm1.service)"

# --- a stop of a unit pind froze completes ---------------------------------------------
t0=$(date +%s%N)
check_run "systemctl stop vm1.service (frozen)" 0 rig timeout 20 systemctl stop vm1.service
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 5000 ] && ok "stop of the frozen unit took $ms ms (< 5 s)" || not_ok "stop took $ms ms"
check_eq "vm1.service inactive" inactive "$(show ActiveState vm1.service)"
# (systemd thaws what it froze itself before it stops it; pind's record of the freeze goes)
held=
for _ in $(seq 50); do
	held=$(rig cat /run/pind/state.json | jq -r '[.frozen[].cgroup] | join(" ")')
	[ -z "$held" ] && break
	sleep 0.1
done
check_eq "pind holds nothing frozen after the stop" "" "$held"

# --- Action=signal hits the right process, by the rig's pid ----------------------------
check_run "set-property machine.slice X-PinnedMemoryAction=signal" 0 \
	pinctl set-property machine.slice X-PinnedMemoryAction=signal
rig systemd-run --quiet --slice=machine.slice --unit=vm3 "$HOG" --name hog-vm3 \
	--ready-file "$TEST_TMP/vm3.ready" 32M
for _ in $(seq 100); do [ -s "$TEST_TMP/vm3.ready" ] && break; sleep 0.05; done
VM3=$(cat "$TEST_TMP/vm3.ready")
for _ in $(seq 100); do [ "$(show ActiveState vm3.service)" != active ] && break; sleep 0.1; done
check_eq "vm3.service ended on pind's SIGTERM" "inactive" "$(show ActiveState vm3.service)"
rig journalctl --since "$SINCE" -u pind.service -o json --no-pager >"$TEST_TMP/journal.json"
check_eq "the signal's PIND_PID is vm3's pinhog in the rig's namespace" "$VM3" \
	"$(jq -r 'select(.PIND_ACTION == "signal") | .PIND_PID' "$TEST_TMP/journal.json" | tail -1)"
check_grep "pind says whom it signalled" "sent SIGTERM to $VM3 in vm3\.service" \
	<(jq -r 'select(.PIND_ACTION == "signal") | .MESSAGE' "$TEST_TMP/journal.json")
check_eq "the scope (16M of 40M) was left alone" active "$(show ActiveState "$SCOPE")"

# --- a unit delegated to another user: its cgroup is that user's ------------------------
check_run "set-property machine.slice X-PinnedMemoryAction=freeze" 0 \
	pinctl set-property machine.slice X-PinnedMemoryAction=freeze
mkdir -m 1777 "$TEST_TMP/nobody"
check_run "systemd-run vm4.service as nobody, Delegate=yes" 0 rig systemd-run --quiet \
	--slice=machine.slice --unit=vm4 -p Delegate=yes -p User=nobody "$HOG" --name hog-vm4 \
	--ready-file "$TEST_TMP/nobody/vm4.ready" 4M
for _ in $(seq 100); do [ -s "$TEST_TMP/nobody/vm4.ready" ] && break; sleep 0.05; done
check_eq "vm4's cgroup belongs to nobody" nobody "$(rig stat -c %U /sys/fs/cgroup/machine.slice/vm4.service)"
check_run "set-property vm4.service PinnedMemoryMax=1M" 0 pinctl set-property vm4.service PinnedMemoryMax=1M
wait_frozen vm4.service frozen
check_eq "vm4.service frozen, marked in nobody's cgroup" "frozen / vm4.service" \
	"$(show FreezerState vm4.service) $(rig getfattr --only-values -n user.pind.frozen /sys/fs/cgroup/machine.slice/vm4.service 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check_run "systemctl stop vm4.service" 0 rig timeout 20 systemctl stop vm4.service

# --- the journal: every transition with its fields --------------------------------------
rig journalctl --since "$SINCE" -u pind.service -o json --no-pager >"$TEST_TMP/journal.json"
fields() { # ACTION: the fields of pind's transitions with that PIND_ACTION
	jq -c --arg a "$1" 'select(.PIND_ACTION == $a) |
		[.MESSAGE_ID != null, .PIND_UNIT, .PIND_PINNED, .PIND_MAX]' "$TEST_TMP/journal.json"
}
check_grep "over budget: MESSAGE_ID, PIND_UNIT, PIND_PINNED, PIND_MAX" \
	"^\[true,\"machine.slice\",\"$((48 * MiB))\",\"$((40 * MiB))\"\]$" <(fields none)
check_grep "freeze: the fields" "^\[true,\"machine.slice\",\"$((48 * MiB))\",\"$((40 * MiB))\"\]$" <(fields freeze)
check_grep "thaw: the fields" "^\[true,\"machine.slice\",\"$((48 * MiB))\",\"$((64 * MiB))\"\]$" <(fields thaw)
check_grep "signal: the fields" "^\[true,\"machine.slice\",\"$((48 * MiB))\",\"$((40 * MiB))\"\]$" <(fields signal)
check_eq "one MESSAGE_ID per kind of transition" 4 \
	"$(jq -r 'select(.PIND_ACTION != null) | .MESSAGE_ID' "$TEST_TMP/journal.json" | sort -u | wc -l | awk '{ print ($1 >= 4) ? 4 : $1 }')"

# --- the watchdog: fed while pind runs, fired when it hangs -----------------------------
rig mkdir -p /run/systemd/system/pind.service.d
printf '[Service]\nWatchdogSec=2s\n' | rig tee /run/systemd/system/pind.service.d/50-watchdog.conf >/dev/null
rig systemctl daemon-reload
check_run "systemctl restart pind (WatchdogSec=2s)" 0 rig systemctl restart pind.service
fed=$(show MainPID pind.service) restarts=$(show NRestarts pind.service)
sleep 5
check_eq "pind fed the watchdog for 5 s (same pid)" "$fed" "$(show MainPID pind.service)"
rig kill -STOP "$fed"
for _ in $(seq 100); do
	[ "$(show MainPID pind.service)" != "$fed" ] && [ "$(show ActiveState pind.service)" = active ] && break
	sleep 0.1
done
check_eq "a hung pind is restarted by its watchdog" "$((restarts + 1))" "$(show NRestarts pind.service)"
# (the manager logs to kmsg in the rig: its lines carry no UNIT= field)
for _ in $(seq 50); do
	rig journalctl --since "$SINCE" -o cat --no-pager | grep -q "pind.service: Watchdog timeout" && break
	sleep 0.1
done
check_grep "systemd says why" "pind.service: Watchdog timeout" <(rig journalctl --since "$SINCE" -o cat --no-pager)
rig rm -f /run/systemd/system/pind.service.d/50-watchdog.conf
rig systemctl daemon-reload

# --- D-Bus activation ------------------------------------------------------------------
check_run "systemctl stop pind" 0 rig systemctl stop pind.service
check_eq "pind inactive" inactive "$(show ActiveState pind.service)"
check_run "a call to org.pind.Pind1 starts it" 0 rig busctl call org.pind.Pind1 /org/pind/Pind1 \
	org.pind.Pind1.Manager ListGroups
check_eq "pind active again, through its D-Bus activation file" active "$(show ActiveState pind.service)"

rig systemctl stop "$SCOPE" >/dev/null 2>&1
# the rig's own clean-up leaves nothing behind (the EXIT trap runs it again: a no-op)
"$RIG" stop "$RIG_DIR" >/dev/null 2>"$TEST_TMP/stop.err"
check_eq "the rig's manager ended" "" \
	"$(awk '$3 != "Z" { print "running" }' "/proc/$RIG_PID1/stat" 2>/dev/null)"
check_eq "the rig's cgroups removed" "" "$([ -d "$RIG_CGROUP_HOST" ] && echo "$RIG_CGROUP_HOST")"
echo "# took $((SECONDS - started))s"
finish
