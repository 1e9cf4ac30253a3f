#!/bin/bash
# meson install into a DESTDIR: every file where a distribution puts it (the system's
# own directories, from the .pc files of systemd, dbus-1, polkit-gobject-1 and
# bash-completion; binaries and man pages below the prefix), the unit naming the
# installed binary, the bus and polkit files well-formed, the man pages rendering without
# a warning, and the unit's exposure (systemd-analyze security) at most 2.0. That the
# unit works with all of its hardening is tests/e2e/system.sh's job.
. "$(dirname "$0")/lib.sh"
: "${MESON:?MESON must name meson}" "${BUILD_ROOT:?BUILD_ROOT must name the build directory}"
: "${PREFIX:?}" "${BINDIR:?}" "${SBINDIR:?}" "${DATADIR:?}"
for t in pkg-config xmllint systemd-analyze; do command -v $t >/dev/null || skip "$t is not installed"; done
TEST_TMP=$(mktemp -d)
on_exit_run cleanup
DEST=$TEST_TMP/dest

check_run "meson install --destdir" 0 "$MESON" install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$DEST"

# pc MODULE VARIABLE DEFAULT: where the system wants it
pc() { pkg-config --variable="$2" "$1" 2>/dev/null | grep . || echo "$3"; }
UNITDIR=$(pc systemd systemdsystemunitdir /usr/lib/systemd/system)
USERUNITDIR=$(pc systemd systemduserunitdir /usr/lib/systemd/user)
POLICYDIR=$(pc dbus-1 datadir /usr/share)/dbus-1/system.d
SERVICEDIR=$(pc dbus-1 system_bus_services_dir /usr/share/dbus-1/system-services)
ACTIONDIR=$(pc polkit-gobject-1 actiondir /usr/share/polkit-1/actions)
COMPLETIONDIR=$(pc bash-completion completionsdir /usr/share/bash-completion/completions)
MANDIR=$PREFIX/$DATADIR/man
mans=
if [ "${WITH_MAN:-}" = yes ]; then
	mans=$(printf '%s\n' "$MANDIR/man8/pind.8" "$MANDIR/man1/pinctl.1" "$MANDIR/man5/pind.conf.5")
else
	echo "# built without scdoc: no man pages to install"
fi
expected=$(printf '%s\n' \
	"$PREFIX/$SBINDIR/pind" \
	"$PREFIX/$BINDIR/pinctl" \
	"$UNITDIR/pind.service" \
	"$USERUNITDIR/pind.service" \
	"$POLICYDIR/org.pind.Pind1.conf" \
	"$SERVICEDIR/org.pind.Pind1.service" \
	"$ACTIONDIR/org.pind.Pind1.policy" \
	"$PREFIX/$DATADIR/doc/pind/examples/pind.conf" \
	"$COMPLETIONDIR/pinctl" \
	"/etc/libvirt/hooks/qemu.d/pind" $mans | sed 's|//*|/|g' | sort)
check_eq "the installed files" "$expected" "$(cd "$DEST" && find . -type f -o -type l | sed 's|^\.||' | sort)"
for b in "$PREFIX/$SBINDIR/pind" "$PREFIX/$BINDIR/pinctl" /etc/libvirt/hooks/qemu.d/pind; do
	[ -x "$DEST$b" ] && ok "$b is executable" || not_ok "$b is not executable"
done

check_eq "the libvirt hook is contrib/libvirt/qemu" "" "$(cmp "$DEST/etc/libvirt/hooks/qemu.d/pind" "$(dirname "$0")/../contrib/libvirt/qemu")"
U=$DEST$UNITDIR/pind.service
check_eq "the unit starts the installed pind" "ExecStart=$PREFIX/$SBINDIR/pind" "$(grep '^ExecStart=' "$U")"
check_grep "the unit is Type=notify" '^Type=notify$' "$U"
check_grep "the unit names its bus name" '^BusName=org\.pind\.Pind1$' "$U"
check_eq "no @VARIABLE@ left in the units and the activation file" "" \
	"$(grep -l '@[a-z]*@' "$U" "$DEST$USERUNITDIR/pind.service" "$DEST$SERVICEDIR/org.pind.Pind1.service")"
check_eq "the user unit runs pind --user" "ExecStart=$PREFIX/$SBINDIR/pind --user" \
	"$(grep '^ExecStart=' "$DEST$USERUNITDIR/pind.service")"
A=$DEST$SERVICEDIR/org.pind.Pind1.service
check_eq "D-Bus activation: the name" "Name=org.pind.Pind1" "$(grep '^Name=' "$A")"
check_eq "D-Bus activation goes through systemd" "SystemdService=pind.service" "$(grep '^SystemdService=' "$A")"
check_run "the bus policy is well-formed XML" 0 xmllint --noout "$DEST$POLICYDIR/org.pind.Pind1.conf"
check_run "the polkit action is well-formed XML" 0 xmllint --noout "$DEST$ACTIONDIR/org.pind.Pind1.policy"
check_grep "the polkit action pind checks" 'action id="org\.pind\.Pind1\.manage"' "$DEST$ACTIONDIR/org.pind.Pind1.policy"
check_grep "only root owns the name" '<policy user="root">' "$DEST$POLICYDIR/org.pind.Pind1.conf"

for m in $mans; do
	man --warnings -E UTF-8 -l -Tutf8 "$DEST$m" >/dev/null 2>"$TEST_TMP/man.err"
	check_eq "man --warnings -l $(basename "$m"): no warning" "" "$(cat "$TEST_TMP/man.err")"
done
systemd-analyze security --offline=true "$U" >"$TEST_TMP/security.txt" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for pind.service: \([0-9.]*\).*/\1/p' "$TEST_TMP/security.txt")
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
	ok "systemd-analyze security: exposure $exposure <= 2.0"
else
	not_ok "systemd-analyze security: exposure '$exposure' is not <= 2.0:"
	grep '✗' "$TEST_TMP/security.txt" | sed 's/^/    /'
fi
finish
