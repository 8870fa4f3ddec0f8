#!/bin/sh
# telegram.sh: an arx response program in POSIX sh that tells a Telegram
# chat about an alert (docs/RESPONSES.md is the contract it follows).
# The same job as telegram.py, for hosts that would rather not run
# Python as root; it needs awk, tail and curl (Debian: curl).
#
# It speaks both protocols:
#  - OSSEC argv: add|delete user srcip alert_id rule_id location...
#    filename [options]; the options start at the first word "--...".
#  - Wazuh >= 4.2 JSON on stdin, with the check_keys handshake. sh has
#    no JSON parser: the awk function jstr below takes the first
#    "key":"value" of a line, which is enough for arxd's messages and
#    alerts.json, whose key order is fixed (the top-level "command"
#    comes first in a message, the rule's "id" first in an alert, and
#    the alert id is the first id of the form <digits>.<digits>).
# Either way it looks the alert up in alerts.json by its id, for the
# rule's description and the log line. A delete says nothing.
#
# Options, in the <command>'s <extra_args>:
#   --token-file PATH   the bot token, one line, mode 0600 (required;
#                       $TELEGRAM_BOT_TOKEN for runs by hand)
#   --chat-id ID        the chat to write to (required)
#   --alerts PATH       alerts.json (default /var/log/arx/alerts.json)
#   --api URL           the Bot API (default https://api.telegram.org)
#   --http-timeout S    give up after S seconds (default 10)
#
# Exit status: 0 sent, or nothing to do; 64 bad options or token file;
# 69 the API could not be reached or refused the message.
set -u
NAME=telegram.sh
token_file='' chat_id='' alerts=/var/log/arx/alerts.json
api=https://api.telegram.org timeout=10

fail() { echo "$NAME: $2" >&2; exit "$1"; }

# jscan(s, i): s has a JSON string at i; its value (unescaped, \uXXXX
# kept) into JV, and the index just past it returned.
# jstr(s, key): the value of the first "key":"value" of s.
JSTR='function jscan(s, i,    c, out) {
	out = ""
	for (i++; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\"") break
		if (c == "\\") {
			c = substr(s, ++i, 1)
			if (c == "n") c = "\n"; else if (c == "t") c = "\t"
		}
		out = out c
	}
	JV = out
	return i + 1
}
function jstr(s, key,    i) {
	if ((i = index(s, "\"" key "\":\"")) == 0) return ""
	jscan(s, i + length(key) + 3)
	return JV
}'

# field LINE KEY: jstr on a shell value.
field() { printf '%s\n' "$1" | awk "$JSTR"' { print jstr($0, "'"$2"'"); exit }'; }

# alert_id LINE: its first id of the form <digits>.<digits>.
alert_id() {
	printf '%s\n' "$1" | awk 'match($0, /"id":"[0-9]+[.][0-9]+"/) {
		print substr($0, RSTART + 6, RLENGTH - 7) } { exit }'
}

# extra_args LINE: the strings of "extra_args":[...], one a line.
extra_args() {
	printf '%s\n' "$1" | awk "$JSTR"' {
		if ((i = index($0, "\"extra_args\":[")) == 0) exit
		for (i += 14; substr($0, i, 1) == "\""; i += (substr($0, i, 1) == ","))
			{ i = jscan($0, i); print JV }
		exit }'
}

if [ $# -eq 0 ]; then # JSON: one line on stdin
	IFS= read -r msg || fail 64 "no message on stdin"
	cmd=$(field "$msg" command) ip=$(field "$msg" srcip) id=$(alert_id "$msg")
	args=$(extra_args "$msg")
	set --
	while IFS= read -r a; do [ -n "$a" ] && set -- "$@" "$a"; done <<EOF
$args
EOF
	if [ "$cmd" = add ]; then # the handshake: keys, then continue or abort
		printf '{"version":1,"origin":{"name":"%s","module":"active-response"},"command":"check_keys","parameters":{"keys":["%s"]}}\n' \
		    "$NAME" "$ip"
		IFS= read -r reply || exit 0
		[ "$(field "$reply" command)" = continue ] || exit 0
	fi
else # legacy argv; arxd writes "-" for what it does not have
	[ $# -ge 5 ] || fail 64 "usage: $NAME add|delete user srcip alert_id rule_id ..."
	cmd=$1 ip=$3 id=$4
	shift 5
	while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do shift; done
fi

while [ $# -ge 2 ]; do
	case $1 in
	--token-file) token_file=$2 ;;
	--chat-id) chat_id=$2 ;;
	--alerts) alerts=$2 ;;
	--api) api=${2%/} ;;
	--http-timeout) timeout=$2 ;;
	*) fail 64 "unknown option $1" ;;
	esac
	shift 2
done
[ $# -eq 0 ] || fail 64 "option $1 without a value"
[ "$cmd" = add ] || exit 0 # a block lifted: nothing to tell
[ -n "$chat_id" ] || fail 64 "--chat-id is required"
case $timeout in '' | *[!0-9]*) fail 64 "--http-timeout takes whole seconds" ;; esac
case $api in
*[\"\\\ ]*) fail 64 "--api: no quotes, backslashes or spaces" ;;
http://* | https://*) ;;
*) fail 64 "--api must be an http(s) URL" ;;
esac

# The token: from a file only root can read (never on a command line).
if [ -n "$token_file" ]; then
	[ -f "$token_file" ] || fail 64 "$token_file: no such file"
	[ -z "$(find "$token_file" -prune \( -perm -004 -o -perm -040 \))" ] ||
	    fail 64 "$token_file can be read by others: chmod 600 it"
	token=$(head -n 1 "$token_file")
else
	token=${TELEGRAM_BOT_TOKEN:-}
fi
case $token in '' | *[!A-Za-z0-9:_-]*) fail 64 "no usable bot token" ;; esac

# The alert, from the end of alerts.json; the analysis child may write
# it a moment after arxd starts us, so look twice more a second apart.
line=''
case $id in '' | *[!0-9.]*) ;; *)
	for wait in 0 1 1; do
		sleep "$wait"
		line=$(tail -c 16777216 "$alerts" 2>/dev/null | awk -v id="$id" '
		    match($0, /"id":"[0-9]+[.][0-9]+"/) &&
		    substr($0, RSTART + 6, RLENGTH - 7) == id { l = $0 }
		    END { print l }')
		[ -n "$line" ] && break
	done ;;
esac
if [ -n "$line" ]; then
	level=$(printf '%s\n' "$line" | awk 'match($0, /"level":[0-9]+/) {
	    print substr($0, RSTART + 8, RLENGTH - 8) } { exit }')
	text="arx: rule $(field "$line" id) (level $level)
$(field "$line" description)
source ${ip:--}
alert $id
$(field "$line" full_log | cut -c 1-1000)"
else
	echo "$NAME: alert ${id:--} not in $alerts; sending what the request says" >&2
	text="arx: an alert (${id:--}), source ${ip:--}"
fi

# The token goes to curl in its configuration on stdin, not in argv
# (which every user can read in /proc).
printf 'url = "%s/bot%s/sendMessage"\n' "$api" "$token" |
    curl -sS --fail --proto =http,https --max-time "$timeout" -K - -o /dev/null \
	--data-urlencode "chat_id=$chat_id" --data-urlencode "text=$text" ||
    fail 69 "sendMessage to $api failed"
