#!/bin/bash
# Real kernel: processes that start and exit while pinctl reads /proc (and pinning
# processes among them) never make it fail or mis-attribute: the stable pinhogs are
# counted exactly on every pass, whatever churns around them.
. "$(dirname "$0")/../lib.sh"
require_root_cgroup2
test_setup
use_scanner
make_test_cgroup

start_pinhog a stable/a.service --name hog-a 8M || exit 1
start_pinhog b stable/b.service --name hog-b --lock 2M 4M || exit 1
mkdir -p "$TEST_CG_DIR/churn"

# churn: short-lived pinning processes in their own cgroup, started and killed in a loop
(
	echo $BASHPID >"$TEST_CG_DIR/churn/cgroup.procs"
	end=$((SECONDS + 8))
	while [ $SECONDS -lt $end ]; do
		"$PINHOG" --name churn 1M >/dev/null &
		p=$!
		sleep 0.0$((RANDOM % 5))
		kill -9 $p 2>/dev/null
		wait $p 2>/dev/null
	done
) &
churn=$!

passes=0 bad=0 wrong=0
while kill -0 $churn 2>/dev/null; do
	if ! "$PINCTL" $PINCTL_SCAN --cgroup-root="$TEST_CG" status --json /stable >"$TEST_TMP/s.json" 2>"$TEST_TMP/s.err"; then
		bad=$((bad + 1))
		sed 's/^/    /' "$TEST_TMP/s.err" | head -3
		continue
	fi
	got=$(jq -r '.groups[0] | "\(.pinned) \(.locked)"' "$TEST_TMP/s.json")
	[ "$got" = "$((12 * MiB)) $((2 * MiB))" ] || { wrong=$((wrong + 1)); echo "    pass $passes: $got"; }
	passes=$((passes + 1))
done
wait $churn
check_eq "pinctl passes that failed during churn" 0 "$bad"
check_eq "passes with wrong stable totals" 0 "$wrong"
[ "$passes" -ge 10 ] && ok "$passes passes during churn" || not_ok "only $passes passes ran"
finish
