#!/bin/sh
# make deb: arx_VERSION-1_ARCH.deb from the tree, by dpkg-deb (no
# debhelper): the release build installed with Debian's layout
# (PREFIX=/usr) into a staging root, man pages and long documents
# compressed, the copyright and a changelog, DEBIAN/ with the control
# file (dependencies by dpkg-shlibdeps), conffiles and the maintainer
# scripts of debian/. Prints the package's path.
# Usage: scripts/deb.sh BUILD_DIR OUT_DIR
set -eu
build=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(arx VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")-1
arch=$(dpkg --print-architecture)
root=$out/root
rm -rf "$root"
mkdir -p "$root/DEBIAN"
DESTDIR=$root cmake --install "$build" --prefix /usr --strip >/dev/null
doc=$root/usr/share/doc/arx
gzip -9n "$root"/usr/share/man/man*/*
gzip -9n "$doc"/*.md
cp "$top/debian/copyright" "$doc/copyright"
printf 'arx (%s) unstable; urgency=medium\n\n  * Built from the source tree.\n\n -- arx authors <arx-maintainers@example.com>  %s\n' \
    "$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(date +%s)}")" |
    gzip -9n >"$doc/changelog.Debian.gz"
for s in postinst prerm postrm; do
	install -m 0755 "$top/debian/$s" "$root/DEBIAN/$s"
done
printf '/etc/arx/arx.conf\n/etc/logrotate.d/arx\n' >"$root/DEBIAN/conffiles"
# dpkg-shlibdeps wants a debian/control beside it
tmp=$(mktemp -d)
mkdir "$tmp/debian"
printf 'Source: arx\n\nPackage: arx\nArchitecture: any\n' >"$tmp/debian/control"
deps=$(cd "$tmp" && dpkg-shlibdeps -O "$root"/usr/sbin/arxd \
    "$root"/usr/bin/arx "$root"/usr/lib/arx/active-response/bin/* |
    sed -n 's/^shlibs:Depends=//p')
rm -rf "$tmp"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: arx
Version: $version
Architecture: $arch
Maintainer: arx authors <arx-maintainers@example.com>
Installed-Size: $size
Depends: $deps, nftables
Recommends: rsyslog | systemd
Section: net
Priority: optional
Homepage: https://localhost/arx
Description: host intrusion detection and active response
 arx reads logs (sshd's auth.log, journald, syslog), decodes them, matches
 OSSEC- and Wazuh-compatible rules with correlation, writes alerts, and
 blocks attackers' addresses in the firewall for a while, repeat
 offenders for longer, lifting every block on time. It reads ossec.conf,
 OSSEC and Wazuh decoders and rules, and speaks both response-program
 protocols.
CONTROL
deb=$out/arx_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
