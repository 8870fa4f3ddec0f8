#!/bin/sh
# make demo: arx's main job on the bundled defaults. Today: check the
# default configuration, then decode a sample auth.log with arx's own
# ruleset (note the fourth line: the address a user name tries to inject is
# not taken). It becomes the replay demo (alerts and blocks) as the daemon
# lands.
set -eu
cd "$(dirname "$0")/.."
echo "== arxd -t -c etc/arx.conf"
build/bin/arxd -t -c etc/arx.conf
echo
echo "== arx logtest --json -c etc/arx.conf < tests/fixtures/sample-auth.log"
build/bin/arx logtest --json -c etc/arx.conf <tests/fixtures/sample-auth.log
