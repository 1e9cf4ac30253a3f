#!/bin/bash
# Enforcement that a restart, a second instance or a stale mark cannot fool:
# - a culprit that grew while pind was down is frozen after the restart, and a unit that
#   was within stays running (StateFile keeps the leaves' usage at the last freeze);
# - one pind per cgroup root: a second is refused with a clear error;
# - a pind whose root is above another's adopts, thaws and counts none of its freezes;
# - pind's mark on a cgroup that is not frozen (what a crash in a thaw left before) is
#   removed at the start, and the mark goes before the thaw, never after.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
command -v strace >/dev/null || skip "strace is not installed (it shows the order of the writes)"
test_setup
make_test_cgroup
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/no-bus # no bus: the API is off
inner=$TEST_CG/inner
root=$TEST_TMP/root
mkdir -p "$root/etc/pind" "$TEST_CG_DIR/inner/machine.slice"
conf() { printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\nGraceSec=0\n[Budget machine.slice]\nPinnedMemoryMax=%s\n' "$1" >"$root/etc/pind/pind.conf"; }
conf 16M
state=$root/run/pind/state.json
log=$TEST_TMP/pind.log
start() { # pind on the inner root, in the background
	: >"$log"
	PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$inner" >>"$log" 2>&1 &
	pind=$!
	track_pid $pind
	disown
}
wait_log() { for _ in $(seq "${2:-100}"); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done; return 1; }
frozen() { sed -n 's/^frozen //p' "$TEST_CG_DIR/inner/machine.slice/$1/cgroup.events"; }
mark() { getfattr --only-values -n user.pind.frozen "$TEST_CG_DIR/inner/machine.slice/$1" 2>/dev/null | tr '\n' ' '; }

# --- a culprit that grows while pind is down ---
start_pinhog c inner/machine.slice/c.service --name hog-c 4M || exit 1
start
wait_log "started: " || { not_ok "pind did not start"; cat "$log"; exit 1; }
start_pinhog a inner/machine.slice/a.service --name hog-a 32M || exit 1
wait_log "machine\.slice: froze a\.service" && ok "a.service frozen (36M of 16M)" || not_ok "a.service not frozen"
for _ in $(seq 50); do [ "$(jq '.at_freeze | length' "$state" 2>/dev/null)" = 2 ] && break; sleep 0.05; done
check_eq "StateFile keeps the leaves at the freeze" "a.service:33554432 c.service:4194304" \
	"$(jq -r '[.at_freeze[] | "\(.cgroup | split("/") | last):\(.usage)"] | sort | join(" ")' "$state")"
kill -9 $pind
wait_gone $pind
start_pinhog b inner/machine.slice/b.service --name hog-b 64M || exit 1
start
wait_log "still frozen for budget machine\.slice from before a restart" && ok "the restart adopts a.service" ||
	not_ok "a.service not adopted"
wait_log "machine\.slice: froze b\.service" 60 && ok "b.service, grown while pind was down, frozen after the restart" ||
	{ not_ok "b.service runs on after the restart"; tail -5 "$log"; }
check_eq "frozen: a and b, not c, which was within" "1 1 0" "$(frozen a.service) $(frozen b.service) $(frozen c.service)"

# --- one pind per cgroup root ---
rc=0
PIND_LOG_STDERR=1 timeout 10 "$PIND" --root="$root" --cgroup-root="$inner" >"$TEST_TMP/second.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "a second pind on the same root is refused (exit $rc)" ||
	not_ok "a second pind on the same root: exit $rc"
check_grep "saying why" "another pind manages cgroup root $inner already" "$TEST_TMP/second.log"

# --- a pind whose root is above: none of the inner one's freezes are its own ---
outer_root=$TEST_TMP/outer
mkdir -p "$outer_root/etc/pind"
printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\nGraceSec=0\n' >"$outer_root/etc/pind/pind.conf"
PIND_LOG_STDERR=1 "$PIND" --root="$outer_root" --cgroup-root="$TEST_CG" >"$TEST_TMP/outer.log" 2>&1 &
outer=$!
track_pid $outer
disown
for _ in $(seq 100); do grep -q "started: " "$TEST_TMP/outer.log" && break; sleep 0.05; done
sleep 0.5 # a few of its scans
check_eq "the outer pind left a and b frozen" "1 1" "$(frozen a.service) $(frozen b.service)"
check_eq "it adopted nothing, thawed nothing" "" \
	"$(grep -E "still frozen|thawed" "$TEST_TMP/outer.log")"
kill $outer
wait_gone $outer

# --- a stale mark is removed; the mark goes before the thaw ---
kill $pind
wait_gone $pind
setfattr -n user.pind.frozen -v "$inner"$'\n'"machine.slice" "$TEST_CG_DIR/inner/machine.slice/c.service"
check_eq "a stale mark on c.service (as a crash in a thaw left one)" "$inner machine.slice" "$(mark c.service)"
start
wait_log "c\.service: pind's mark for budget machine\.slice removed: it is not frozen" &&
	ok "the stale mark is removed at the start, saying so" || not_ok "the stale mark stays"
check_eq "c.service carries no mark" "" "$(mark c.service)"
check_eq "a and b adopted again, frozen" "1 1" "$(frozen a.service) $(frozen b.service)"
strace -f -y -qq -e trace=write,fremovexattr,removexattr -o "$TEST_TMP/strace.out" -p $pind &
tracer=$!
track_pid $tracer
sleep 0.5 # attached
conf 1G # within: the thaws
wait_log "thawed b\.service" 100 && ok "b.service thawed once the budget was raised" || not_ok "no thaw"
kill $tracer
wait_gone $tracer
# the order of the two for b.service: fremovexattr of user.pind.frozen, then "0" to cgroup.freeze
order=$(grep -E "b\.service(/cgroup\.freeze)?>" "$TEST_TMP/strace.out" |
	sed -nE 's/.*fremovexattr\(.*user\.pind\.frozen.*/mark-removed/p; s/.*write\([0-9]+<[^>]*cgroup\.freeze>, "0".*/thawed/p' |
	uniq | tr '\n' ' ')
check_eq "the mark went before the thaw" "mark-removed thawed " "$order"
finish
