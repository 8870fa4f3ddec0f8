#!/bin/sh
# make bench: arx's analysis speed on the reference auth.log.
# Generates the 1,000,000-line log with ../shared/bench/gen_sshd_log.py
# (deterministic), then runs the release build of `arx logtest -a` over
# it RUNS times (alerts only, to /dev/null) and prints each run's wall
# time and peak memory, and the median throughput. Comparisons with the
# peers are not automated yet.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
out="$top/build/bench"
log="$out/auth.log"
gen="$top/../shared/bench/gen_sshd_log.py"
arx="$top/build/release/bin/arx"

mkdir -p "$out"
if [ ! -s "$log" ]; then
	python3 "$gen" --out "$log" >/dev/null
fi
lines=$(wc -l <"$log")
echo "bench: $lines lines, $(nproc) cores, $(uname -r)"
: >"$out/times"
i=0
while [ "$i" -lt "$runs" ]; do
	/usr/bin/time -f "%e %M" -o "$out/time.$i" \
	    "$arx" logtest -a --log-time -c "$top/etc/arx.conf" \
	    <"$log" >"$out/alerts.$i"
	read -r secs kib <"$out/time.$i"
	alerts=$(grep -c '^\*\* Alert' "$out/alerts.$i" || true)
	echo "run $i: ${secs} s, peak ${kib} KiB, $alerts alerts"
	echo "$secs" >>"$out/times"
	i=$((i + 1))
done
median=$(sort -n "$out/times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
awk -v l="$lines" -v s="$median" \
    'BEGIN {printf "median: %.2f s, %.0f lines/s\n", s, l / s}'
