#!/usr/bin/env python3
"""Every file arxd makes has the mode docs/SECURITY.md gives it (issue 19,
item 7), whatever the umask and whatever the file it found.

arxd as root, umask 000 (the worst an init script could leave), starts
on a block journal made by hand with mode 0644 and a damaged line, reads
a log with an attack, blocks through the recorder, writes alerts, and
stops. Then every file and directory under its state, log and run
directories is compared with the table: the journal and the copy of the
damaged one 0600 root, the analysis state 0700/0600 owned by arx, the
log directory 0750 and its files 0640 (group arx), the control socket
0600 in a 0700 directory. Needs root and the user arx.
"""
import os
import pwd
import grp
import stat
import sys
import time

from harness import Arxd, ctl, expect, finish, recorder_dir, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-modes-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
LOG = os.path.join(TMP, "auth.log")

CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <global><jsonout_output>yes</jsonout_output></global>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{tmp}/ar</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

# path under TMP: (mode, owner, group); "arx" is the analysis user
WANT = {
    "state": (0o700, "root", None),
    "state/blocks.journal": (0o600, "root", None),
    "state/blocks.journal.damaged": (0o600, "root", None),
    "state/analysis": (0o700, "arx", None),
    "state/analysis/positions": (0o600, "arx", None),
    "log": (0o750, "root", "arx"),
    "log/active-responses.log": (0o640, "root", "arx"),
    "log/alerts.log": (0o640, "root", None),
    "log/alerts.json": (0o640, "root", None),
    "run": (0o700, "root", None),
    "run/control.sock": (0o600, "root", None),
}


def found():
    """{relative path: (mode, owner, group)} under state, log and run."""
    got = {}
    for top in ("state", "log", "run"):
        for root, dirs, files in os.walk(os.path.join(TMP, top)):
            for name in [""] + dirs + files:
                p = os.path.join(root, name)
                st = os.lstat(p)
                got[os.path.relpath(p, TMP)] = (
                    stat.S_IMODE(st.st_mode), pwd.getpwuid(st.st_uid)[0],
                    grp.getgrgid(st.st_gid)[0])
    return got


def main():
    recorder_dir(BIN, os.path.join(TMP, "ar"))
    os.makedirs(os.path.join(TMP, "state"), mode=0o700)
    journal = os.path.join(TMP, "state", "blocks.journal")
    with open(journal, "w") as f:
        f.write("add rec 192.0.2.300 1 2 1\n")
    os.chmod(journal, 0o644)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(log=LOG, src=SRC, tmp=TMP, sock=SOCK))
    open(LOG, "w").close()
    os.chmod(LOG, 0o644)
    old = os.umask(0)
    try:
        d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode
                 == 0)
    finally:
        os.umask(old)
    expect(wait(lambda: os.path.exists(
        os.path.join(TMP, "state", "analysis", "positions")), 10),
        "arxd follows the log")
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(LOG, "a") as f:
        for k in range(8):
            f.write("%s vm sshd[%d]: Invalid user u%d from 203.0.113.7 "
                    "port %d\n" % (stamp, 900 + k, k, 40000 + k))
    expect(wait(lambda: "203.0.113.7" in ctl(ARX, SOCK, "list").stdout, 20),
           "the attacker is blocked")
    time.sleep(1.5)  # the alert files are flushed, positions saved
    got = found()
    d.stop()
    for path, (mode, owner, group) in sorted(WANT.items()):
        have = got.get(path)
        expect(have is not None and have[0] == mode and have[1] == owner
               and (group is None or have[2] == group),
               "%s: %o %s%s (%s)" % (path, mode, owner,
                                     ":" + group if group else "",
                                     "%o %s:%s" % have if have else
                                     "missing"))
    extra = sorted(set(got) - set(WANT))
    expect(not extra, "no other file (%s)" % extra)


finish("daemon.modes", main, TMP)
