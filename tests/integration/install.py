#!/usr/bin/env python3
"""What an install puts where (issue 20, item 1), from the build the
tests run on (cmake --install, as make install does after its build).

 (a) Under a prefix of the test's own (cmake --install --prefix
     TMP/usr): the programs, the response programs in lib/arx/active-
     response/bin, the ruleset in share/arx/ruleset, and etc/arx/arx.conf
     with absolute ruleset paths (nothing relative to the source tree);
     the installed arxd -t finds its response programs beside itself and
     says the installed configuration is valid, and the installed
     arx logtest turns an invalid-user line into rule 5710 with it; the
     unit runs that arxd on that configuration, passes systemd-analyze
     verify and rates at most 6.0 (exposure); tmpfiles.d and sysusers.d
     make the directories and the user with the documented modes.
 (b) Installed again over a configuration the user changed: the change
     is kept and the new one is written beside it as arx.conf.new.
 (c) Debian's layout (DESTDIR, prefix /usr): /usr/sbin/arxd,
     /usr/bin/arx, /usr/lib/arx/active-response/bin, /usr/share/arx,
     and /etc/arx/arx.conf (not /usr/etc), pointing at /usr/share/arx;
     the unit names /usr/sbin/arxd and /etc/arx/arx.conf.
 (d) Without -c and with no /etc/arx/arx.conf, arx and arxd say where
     they looked and what to do.
"""
import os
import re
import shutil
import subprocess
import sys

from harness import expect, finish, scratch

BUILD = os.path.abspath(sys.argv[1])
TMP = scratch("arx-install-")


def run(*argv, env=None, stdin=None):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env, input=stdin)


def install(prefix, destdir=None):
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir:
        env["DESTDIR"] = destdir
    r = run("cmake", "--install", BUILD, "--prefix", prefix, env=env)
    expect(r.returncode == 0, "cmake --install --prefix %s%s" % (
        prefix, " (DESTDIR)" if destdir else "") + (
        "" if r.returncode == 0 else ": " + r.stderr[-500:]))
    return r.stdout


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


PROGRAMS = ("firewall-drop", "route-null", "host-deny", "webhook",
            "abuseipdb")


def own_prefix():
    usr = os.path.join(TMP, "own", "usr")
    install(usr)
    conf = os.path.join(usr, "etc", "arx", "arx.conf")
    files = [os.path.join(usr, p) for p in (
        "sbin/arxd", "bin/arx", "share/arx/ruleset/rules",
        "share/arx/ruleset/decoders", "lib/systemd/system/arxd.service",
        "lib/tmpfiles.d/arx.conf", "lib/sysusers.d/arx.conf",
        "etc/logrotate.d/arx", "share/doc/arx/README.md",
        "share/man/man8/arxd.8", "share/man/man8/arx.8",
        "share/man/man5/arx.conf.5", "share/man/man8/firewall-drop.8",
        "share/man/man8/webhook.8", "share/man/man8/abuseipdb.8",
        "share/bash-completion/completions/arx",
        "share/bash-completion/completions/arxd",
        "share/zsh/vendor-completions/_arx")] + [
        os.path.join(usr, "lib/arx/active-response/bin", p)
        for p in PROGRAMS] + [conf]
    missing = [f for f in files if not os.path.exists(f)]
    expect(not missing, "(a) every file in its place (%s missing)" % missing)
    text = read(conf)
    expect("../" not in text and "<rule_dir>%s/share/arx/ruleset/rules<"
           % usr in text, "(a) arx.conf names the installed ruleset, "
           "nothing relative to the source tree")
    r = run(os.path.join(usr, "sbin", "arxd"), "-t", "-c", conf)
    expect(r.returncode == 0 and "is valid" in r.stderr,
           "(a) the installed arxd -t finds its response programs and "
           "says the installed configuration is valid: " +
           r.stderr.strip().splitlines()[-1])
    line = ("Dec  7 10:00:00 vm sshd[100]: Invalid user bob from "
            "203.0.113.7 port 4242\n")
    r = run(os.path.join(usr, "bin", "arx"), "logtest", "--json", "-c", conf,
            stdin=line)
    expect('"id":"5710"' in r.stdout.replace(" ", ""),
           "(a) the installed arx logtest: rule 5710 (%s)" % r.stdout[:120])
    unit = read(os.path.join(usr, "lib/systemd/system/arxd.service"))
    expect("ExecStart=%s/sbin/arxd -f -c %s\n" % (usr, conf) in unit and
           "ExecReload=/bin/kill -HUP $MAINPID" in unit and "@" not in
           unit.replace("$MAINPID", ""), "(a) the unit runs the installed "
           "arxd on the installed configuration and reloads")
    unit_path = os.path.join(usr, "lib/systemd/system/arxd.service")
    if shutil.which("systemd-analyze"):
        v = run("systemd-analyze", "verify", "--man=no", unit_path)
        sec = run("systemd-analyze", "security", "--offline=true", unit_path)
        level = re.search(r"exposure level for arxd.service: ([0-9.]+)",
                          sec.stdout + sec.stderr)
        expect(v.returncode == 0 and level is not None and
               float(level.group(1)) <= 6.0,
               "(a) systemd-analyze verify passes and security rates the "
               "unit's exposure at most 6.0 (%s; 9.1 without its "
               "sandboxing)" % (level.group(1) if level else
                                (v.stderr + sec.stderr)[-300:]))
    tmpf = read(os.path.join(usr, "lib/tmpfiles.d/arx.conf"))
    expect("d /var/lib/arx 0700 root root" in tmpf and
           "d /var/log/arx 0750 root arx" in tmpf and
           "d /run/arx 0700 root root" in tmpf,
           "(a) tmpfiles.d: the state, log and run directories, 0700, "
           "0750 (group arx), 0700")
    users = read(os.path.join(usr, "lib/sysusers.d/arx.conf"))
    expect("u arx " in users and "m arx adm" in users,
           "(a) sysusers.d: the user arx, in group adm")
    return usr, conf


