#!/bin/bash
# pind's procfs scanner reads only the budgeted subtrees and keeps its set of processes
# current from the proc connector: a pinhog that enters after pind started (moved, then
# exec'd, as systemd starts services; or forked inside) is read at the next scan without
# re-reading the subtrees, and dropped when it exits. A process moved in by a bare write
# to cgroup.procs raises no process event: when its cgroup was empty, cgroup.events says
# populated and that cgroup is read at the next scan; else the periodic look (every 10 s)
# finds it. A process whose main thread exited is read through a thread that lives on.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
for t in dbus-daemon busctl jq; do
	command -v $t >/dev/null || skip "$t is not installed"
done
test_setup
make_test_cgroup
start_system_bus "$(cd "$(dirname "$0")/../.." && pwd)"

root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
# scans run at the start and on Rescan() only
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=1h\n[Budget machine.slice]\nPinnedMemoryMax=1G\n' \
	>"$root/etc/pind/pind.conf"
start_pinhog a machine.slice/a.service --name hog-a 32M || exit 1
start_pinhog out other.slice/out.service --name hog-out 8M || exit 1
log=$TEST_TMP/pind.log
PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 &
track_pid $!
started=$SECONDS
disown
for _ in $(seq 100); do grep -q "D-Bus API on the system bus" "$log" && break; sleep 0.05; done
check_grep "pind reads the budgeted subtree, kept current by events" \
	"scanning the 1 processes in the budgeted subtrees \(kept current by process events\)" "$log"

M=org.pind.Pind1.Manager
bc() { busctl --system --json=short call org.pind.Pind1 /org/pind/Pind1 $M "$@"; }
prop() { busctl --system get-property org.pind.Pind1 /org/pind/Pind1 $M "$1" | cut -d' ' -f2; }
pinned() { bc GetGroup s "$1" | jq '.data[0][2]'; }
# resyncs: how often pind re-read the subtrees' cgroup.procs (after the first)
resyncs() { grep -cE "scanning the [0-9]+ processes|were lost|moved into and" "$log"; }

check_eq "scanned: hog-a only" 1 "$(prop ProcessesScanned)"
check_eq "TotalPinned: the budgeted subtree's" $((32 * MiB)) "$(prop TotalPinned)"
check_eq "hog-out, outside every budget, is not read" 0 "$(pinned out.service)"

# --- moved, then exec'd: the exec event brings it in ---
b_dir=$TEST_CG_DIR/machine.slice/b.service
mkdir "$b_dir"
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --name hog-b --ready-file "$3" 16M' \
	sh "$b_dir" "$PINHOG" "$TEST_TMP/b.ready" >/dev/null &
b=$!
track_pid $b
disown # killed below; no job-control noise
for _ in $(seq 100); do [ -s "$TEST_TMP/b.ready" ] && break; sleep 0.05; done
bc Rescan >/dev/null
check_eq "hog-b, started after pind, counted" $((16 * MiB)) "$(pinned b.service)"
check_eq "scanned: hog-a and hog-b" 2 "$(prop ProcessesScanned)"

# --- forked inside: the fork event brings it in ---
c_dir=$TEST_CG_DIR/machine.slice/c.service
mkdir "$c_dir"
sh -c 'echo $$ >"$1/cgroup.procs"; "$2" --name hog-c --ready-file "$3" 4M & echo $! >"$4"; wait' \
	sh "$c_dir" "$PINHOG" "$TEST_TMP/c.ready" "$TEST_TMP/c.pid" >/dev/null &
c_sh=$!
track_pid $c_sh
disown
for _ in $(seq 100); do [ -s "$TEST_TMP/c.ready" ] && break; sleep 0.05; done
track_pid "$(cat "$TEST_TMP/c.ready")"
bc Rescan >/dev/null
check_eq "hog-c, forked inside the subtree, counted" $((4 * MiB)) "$(pinned c.service)"
check_eq "no resync brought them in" 1 "$(resyncs)"

# --- exit: the exit event drops it ---
kill -9 $b
wait_gone $b
bc Rescan >/dev/null
check_eq "hog-b gone after its exit" 0 "$(pinned b.service)"
# c's shell moved itself after its exec, but before the scan looked at that exec
check_eq "scanned: hog-a, hog-c and c's shell" 3 "$(prop ProcessesScanned)"
check_eq "still no resync" 1 "$(resyncs)"
check_eq "TotalPinned after the exit" $((36 * MiB)) "$(prop TotalPinned)"

# --- a process holding pins that moves out is dropped at once: its cgroup is re-read ---
mkdir "$TEST_CG_DIR/other.slice/a2.service"
echo "$a" >"$TEST_CG_DIR/other.slice/a2.service/cgroup.procs"
bc Rescan >/dev/null
check_eq "hog-a no longer counted in a.service" 0 "$(pinned a.service)"
check_eq "TotalPinned without hog-a" $((4 * MiB)) "$(prop TotalPinned)"

# --- a bare move into an empty cgroup: cgroup.events says populated, read at once ---
start_pinhog d other.slice/d.service --name hog-d 2M || exit 1
bc Rescan >/dev/null # its fork and exec, looked at: outside every budget
mkdir "$TEST_CG_DIR/machine.slice/d.service"
echo "$d" >"$TEST_CG_DIR/machine.slice/d.service/cgroup.procs"
bc Rescan >/dev/null
check_eq "hog-d, moved by a bare write into an empty cgroup, counted at the next scan" \
	$((2 * MiB)) "$(pinned d.service)"
check_grep "found through cgroup.events" \
	"1 processes moved into the budgeted subtrees \(cgroup\.events: an empty cgroup became populated\)" "$log"

# --- a bare move into a populated cgroup raises nothing: found by the periodic look ---
start_pinhog f other.slice/f.service --name hog-f 1M || exit 1
bc Rescan >/dev/null
echo "$f" >"$TEST_CG_DIR/machine.slice/d.service/cgroup.procs"
echo "$c_sh" >"$TEST_CG_DIR/other.slice/cgroup.procs" # and c's shell out
bc Rescan >/dev/null
if [ $((SECONDS - started)) -lt 8 ]; then
	check_eq "hog-f, moved by a bare write into a populated cgroup, not seen before the periodic look" \
		$((2 * MiB)) "$(pinned d.service)"
fi
while [ $((SECONDS - started)) -lt 11 ]; do sleep 0.2; done
bc Rescan >/dev/null
check_eq "hog-f counted after the periodic look" $((3 * MiB)) "$(pinned d.service)"
check_grep "the periodic look says what it found" \
	"1 processes moved into and 1 out of the budgeted subtrees" "$log"
check_eq "scanned: hog-c, hog-d and hog-f" 3 "$(prop ProcessesScanned)"
check_eq "still no resync but the periodic one" 2 "$(resyncs)"

# --- the fds pind keeps: one per process read, one more per process holding pins ---
pind_pid=$(busctl --system status org.pind.Pind1 | awk -F= '$1 == "PID" { print $2 }')
fds=$(find /proc/"$pind_pid"/fd -lname '/proc/*' | wc -l)
check_eq "pind holds 3 status fds and 3 process directories" 6 "$fds"

# --- a process whose main thread exited: what its live thread holds counts ---
start_pinhog e machine.slice/e.service --name hog-e --leader-exits --lock 1M 8M || exit 1
bc Rescan >/dev/null
check_eq "hog-e, its main thread exited, counted" $((8 * MiB)) "$(pinned e.service)"
check_eq "TotalPinned with hog-e" $((15 * MiB)) "$(prop TotalPinned)"
finish
