#!/bin/sh
# The man pages pass mandoc's lint with warnings: any message fails.
# Usage: scripts/check-man.sh DIR
set -u
fail=0
for f in "$1"/*.[58]; do
	out=$(mandoc -T lint -W warning "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done
[ "$fail" -eq 0 ] && echo "man: every page is clean"
exit "$fail"
