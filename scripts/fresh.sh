#!/bin/sh
# make fresh: the README's first command (make demo) on a truly fresh
# Debian 12, as a new user meets it. A minimal root is made once with
# debootstrap (build/fresh/pristine, about 200 MB, 1-2 minutes), copied
# per run, the committed tree (git archive HEAD) put in it with ../shared
# beside it, and `apt-get install make && make demo` run there in a
# private mount namespace, so nothing stays mounted. FRESH_CHECK=1 also
# runs make check there (its namespace tests need the machine itself and
# are expected to fail in a chroot). Needs root and debootstrap.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/fresh
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
if [ ! -d "$dir/pristine/usr" ]; then
	"$top/scripts/deps.sh" debootstrap
	mkdir -p "$dir"
	debootstrap --variant=minbase bookworm "$dir/pristine.new" "$mirror"
	mv "$dir/pristine.new" "$dir/pristine"
fi
root=$dir/root
rm -rf "$root"
cp -a "$dir/pristine" "$root"
mkdir -p "$root/src/main"
(cd "$top" && git archive HEAD) | tar -x -C "$root/src/main"
if [ -d "$top/../shared" ]; then
	cp -a "$top/../shared" "$root/src/shared"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
what="make demo"
[ "${FRESH_CHECK:-0}" = 1 ] && what="make demo && make check"
unshare -m sh -c "mount --bind '$root' '$root' &&
	mount -t proc proc '$root/proc' && mount --bind /dev '$root/dev' &&
	mount -t sysfs sys '$root/sys' && mount -t tmpfs tmpfs '$root/run' &&
	chroot '$root' sh -c 'apt-get update -qq && apt-get install -y -qq make >/dev/null &&
	cd /src/main && $what'"
echo "fresh: $what passed on a fresh Debian 12 root ($root)"
