#!/bin/sh
# make demo: arx's main job on the bundled defaults. arx replay runs the
# sample demo/auth.log (written for arx, documentation addresses only)
# through the whole pipeline with the log's own clock and demo/arx.conf
# (etc/arx.conf's responses plus one white-listed address), and prints
# what arx would have done: a brute force detected and blocked for 10
# minutes, an IPv6 password brute force blocked, the white-listed admin
# workstation spared, both blocks lifted on time, and the first attacker
# back ten minutes later blocked again for 30 minutes as a repeat
# offender. Nothing is executed: replay records the responses.
# Usage: scripts/demo.sh [BIN] (default build/release/bin, which make
# demo builds).
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/release/bin}
echo "== arxd -t -c etc/arx.conf"
"$bin/arxd" -t -c etc/arx.conf
echo
echo "== arx replay -c demo/arx.conf demo/auth.log"
"$bin/arx" replay -c demo/arx.conf --year 2026 demo/auth.log
