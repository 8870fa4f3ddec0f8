#!/usr/bin/env python3
"""A line cut at the length limit takes no address (issue 19, item 6).

An attacker makes the user name of a `Failed password for invalid user`
line so long that the line is cut just after a planted
" from 203.0.113.5 port 1 ssh2"; the real " from 198.51.100.7 ..." is
beyond the cut. arx logtest (and arxd: its readers cut one byte later, so
an event marks every cut line) must give the event no srcip and mark it
truncated; the same line short gives the real address (the control).
Usage: cut_line.py ARX CONF
"""
import json
import subprocess
import sys

ARX, CONF = sys.argv[1], sys.argv[2]
PRE = "Dec  7 08:00:00 bastion sshd[4242]: Failed password for invalid user "
FAKE = " from 203.0.113.5 port 1 ssh2"
REAL = " from 198.51.100.7 port 22 ssh2"
LIMIT = 65536


def data(line):
    r = subprocess.run([ARX, "logtest", "--json", "-c", CONF],
                       input=line + "\n", capture_output=True, text=True,
                       timeout=60)
    return json.loads(r.stdout.splitlines()[0]).get("data") or {}


def main():
    cut = PRE + "x" * (LIMIT - len(PRE) - len(FAKE)) + FAKE + REAL
    assert cut[:LIMIT].endswith(FAKE)
    bad = []
    d = data(cut)
    if d.get("srcip") is not None:
        bad.append("the cut line gave srcip %s" % d.get("srcip"))
    if d.get("truncated") != "yes":
        bad.append("the cut line is not marked truncated")
    d = data(PRE + "bob" + REAL)
    if d.get("srcip") != "198.51.100.7" or "truncated" in d:
        bad.append("the short line: srcip %s, truncated %s" % (
            d.get("srcip"), d.get("truncated")))
    for b in bad:
        print("FAIL " + b)
    print("cut_line: %s" % ("all checks pass" if not bad else
                            "%d failed" % len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