def reinstall(usr, conf):
    with open(conf, "a") as f:
        f.write("<!-- changed by its user -->\n")
    out = install(usr)
    expect(read(conf).endswith("<!-- changed by its user -->\n") and
           os.path.exists(conf + ".new") and "Kept: " in out,
           "(b) installed again: the user's arx.conf is kept, the new one "
           "is arx.conf.new")


def debian():
    root = os.path.join(TMP, "root")
    install("/usr", destdir=root)
    want = ["usr/sbin/arxd", "usr/bin/arx", "usr/share/arx/ruleset/rules",
            "etc/arx/arx.conf", "etc/logrotate.d/arx",
            "usr/lib/systemd/system/arxd.service"] + [
        "usr/lib/arx/active-response/bin/" + p for p in PROGRAMS]
    missing = [p for p in want if not os.path.exists(os.path.join(root, p))]
    expect(not missing and not os.path.exists(os.path.join(root, "usr/etc")),
           "(c) Debian's layout under DESTDIR (%s missing)" % missing)
    text = read(os.path.join(root, "etc/arx/arx.conf"))
    unit = read(os.path.join(root, "usr/lib/systemd/system/arxd.service"))
    expect("<rule_dir>/usr/share/arx/ruleset/rules<" in text and
           "ExecStart=/usr/sbin/arxd -f -c /etc/arx/arx.conf\n" in unit,
           "(c) arx.conf names /usr/share/arx/ruleset, the unit "
           "/usr/sbin/arxd and /etc/arx/arx.conf")


def no_conf(usr):
    if os.path.exists("/etc/arx/arx.conf"):
        print("     (d) skipped: this host has /etc/arx/arx.conf")
        return
    r = run(os.path.join(usr, "bin", "arx"), "logtest", stdin="x\n")
    d = run(os.path.join(usr, "sbin", "arxd"), "-t")
    for what, res in (("arx logtest", r), ("arxd -t", d)):
        expect(res.returncode != 0 and "no configuration at "
               "/etc/arx/arx.conf: make install" in res.stderr and
               "-c names another" in res.stderr,
               "(d) %s without a configuration says where it looked and "
               "what to do" % what)


def main():
    usr, conf = own_prefix()
    reinstall(usr, conf)
    debian()
    no_conf(usr)


finish("install", main, TMP)
