#!/bin/sh
# Create the system user arxd's analysis child runs as (<daemon><user>,
# "arx" by default), when it is missing. It joins group adm, which reads
# /var/log/auth.log and syslog on Debian. Usage: scripts/user.sh [NAME]
set -u
name=${1:-arx}
id "$name" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "arx: user $name is missing; as root run: useradd --system" \
	    "--no-create-home --shell /usr/sbin/nologin --groups adm $name" >&2
	exit 0
fi
echo "arx: creating system user $name (group adm, no login)" >&2
groups=""
getent group adm >/dev/null && groups="--groups adm"
useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin $groups "$name"
