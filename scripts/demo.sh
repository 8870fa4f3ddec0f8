#!/bin/sh
# make demo: arx's main job on the bundled defaults. For now this checks
# the default configuration and prints its effective form; it becomes the
# replay demo (a recorded attack, alerts and blocks) as the daemon lands.
set -eu
cd "$(dirname "$0")/.."
echo "== arxd -t -c etc/arx.conf"
build/bin/arxd -t -c etc/arx.conf
echo "== arxd -T -c etc/arx.conf (effective configuration)"
build/bin/arxd -T -c etc/arx.conf
