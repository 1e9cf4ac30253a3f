#!/bin/bash
# run.sh TARGET CORPUS: one libFuzzer target for $FUZZ_SECONDS (20 unless set), from the
# checked-in corpus; what it finds new stays in a scratch directory, a crash fails the
# test with its input kept in $FUZZ_ARTIFACTS (a scratch directory unless set). Ends with
# the executions and the speed.
set -u
target=$1 corpus=$2
scratch=$(mktemp -d /tmp/pind-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$scratch/artifacts}
mkdir -p "$scratch/new" "$artifacts"
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 1; }
rc=0
"$target" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 -timeout=10 \
	-rss_limit_mb=1024 -artifact_prefix="$artifacts/" "$scratch/new" "$corpus" \
	>"$scratch/log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/log")
echo "# $(basename "$target"): ${execs:-?} executions, ${speed:-?}/s, exit $rc"
if [ "$rc" -ne 0 ]; then
	tail -40 "$scratch/log"
	ls -l "$artifacts"
	exit 1
fi
