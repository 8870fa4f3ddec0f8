#!/bin/sh
# make demo: arx's main job on the bundled defaults. Today: check the
# default configuration, then run a sample auth.log through arx's own
# decoders and rules with the log's own clock and print the alerts.log
# records: failed logins, an injection attempt that does not pick the
# wrong address, and the brute force (eight invalid users from one address,
# rule 5712). It becomes the replay demo (alerts and blocks) as the daemon
# lands.
set -eu
cd "$(dirname "$0")/.."
echo "== arxd -t -c etc/arx.conf"
build/bin/arxd -t -c etc/arx.conf
echo
echo "== arx logtest -a --log-time -c etc/arx.conf < tests/fixtures/sample-auth.log"
build/bin/arx logtest -a --log-time -c etc/arx.conf \
    <tests/fixtures/sample-auth.log
