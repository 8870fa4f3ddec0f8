#!/bin/sh
# arx replay on the demo log must give exactly the golden timeline, as
# text and as JSON lines (the output depends only on the log, the
# configuration, --year and the time zone). Also: twice in a row gives
# the same, and a missing file is an error.
set -u
ARX=$1
SRC=$2
fail=0
for fmt in txt jsonl; do
	opt=""
	[ "$fmt" = jsonl ] && opt="--json"
	out=$(TZ=UTC "$ARX" replay -c "$SRC/demo/arx.conf" --year 2026 $opt \
	    "$SRC/demo/auth.log") || { echo "FAIL replay $fmt exit"; fail=1; }
	if [ "$out" = "$(cat "$SRC/tests/golden/demo-replay.$fmt")" ]; then
		echo "ok   replay $fmt matches the golden file"
	else
		echo "FAIL replay $fmt differs:"
		printf '%s\n' "$out" | diff "$SRC/tests/golden/demo-replay.$fmt" - 
		fail=1
	fi
done
if "$ARX" replay -c "$SRC/demo/arx.conf" /nonexistent.log 2>/dev/null; then
	echo "FAIL a missing log is not an error"
	fail=1
else
	echo "ok   a missing log is an error"
fi
exit $fail
