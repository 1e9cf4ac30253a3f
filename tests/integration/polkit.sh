#!/bin/bash
# Changing methods called by others than root are allowed as polkit says, asked without
# waiting for it: a stand-in polkit (tests/helpers/fakepolkit) on a private bus allows,
# denies, or never answers. One that never answers holds up its own caller only: scans go
# on, a workload over budget is frozen meanwhile, other callers are answered at once.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
: "${FAKEPOLKIT:?FAKEPOLKIT must point to the fakepolkit helper}"
require_root_cgroup2
for t in dbus-daemon busctl dbus-monitor setpriv; do
	command -v $t >/dev/null || skip "$t is not installed"
done
test_setup
make_test_cgroup
src=$(cd "$(dirname "$0")/../.." && pwd)
# what polkit's own bus policy says
start_system_bus "$src" '<policy user="root"><allow own="org.freedesktop.PolicyKit1"/></policy>
  <policy context="default"><allow send_destination="org.freedesktop.PolicyKit1"/></policy>'

root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=1G\n' \
	>"$root/etc/pind/pind.conf"
mkdir -p "$TEST_CG_DIR/machine.slice"
log=$TEST_TMP/pind.log
PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 &
track_pid $!
disown
wait_log() { for _ in $(seq 100); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done; return 1; }
wait_log "D-Bus API on the system bus as org.pind.Pind1" ||
	{ not_ok "pind has no bus name"; cat "$log"; exit 1; }
# a workload within its budget, for now; the procfs scanner finds a process that moved
# into a cgroup by its periodic re-read (up to 10 s)
start_pinhog hog machine.slice/vm1.service --name hog-vm1 100M || exit 1
for _ in $(seq 300); do
	busctl --system call org.pind.Pind1 /org/pind/Pind1 org.pind.Pind1.Manager GetGroup s \
		vm1.service | grep -q " $((100 * 1024 * 1024)) " && break
	sleep 0.05
done

M=org.pind.Pind1.Manager
call() { busctl --system call org.pind.Pind1 /org/pind/Pind1 $M "$@"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# Rescan by nobody through dbus-send, which prints an error's message (busctl says "Access
# denied" for any AccessDenied)
rescan_as_nobody() {
	as_nobody dbus-send --system --print-reply --reply-timeout=60000 --dest=org.pind.Pind1 \
		/org/pind/Pind1 $M.Rescan
}
# polkit MODE: a fakepolkit in that mode owns org.freedesktop.PolicyKit1 (none: no polkit)
polkit_pid=
polkit() {
	if [ -n "$polkit_pid" ]; then
		kill "$polkit_pid"
		wait_gone "$polkit_pid"
		polkit_pid=
	fi
	for _ in $(seq 100); do
		busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
			NameHasOwner s org.freedesktop.PolicyKit1 | grep -q false && break
		sleep 0.05
	done
	[ "$1" = none ] && return 0
	"$FAKEPOLKIT" "$1" >"$TEST_TMP/polkit.$1" 2>&1 &
	polkit_pid=$!
	track_pid $polkit_pid
	disown
	for _ in $(seq 100); do grep -q ready "$TEST_TMP/polkit.$1" && return 0; sleep 0.05; done
	not_ok "fakepolkit $1 did not take its name"
	cat "$TEST_TMP/polkit.$1"
	exit 1
}

# --- no polkit on the bus: denied, saying why ---
polkit none
check_run "no polkit: Rescan by nobody denied" 1 rescan_as_nobody
check_grep "the denial names the action and why polkit said nothing" \
	"org.pind.Pind1.manage; polkit: .*PolicyKit1" "$TEST_TMP/last.err"
check_run "root needs no polkit" 0 call Rescan

# --- a polkit that allows: the method runs with its arguments, after the answer ---
polkit allow
check_run "polkit allows: Rescan by nobody" 0 as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M Rescan
check_grep "polkit was asked for org.pind.Pind1.manage" "^allowed org.pind.Pind1.manage :1\.[0-9]+$" "$TEST_TMP/polkit.allow"
check_run "polkit allows: Reserve by nobody" 0 as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M \
	Reserve stst machine.slice $((16 * MiB)) "" 0
check_grep "the arguments were read again with the answer: granted" "^bts true [0-9]+ \"r[0-9]+\"" "$TEST_TMP/last.out"
check_run "polkit allows: SetPinnedMemoryMax by nobody" 0 as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M \
	SetPinnedMemoryMax stb machine.slice $((2048 * MiB)) true
check_grep "the drop-in was written by nobody's call" "by :1\.[0-9]+\)" "$log"

# --- a polkit that denies ---
polkit deny
check_run "polkit denies: Rescan by nobody" 1 rescan_as_nobody
check_grep "AccessDenied names the action" "AccessDenied: .*org.pind.Pind1.manage$" "$TEST_TMP/last.err"

# --- a polkit that never answers ---
polkit silent
rescan_as_nobody >"$TEST_TMP/held.out" 2>&1 &
held=$!
track_pid $held
sleep 0.5
start=$(date +%s%N)
check_run "while polkit hangs, root's ListGroups is answered" 0 call ListGroups
check_run "while polkit hangs, nobody's GetGroup is answered" 0 as_nobody busctl --system call org.pind.Pind1 /org/pind/Pind1 $M GetGroup s machine.slice
check_run "while polkit hangs, root's Rescan runs" 0 call Rescan
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 2000 ] && ok "three calls answered in $ms ms" || not_ok "three calls took $ms ms"
dbus-monitor --system "type='signal',sender='org.pind.Pind1',member='PropertiesChanged'" >"$TEST_TMP/scans.txt" 2>&1 &
mon=$!
track_pid $mon
check_run "while polkit hangs, root lowers the budget below the workload" 0 \
	call SetPinnedMemoryMax stb machine.slice $((64 * MiB)) true
wait_log "machine\.slice: froze vm1\.service" && ok "the workload over budget is frozen meanwhile" ||
	{ not_ok "not frozen while polkit hangs"; tail -5 "$log"; }
sleep 1
kill $mon
n=$(grep -c '^signal ' "$TEST_TMP/scans.txt")
[ "$n" -ge 8 ] && ok "scans go on while polkit hangs ($n in about 1.5 s)" || not_ok "$n scans while polkit hangs"
[ -d "/proc/$held" ] && ok "the caller polkit holds up is still waiting" || not_ok "the held call ended: $(cat "$TEST_TMP/held.out")"
polkit none # its caller is denied once polkit is gone
wait "$held" && rc=0 || rc=$?
check_eq "the held call fails once polkit is gone" 1 "$rc"
check_grep "and says polkit did not answer" "org.pind.Pind1.manage; polkit: " "$TEST_TMP/held.out"
finish
