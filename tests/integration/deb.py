#!/usr/bin/env python3
"""The Debian package (issue 20, item 2): built from this build by
scripts/deb.sh, checked by lintian (no error), then installed, upgraded
over itself, removed and purged with dpkg in a root of its own: an
overlay of this host's root (its packages satisfy the dependencies; every
write goes to the overlay, so the host is untouched), in a mount
namespace of its own, with no systemd running there (as in a container).

In that root, as a user would: the user arx is gone first; dpkg -i
makes it (group adm), the state, log and run directories with their
modes, and the unit enabled; arxd -t passes on the installed
configuration and arx logtest turns an invalid-user line into rule 5710;
a configuration the user changed survives an upgrade; dpkg -r keeps
/etc/arx/arx.conf and removes the programs; dpkg -P removes the
configuration, the state and the logs. After the purge the overlay holds
no file named for arx (the user stays, as Debian does with users).
Needs root, dpkg-deb, dpkg-shlibdeps, lintian, overlayfs.
"""
import os
import subprocess
import sys

from harness import expect, finish, scratch

BUILD = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
TMP = scratch("arx-deb-")

CHECK = r"""#!/bin/sh
# Runs inside the overlay root; one line per check.
set -u
ok() { echo "ok   $*"; }
no() { echo "FAIL $*"; }
check() { what=$1; shift; if "$@" >/tmp/arx-check.out 2>&1; then ok "$what";
	else no "$what: $(tail -c 300 /tmp/arx-check.out)"; fi; }
mode() { [ "$(stat -c '%a %U %G' "$1")" = "$2" ]; }
line='Dec  7 10:00:00 vm sshd[100]: Invalid user bob from 203.0.113.7 port 4242'
userdel arx >/dev/null 2>&1
check "no user arx before the install" sh -c '! id arx'
check "dpkg -i installs the package" dpkg -i /pkg/arx.deb
check "the user arx exists, in group adm" sh -c 'id -nG arx | grep -qw adm'
check "/var/lib/arx 0700 root" mode /var/lib/arx "700 root root"
check "/var/log/arx 0750 root:arx" mode /var/log/arx "750 root arx"
check "the unit is enabled" test -e \
    /etc/systemd/system/multi-user.target.wants/arxd.service
check "arxd -t passes on the installed configuration" arxd -t
check "arx logtest: rule 5710" sh -c "echo '$line' | arx logtest |
    grep -q \"id: '5710'\""
check "man arxd finds the page" sh -c 'man -w arxd | grep -q arxd.8'
echo '<!-- changed by its user -->' >>/etc/arx/arx.conf
check "dpkg -i over itself (an upgrade)" dpkg -i /pkg/arx.deb
check "the user's change to arx.conf survives the upgrade" \
    grep -q 'changed by its user' /etc/arx/arx.conf
check "dpkg -r removes it" dpkg -r arx
check "the programs are gone" sh -c '! test -e /usr/sbin/arxd &&
    ! test -e /usr/lib/arx'
check "arx.conf stays after dpkg -r" test -e /etc/arx/arx.conf
check "dpkg -P purges it" dpkg -P arx
check "configuration, state and logs are gone" sh -c '! test -e /etc/arx &&
    ! test -e /var/lib/arx && ! test -e /var/log/arx'
"""


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=600,
                          **kw)


def build():
    r = run(os.path.join(SRC, "scripts", "deb.sh"), BUILD,
            os.path.join(TMP, "out"))
    deb = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    expect(r.returncode == 0 and deb.endswith(".deb"),
           "scripts/deb.sh builds %s%s" % (os.path.basename(deb),
                                           "" if r.returncode == 0 else
                                           ": " + r.stderr[-400:]))
    return deb


def lint(deb):
    r = run("lintian", "--tag-display-limit", "0", deb)
    errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
    expect(not errors, "lintian: no error (%s)" % (errors[:3] or
                                                   "warnings: %d" % sum(
                                                       l.startswith("W:")
                                                       for l in r.stdout.
                                                       splitlines())))


def in_overlay(deb):
    upper, work, merged = (os.path.join(TMP, n) for n in ("u", "w", "m"))
    for d in (upper, work, merged):
        os.makedirs(d)
    os.makedirs(os.path.join(upper, "pkg"))
    os.link(deb, os.path.join(upper, "pkg", "arx.deb")) \
        if os.stat(deb).st_dev == os.stat(upper).st_dev else \
        run("cp", deb, os.path.join(upper, "pkg", "arx.deb"))
    with open(os.path.join(upper, "check.sh"), "w") as f:
        f.write(CHECK)
    script = ("mount -t overlay overlay -o lowerdir=/,upperdir=%s,"
              "workdir=%s %s && mount -t proc proc %s/proc && "
              "mount -t tmpfs tmpfs %s/run && mount -t tmpfs tmpfs %s/tmp "
              "&& exec chroot %s /bin/sh /check.sh" % (
                  upper, work, merged, merged, merged, merged, merged))
    r = run("unshare", "-m", "--propagation", "private", "sh", "-c", script)
    for line in r.stdout.splitlines():
        if line.startswith(("ok ", "FAIL ")):
            expect(line.startswith("ok "), line.split(" ", 1)[1].strip())
    expect(r.returncode == 0 and "ok " in r.stdout,
           "the checks ran in the overlay root (%s)" % r.stderr[-300:])
    left = []
    for root, dirs, files in os.walk(upper):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(root, n), upper)
            if "arx" in n and not rel.startswith(("pkg", "check.sh")):
                left.append(rel)
    expect(not left, "after the purge nothing named for arx is left in "
           "the overlay (%s)" % left[:5])


def main():
    deb = build()
    if not deb:
        return
    lint(deb)
    in_overlay(deb)


finish("deb", main, TMP)
