#!/bin/bash
# The cgroup tree kept current from kernel events, on real cgroups: a cgroup made after pind
# started is seen (its workload over budget frozen), so is a nested one made at once and a
# unit whose budget only applies once it exists (its process, moved in, found through
# cgroup.events); a removed one is gone; none of it re-walks the tree (pind's sd_notify
# STATUS= counts cgroups and re-walks).
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
command -v python3 >/dev/null || skip "python3 is not installed (it reads sd_notify)"
test_setup
use_scanner
make_test_cgroup
root=$TEST_TMP/root
mkdir -p "$root/etc/pind" "$TEST_CG_DIR/machine.slice"
printf '[Daemon]\nScanner=%s\nScanIntervalSec=100ms\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=64M\n[Budget late.service]\nPinnedMemoryMax=16M\n' \
	"$SCANNER" >"$root/etc/pind/pind.conf"
log=$TEST_TMP/pind.log

listen_notify "$TEST_TMP/status"
NOTIFY_SOCKET=$NOTIFY_AT PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 &
track_pid $!
wait_log() { for _ in $(seq 100); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done; return 1; }
# cgroups N: until pind's STATUS= counts N cgroups
cgroups() {
	for _ in $(seq 100); do
		[ "$(tail -1 "$TEST_TMP/status" | sed -n 's/.* \([0-9]*\) cgroups;.*/\1/p')" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
cgroups 2 && ok "pind counts its root and machine.slice" || not_ok "STATUS: $(tail -1 "$TEST_TMP/status")"

start_pinhog hog machine.slice/vm1.service --name hog-vm1 100M || exit 1
wait_log "machine\.slice: froze vm1\.service" && ok "a cgroup made after the start: its workload frozen" ||
	{ not_ok "vm1.service not frozen"; tail -5 "$log"; }
cgroups 3 && ok "and counted" || not_ok "STATUS: $(tail -1 "$TEST_TMP/status")"

mkdir -p "$TEST_CG_DIR/other.slice/a.slice/b.slice"
cgroups 6 && ok "three nested cgroups made at once: all seen" || not_ok "STATUS: $(tail -1 "$TEST_TMP/status")"

# a workload already pinning elsewhere, then late.service made: its budget applies once
# the unit exists
start_pinhog late outside --name hog-late 32M || exit 1
mkdir "$TEST_CG_DIR/other.slice/late.service"
cgroups 8 && ok "a unit's cgroup made" || not_ok "STATUS: $(tail -1 "$TEST_TMP/status")"
sleep 0.3 # scans with the new subtree in scope: its (empty) cgroup.procs read
# the workload moves into late.service: no process event says so, but the empty cgroup
# becoming populated does (cgroup.events), and the procfs scanner reads the subtrees
# again at the next scan instead of at its periodic re-read 10 s later
t0=$(date +%s%N)
echo "$late" >"$TEST_CG_DIR/other.slice/late.service/cgroup.procs"
wait_log "late\.service: froze late\.service" && ok "a workload moved into it is enforced" ||
	not_ok "late.service not frozen"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] && ok "frozen ${ms} ms after the move (the periodic re-read is 10 s)" ||
	not_ok "frozen only ${ms} ms after the move"
if [ "$SCANNER" = procfs ]; then
	check_grep "the procfs scanner says why it read the subtrees again" \
		"1 processes moved into the budgeted subtrees \(cgroup\.events: an empty cgroup became populated\)" "$log"
fi

echo 0 >"$TEST_CG_DIR/machine.slice/vm1.service/cgroup.freeze"
kill -9 "$hog"
wait_gone "$hog"
for _ in $(seq 50); do rmdir "$TEST_CG_DIR/machine.slice/vm1.service" 2>/dev/null && break; sleep 0.1; done
rmdir "$TEST_CG_DIR/other.slice/a.slice/b.slice" "$TEST_CG_DIR/other.slice/a.slice"
cgroups 5 && ok "removed cgroups are gone" || not_ok "STATUS: $(tail -1 "$TEST_TMP/status")"

check_grep "every scan reports its re-walks" "scan [0-9]+ us \(re-walks: 0\)" "$TEST_TMP/status"
n=$(grep -c 'STATUS=' "$TEST_TMP/status")
rewalked=$(grep 'STATUS=' "$TEST_TMP/status" | grep -v 're-walks: 0)' | head -1)
[ -z "$rewalked" ] && ok "no re-walk in $n scans" || not_ok "the tree was re-walked: $rewalked"
finish
