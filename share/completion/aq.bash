# bash completion for aq
_aq_vms()
{
	aq ls 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_aq_snapshots()
{
	aq snapshot ls 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_aq()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
	local cmds="new start stop console exec ssh ssh-config rm ls monitor
		images pull plugins tap snapshot fanout cp help"

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --version --help -q -v" -- "$cur"))
		return
	fi
	case $cmd in
	new)
		COMPREPLY=($(compgen -W "-p --port --cpus --memory --disk --mac
			--image --provision --from --count" -- "$cur"))
		[ "${COMP_WORDS[COMP_CWORD-1]}" = --from ] &&
			COMPREPLY=($(compgen -W "$(_aq_snapshots)" -- "$cur")) ;;
	start)
		COMPREPLY=($(compgen -W "--timeout $(_aq_vms)" -- "$cur")) ;;
	stop)
		COMPREPLY=($(compgen -W "--force --timeout $(_aq_vms)" -- "$cur")) ;;
	rm)
		COMPREPLY=($(compgen -W "--force $(_aq_vms)" -- "$cur")) ;;
	console|exec|ssh|ssh-config|monitor)
		[ "$COMP_CWORD" -eq 2 ] &&
			COMPREPLY=($(compgen -W "$(_aq_vms)" -- "$cur")) ;;
	ls)
		COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
	tap)
		[ "$COMP_CWORD" -eq 2 ] &&
			COMPREPLY=($(compgen -W "add update rm" -- "$cur")) ;;
	snapshot)
		case $COMP_CWORD:${COMP_WORDS[2]} in
		2:*) COMPREPLY=($(compgen -W "create ls tree rm" -- "$cur")) ;;
		3:create) COMPREPLY=($(compgen -W "$(_aq_vms)" -- "$cur")) ;;
		*:rm) COMPREPLY=($(compgen -W "$(_aq_snapshots)" -- "$cur")) ;;
		3:ls) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
		esac ;;
	fanout)
		COMPREPLY=($(compgen -W "--keep --prefix --timeout
			$(_aq_snapshots)" -- "$cur")) ;;
	cp)
		COMPREPLY=($(compgen -W "-r $(_aq_vms | sed 's/$/:/')" -- "$cur"))
		compopt -o nospace 2>/dev/null
		COMPREPLY+=($(compgen -f -- "$cur")) ;;
	help)
		COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
	esac
}
complete -F _aq aq
