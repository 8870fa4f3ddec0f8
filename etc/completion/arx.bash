# bash completion for arx and arxd: subcommands, their options, and
# files or command names where an option takes one. Installed as
# share/bash-completion/completions/arx (and arxd).

_arx_opts() {
	case $1 in
	logtest) echo "-c --config --ruleset -j --json -a --alerts-json -v -U --at --log-time --no-prefilter -h --help" ;;
	replay) echo "-c --config -j --json -l --level -y --year -h --help" ;;
	patterns) echo "-c --ruleset --length --top --json -h --help" ;;
	status) echo "-c --config -s --socket -j --json -h --help" ;;
	list) echo "-c --config -s --socket -j --json -C --command -r --rule -h --help" ;;
	block) echo "-c --config -s --socket -j --json -t --timeout -C --command --offence -h --help" ;;
	unblock) echo "-c --config -s --socket -j --json -C --command -a --all -h --help" ;;
	agents) echo "-c -f list add remove group token --json --from --ttl --name -h --help" ;;
	agent) echo "enroll -p -n -P -T --from -o -c -h --help" ;;
	db) echo "-c --config migrate status -j --json -h --help" ;;
	esac
}

_arx() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "logtest replay patterns status list block unblock agents agent db help -h --help -V --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	-c|--config|--ruleset|-s|--socket|-f|-o|-P)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [ "$cmd" = replay ] && [ "${cur#-}" = "$cur" ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$(_arx_opts "$cmd")" -- "$cur"))
}

_arxd() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$prev" = -c ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "-c -d -f -i -T -t -h --help -V --version" -- "$cur"))
}

complete -F _arx arx
complete -F _arxd arxd
