#!/bin/sh
# Install the Debian packages a make target needs, when they are missing.
# Usage: scripts/deps.sh PACKAGE...
# As root it runs apt-get (refreshing the package lists once if an install
# fails); otherwise it names the missing packages and exits 69 (EX_UNAVAILABLE).
set -u
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "arx: missing Debian packages:$missing" >&2
	echo "arx: install them with: sudo apt-get install$missing" >&2
	exit 69
fi
echo "arx: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages with services (openssh-server) must not start them on this
# machine: the tests start their own, in network namespaces. Where no
# policy-rc.d says so already, one does for the time of the install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q $missing >/dev/null 2>&1 && exit 0
apt-get update -q >/dev/null 2>&1
apt-get install -y -q $missing >/dev/null || {
	echo "arx: apt-get could not install:$missing" >&2
	exit 69
}
