#!/bin/bash
# Bounded soaks of what must hold for good: 20 kill -9 restarts of pind under a freeze
# (the group never seen thawed, never a second freeze of it), 2,000 short-lived processes
# in a budgeted subtree (pind's fds and RSS flat), and 8 D-Bus clients calling at once
# (every call answered, the slowest within 250 ms).
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
for t in dbus-daemon busctl; do
	command -v $t >/dev/null || skip "$t is not installed"
done
test_setup
make_test_cgroup
start_system_bus "$(cd "$(dirname "$0")/../.." && pwd)"
root=$TEST_TMP/root
mkdir -p "$root/etc/pind"
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=16M\n' \
	>"$root/etc/pind/pind.conf"
log=$TEST_TMP/pind.log
# under AddressSanitizer, freed memory waits in its quarantine and shows in RSS: none kept
start() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 PIND_LOG_STDERR=1 \
		"$PIND" --root="$root" --cgroup-root="$TEST_CG" >>"$log" 2>&1 &
	pind=$!
	track_pid $pind
	disown
	for _ in $(seq 100); do grep -q "D-Bus API on the system bus" "$log" && return 0; sleep 0.02; done
	return 1
}
frozen() { sed -n 's/^frozen //p' "$TEST_CG_DIR/machine.slice/a.service/cgroup.events"; }

# --- 20 kill -9 restarts under a freeze ---
start_pinhog a machine.slice/a.service --name hog-a 32M || exit 1
start || { not_ok "pind did not start"; exit 1; }
for _ in $(seq 100); do [ "$(frozen)" = 1 ] && break; sleep 0.05; done
check_eq "a.service frozen (32M of 16M)" 1 "$(frozen)"
samples=0 thawed=0 failed_starts=0
for i in $(seq 20); do
	kill -9 $pind
	wait_gone $pind
	start || failed_starts=$((failed_starts + 1))
	for _ in $(seq 5); do
		samples=$((samples + 1))
		[ "$(frozen)" = 1 ] || thawed=$((thawed + 1))
		sleep 0.02
	done
done
check_eq "20 restarts, every one started" 0 "$failed_starts"
check_eq "a.service never seen thawed in $samples samples" 0 "$thawed"
check_eq "adopted at every restart" 20 "$(grep -c 'still frozen for budget machine\.slice from before a restart' "$log")"
check_eq "and frozen only once" 1 "$(grep -c 'machine\.slice: froze a\.service' "$log")"

# --- 2,000 short-lived processes in the budgeted subtree ---
pind_fds() { find /proc/$pind/fd -mindepth 1 -maxdepth 1 | wc -l; }
pind_rss() { awk '/^VmRSS:/ { print $2 }' /proc/$pind/status; }
fds0=$(pind_fds) rss0=$(pind_rss)
mkdir -p "$TEST_CG_DIR/machine.slice/churn.service"
(
	echo $BASHPID >"$TEST_CG_DIR/machine.slice/churn.service/cgroup.procs"
	for _ in $(seq 20); do
		for _ in $(seq 100); do /bin/true & done
		wait
	done
)
sleep 0.5 # a few scans after the last exit
fds1=$(pind_fds) rss1=$(pind_rss)
[ $((fds1 - fds0)) -le 2 ] && ok "pind's fds flat over 2,000 processes ($fds0 -> $fds1)" ||
	not_ok "pind's fds grew: $fds0 -> $fds1"
[ $((rss1 - rss0)) -le 2048 ] && ok "pind's RSS flat ($rss0 -> $rss1 kB)" ||
	not_ok "pind's RSS grew: $rss0 -> $rss1 kB"
kill -0 $pind && ok "pind runs on" || not_ok "pind is gone"

# --- 8 D-Bus clients at once, 50 calls each ---
M=org.pind.Pind1.Manager
for c in $(seq 8); do
	(
		for _ in $(seq 50); do
			t=$(date +%s%N)
			if busctl --system call org.pind.Pind1 /org/pind/Pind1 $M ListGroups >/dev/null 2>&1; then
				echo $((($(date +%s%N) - t) / 1000))
			else
				echo fail
			fi
		done >"$TEST_TMP/client.$c"
	) &
done
wait
cat "$TEST_TMP"/client.* >"$TEST_TMP/calls"
check_eq "400 calls from 8 clients, none failed" "400 0" \
	"$(grep -c . "$TEST_TMP/calls") $(grep -c fail "$TEST_TMP/calls")"
p99=$(grep -v fail "$TEST_TMP/calls" | sort -n | awk '{ v[NR] = $1 } END { print v[int(NR * 0.99)] }')
max=$(grep -v fail "$TEST_TMP/calls" | sort -n | tail -1)
# each time includes busctl's own start; the bound is for a loop that never waits
[ "${max:-999999}" -lt 250000 ] && ok "slowest call ${max} us, p99 ${p99} us (busctl's start included)" ||
	not_ok "slowest call ${max:-?} us, p99 ${p99:-?} us"
finish
