#!/bin/bash
# Files that would block pind, balloon it or stop it: a FIFO at pind.conf (at the start
# and on an inotify reload), a FIFO or /dev/zero at StateFile, StateFile values out of
# range, a symbolic link loop and an over-long file among the unit files, a FIFO where a
# drop-in directory goes. pind reads regular files only, bounded, names the file and
# goes on where systemd would.
. "$(dirname "$0")/../lib.sh"
: "${PIND:?PIND must point to the pind binary}"
require_root_cgroup2
test_setup
make_test_cgroup
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/no-bus # no bus: the API is off
root=$TEST_TMP/root
conf=$root/etc/pind/pind.conf
state=$root/run/pind/state.json
units=$root/etc/systemd/system
mkdir -p "$root/etc/pind" "$root/run/pind" "$units"
good_conf() {
	printf '[Daemon]\nScanner=procfs\nScanIntervalSec=100ms\n[Budget machine.slice]\nPinnedMemoryMax=64M\n' >"$conf"
}
log=$TEST_TMP/pind.log
run_pind() { # pind in the background, its log in $log
	: >"$log"
	PIND_LOG_STDERR=1 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 &
	pind=$!
	track_pid $pind
	disown
}
stop_pind() { kill "$pind" 2>/dev/null; wait_gone "$pind"; }
wait_log() { for _ in $(seq 100); do grep -qE -- "$1" "$log" && return 0; sleep 0.05; done; return 1; }

# --- a FIFO at pind.conf: a clear refusal at once, not a hang ---
mkfifo "$conf"
t0=$(date +%s%N)
rc=0
PIND_LOG_STDERR=1 timeout 10 "$PIND" --root="$root" --cgroup-root="$TEST_CG" >"$log" 2>&1 || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "pind refuses a FIFO at pind.conf (exit $rc, $ms ms)" ||
	not_ok "pind with a FIFO at pind.conf: exit $rc after $ms ms"
check_grep "and names it" "refusing to start: $conf: not a regular file" "$log"
rm "$conf"

# --- StateFile a FIFO, then /dev/zero: ignored with a warning, pind runs ---
good_conf
mkfifo "$state"
run_pind
wait_log "started: " && ok "pind starts with a FIFO at StateFile" || not_ok "no start with a FIFO at StateFile"
check_grep "it says so" "$state: not a regular file; ignored" "$log"
stop_pind
rm "$state"
ln -s /dev/zero "$state"
run_pind
wait_log "started: " && ok "pind starts with StateFile linked to /dev/zero" || not_ok "no start with /dev/zero"
check_grep "it says so" "$state: not a regular file; ignored" "$log"
rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$pind/status)
[ "${rss:-999999}" -lt 65536 ] && ok "and stays small (VmRSS ${rss} kB)" || not_ok "VmRSS ${rss:-?} kB"
stop_pind
rm "$state"

# --- StateFile values, field by field: bad entries dropped, good ones kept ---
cat >"$state" <<EOF
{ "version": 1, "frozen": [ { "budget": "machine.slice", "cgroup": "/../../etc" } ],
  "reservations": [
    { "id": "r7", "budget": "machine.slice", "bytes": 1048576, "holder": "vm1.service" },
    { "id": "r8", "budget": "machine.slice", "bytes": 18446744073709551615 },
    { "id": "r18446744073709551615", "budget": "machine.slice", "bytes": 1048576 },
    { "id": "r7", "budget": "machine.slice", "bytes": 4096 },
    { "id": "r9", "budget": "../x", "bytes": 4096 },
    { "id": "r10", "budget": "machine.slice", "bytes": -5 } ] }
EOF
run_pind
wait_log "started: " && ok "pind starts with a StateFile of bad values" || not_ok "no start"
check_grep "a freeze of a bad path dropped" "$state: freeze 0 dropped: no valid budget name and cgroup path" "$log"
check_grep "UINT64_MAX bytes dropped" "$state: reservation 1 dropped: \"bytes\" is not 1 byte to 1 EiB" "$log"
check_grep "an id past 2^63 dropped" "$state: reservation 2 dropped: no id r1" "$log"
check_grep "a second r7 dropped" "$state: reservation 3 dropped: its id is taken already" "$log"
check_grep "a bad group name dropped" "$state: reservation 4 dropped: no valid group name" "$log"
check_grep "negative bytes dropped" "$state: reservation 5 dropped: \"bytes\" is not 1 byte to 1 EiB" "$log"
for _ in $(seq 100); do grep -q '"r7"' "$state" 2>/dev/null && break; sleep 0.05; done
check_eq "StateFile keeps r7 alone" "r7 1048576" \
	"$(jq -r '[.reservations[] | "\(.id) \(.bytes)"] | join(",")' "$state")"

# --- a FIFO replaces pind.conf while pind runs: the reload fails, pind goes on ---
rm "$conf"
mkfifo "$conf"
wait_log "reload failed, keeping the previous configuration: $conf: not a regular file" &&
	ok "a FIFO at pind.conf on an inotify reload: refused at once" || not_ok "no refusal of the FIFO"
kill -0 "$pind" 2>/dev/null && ok "pind still runs" || not_ok "pind is gone"
rm "$conf"
good_conf
sed -i 's/64M/65M/' "$conf"
wait_log "budget machine\.slice changed: PinnedMemoryMax=65M" && ok "and takes the next good file" ||
	not_ok "the good file after the FIFO was not read"
stop_pind

# --- unit files: a symbolic link loop and a file over 1 MiB are skipped, with a warning ---
ln -s loop.service "$units/loop.service"
mkdir -p "$units/big.service.d" "$units/vm1.service.d"
{ printf '[Service]\nX-PinnedMemoryMax=1M\n'; head -c 1100000 /dev/zero | tr '\0' '#'; } \
	>"$units/big.service.d/50-big.conf"
printf '[Service]\nX-PinnedMemoryMax=8M\n' >"$units/vm1.service.d/50-pin.conf"
run_pind
wait_log "started: " && ok "pind starts beside a symbolic link loop among the unit files" ||
	{ not_ok "no start"; tail -3 "$log"; }
check_grep "the loop skipped, named" "$units/loop\.service: skipped: Too many levels of symbolic links" "$log"
check_grep "the big drop-in skipped, named" "$units/big\.service\.d/50-big\.conf: skipped: larger than 1\.0M" "$log"
mkdir -p "$TEST_CG_DIR/machine.slice/vm1.service"
wait_log "budget vm1\.service set: PinnedMemoryMax=8M" && ok "the other units' budgets apply" ||
	not_ok "vm1.service's budget was not read"
stop_pind

# --- a FIFO where the drop-in directory goes: said for what it is ---
mkdir -p "$root/etc/systemd/system.control"
mkfifo "$root/etc/systemd/system.control/vm2.service.d"
"$PINCTL" --direct --root="$root" set-property vm2.service PinnedMemoryMax=1G >/dev/null 2>"$TEST_TMP/sp.err"
check_eq "set-property over a FIFO fails" 1 $?
check_grep "and says it is no directory" "vm2\.service\.d/50-PinnedMemoryMax\.conf: Not a directory" "$TEST_TMP/sp.err"
ln -s /tmp "$root/etc/systemd/system.control/vm3.service.d"
"$PINCTL" --direct --root="$root" set-property vm3.service PinnedMemoryMax=1G >/dev/null 2>"$TEST_TMP/sp.err"
check_grep "a symbolic link there is refused as one" "refusing to write through a symbolic link" "$TEST_TMP/sp.err"
finish
