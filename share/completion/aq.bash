# bash completion for aq
_aq_vms()
{
	aq ls 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_aq()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
	local cmds="new start stop console exec ssh ssh-config rm ls monitor
		images pull plugins tap help"

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --version --help -q -v" -- "$cur"))
		return
	fi
	case $cmd in
	new)
		COMPREPLY=($(compgen -W "-p --port --cpus --memory --disk --mac
			--image --provision" -- "$cur")) ;;
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
	help)
		COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
	esac
}
complete -F _aq aq
