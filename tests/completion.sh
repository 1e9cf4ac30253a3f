#!/bin/bash
# pinctl's bash completion (completion/pinctl.bash, $1), driven as bash-completion drives
# it: commands, options, option values, and group names as `pinctl list --no-legend`
# prints them (from a stand-in pinctl here), quoted for the shell.
. "$(dirname "$0")/lib.sh"
COMPLETION=${1:?the completion file}
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || skip "bash-completion is not installed ($BC)"
TEST_TMP=$(mktemp -d)
on_exit_run cleanup
mkdir "$TEST_TMP/bin"
cat >"$TEST_TMP/bin/pinctl" <<'EOF'
#!/bin/sh
[ "$1" = --user ] && { shift; echo "app.slice 1.0M 0B - - - unbudgeted -"; }
[ "$1 $2" = "list --no-legend" ] || exit 2
echo 'machine.slice 48.0M 0B 64.0M 75% freeze ok -'
echo 'machine-qemu\x2d1\x2dvm1.scope 16.0M 0B - - - unbudgeted -'
EOF
chmod +x "$TEST_TMP/bin/pinctl"

# complete LINE: what completing at the end of LINE offers, one per line, sorted
complete_line() {
	PATH=$TEST_TMP/bin:$PATH bash -c '
		. "$1"; . "$2"
		COMP_LINE=$3; COMP_POINT=${#3}
		read -ra COMP_WORDS <<<"$3"
		[[ $3 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_pinctl pinctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$BC" "$COMPLETION" "$1"
}
words() { printf '%s\n' "$@" | sort; }

check_eq "a command" "$(words status)" "$(complete_line "pinctl sta")"
check_eq "every command" "$(words freeze libvirt-hook list monitor ps release reload reserve set-property status thaw)" \
	"$(complete_line "pinctl ")"
check_eq "an option" "$(words --no-legend)" "$(complete_line "pinctl --no")"
check_eq "--layout's values" "$(words cgroupfs systemd)" "$(complete_line "pinctl --layout ")"
check_eq "--scanner's values" "$(words auto bpf procfs)" "$(complete_line "pinctl --scanner ")"
check_eq "names for status, quoted for the shell" "$(words machine.slice 'machine-qemu\\x2d1\\x2dvm1.scope')" \
	"$(complete_line "pinctl status ")"
check_eq "a name for freeze" "$(words machine.slice)" "$(complete_line "pinctl freeze machine.s")"
check_eq "one name for ps" "" "$(complete_line "pinctl ps machine.slice ")"
check_eq "--user names from the user's pind" "$(words app.slice machine.slice 'machine-qemu\\x2d1\\x2dvm1.scope')" \
	"$(complete_line "pinctl --user --json status ")"
check_eq "set-property: the keys after the name" \
	"$(words X-PinnedMemoryAction=freeze X-PinnedMemoryAction=kill X-PinnedMemoryAction=log X-PinnedMemoryAction=signal)" \
	"$(complete_line "pinctl set-property machine.slice X-")"
check_eq "set-property: the name first" "$(words machine.slice 'machine-qemu\\x2d1\\x2dvm1.scope')" \
	"$(complete_line "pinctl --runtime set-property mach")"
check_eq "nothing after reload" "" "$(complete_line "pinctl reload ")"
finish
