# bash completion for pinctl: commands, options and their values, group names.
# The group names of `pinctl list` that the word so far begins, quoted for the shell
# (scope names hold \x2d) into COMPREPLY; through pind when it runs, else measured.
_pinctl_names() {
	local user= n q
	[[ " ${words[*]} " == *" --user "* ]] && user=--user
	COMPREPLY=()
	while read -r n _; do
		q=$(printf '%q' "$n")
		[[ $q == "$cur"* ]] && COMPREPLY+=("$q")
	done < <(pinctl $user list --no-legend 2>/dev/null)
}

_pinctl() {
	local cur prev words cword
	_init_completion -s -n = || return

	local commands='status list ps set-property freeze thaw reserve release reload monitor
		libvirt-hook'
	local options='--json --no-legend --user --runtime --holder= --ttl= --root=
		--cgroup-root= --proc-root= --scanner= --layout= --help --version'

	case $prev in
	--scanner)
		COMPREPLY=($(compgen -W 'auto bpf procfs' -- "$cur"))
		return
		;;
	--layout)
		COMPREPLY=($(compgen -W 'systemd cgroupfs' -- "$cur"))
		return
		;;
	--root | --proc-root)
		_filedir -d
		return
		;;
	--holder | --cgroup-root | --ttl)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi

	local i cmd= nargs=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--scanner | --root | --proc-root | --holder | --cgroup-root | --ttl | --layout) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then cmd=${words[i]}; else ((nargs++)); fi
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
	fi
	case $cmd in
	status)
		_pinctl_names
		;;
	ps | freeze | thaw | reserve)
		((nargs == 0)) && _pinctl_names
		;;
	set-property)
		if ((nargs == 0)); then
			_pinctl_names
		else
			COMPREPLY=($(compgen -W 'PinnedMemoryMax= X-PinnedMemoryAction=log
				X-PinnedMemoryAction=freeze X-PinnedMemoryAction=signal
				X-PinnedMemoryAction=kill' -- "$cur"))
			[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		fi
		;;
	esac
}
complete -F _pinctl pinctl
