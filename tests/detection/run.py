#!/usr/bin/env python3
"""The detection catalogue's cases (docs/DETECTION.md), run through
`arx logtest --json` under every header form a host writes.

Each file tests/detection/*.jsonl holds one row per message form:

    {"id": "sshd-failed-password", "prog": "sshd",
     "msg": "Failed password for root from {A} port 4242 ssh2",
     "class": "failure", "rule": 5760, "level": 5, "src": "A"}

    id     the catalogue row (DETECTION.md names it)
    prog   the program name in the header
    msg    the message; {A} is the client's address, written once as
           IPv4 (192.0.2.6) and once as IPv6 (2001:db8::6) unless the row
           says "v4only"
    before optional lines of the same process sent first (a session):
           "Invalid user bob from {A} port 4242" ...
    class  failure | preauth | scan | success | benign | local (a
           failure on the host itself, su or sudo: an alert of level 3 or
           more, never an address)
    rule   the final rule expected (0: no rule, an empty string: any)
    level  its level
    src    "A": srcip must be the client's address; null: no srcip
    heads  optional list of header names to use (default: all but
           "raw", which is the message alone, for files without a header)

A failure, preauth or scan line must give an alert in the group of its
class (authentication_failed, preauth, scan; recon for both of the last
two); a success or benign line must give no alert of level 3 or more in
those groups. The generator is table-driven: every row runs under every
header form of HEADS, so one row is one case per header and address
family (what an OSSEC/Wazuh .ini file would list, with the address and
class checked as well).
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "compat"))
from arxlib import logtest  # noqa: E402

# Header forms: name -> (prefix with {prog} and {pid}, has a pid)
HEADS = {
    "bsd": ("Dec  7 08:04:31 web1 {prog}[{pid}]: ", True),
    "rfc3339": ("2026-12-07T08:04:31.123456+00:00 web1 {prog}[{pid}]: ",
                True),
    "rfc5424": ("<38>1 2026-12-07T08:04:31.003Z web1.example.org {prog} "
                "{pid} - - ", True),
    "short": ("Dec 07 08:04:31 web1 {prog}[{pid}]: ", True),
    "short-iso": ("2026-12-07T08:04:31+0000 web1 {prog}[{pid}]: ", True),
    "short-precise": ("Dec 07 08:04:31.123456 web1 {prog}[{pid}]: ", True),
    "dotted-host": ("Dec  7 08:04:31 mail.example.org {prog}[{pid}]: ", True),
    "no-host": ("Dec  7 08:04:31 {prog}[{pid}]: ", True),
    "no-pid": ("Dec  7 08:04:31 web1 {prog}: ", False),
    "bracketed": ("Dec  7 08:04:31 web1 [{prog}] ", False),
    "raw": ("", False),  # files without a syslog header (web servers)
}
DEFAULT_HEADS = [h for h in HEADS if h != "raw"]
ADDRS = {"v4": "192.0.2.6", "v6": "2001:db8::6"}
CLASS_GROUPS = {"failure": {"authentication_failed", "invalid_login"},
                "preauth": {"preauth"}, "scan": {"scan"}}
ALERT_GROUPS = {"authentication_failed", "invalid_login", "recon",
                "preauth", "scan", "authentication_failures"}


def cases(rows):
    """(row, head, family, lines) for every row, header and address."""
    pid = 4000
    for row in rows:
        fams = ["v4"] if row.get("v4only") else ["v4", "v6"]
        for head in row.get("heads") or DEFAULT_HEADS:
            prefix, has_pid = HEADS[head]
            if row.get("before") and not has_pid:
                continue  # a session needs a pid
            for fam in fams:
                pid += 1
                p = prefix.format(prog=row["prog"], pid=pid)
                body = [m.replace("{A}", ADDRS[fam])
                        for m in row.get("before", []) + [row["msg"]]]
                yield row, head, fam, [p + b for b in body]


def check(row, fam, out):
    """A list of what is wrong with the last event's result."""
    bad = []
    rule = out.get("rule") or {}
    rid, level = rule.get("id", ""), rule.get("level", 0)
    groups = set(rule.get("groups", []))
    srcip = (out.get("data") or {}).get("srcip")
    want = row.get("rule", "")
    if want != "" and str(want) != (rid or "0"):
        bad.append("rule %s, not %s" % (rid or "none", want))
    if "level" in row and row["level"] != level:
        bad.append("level %s, not %s" % (level, row["level"]))
    if row.get("src") == "A" and srcip != ADDRS[fam]:
        bad.append("srcip %s, not %s" % (srcip, ADDRS[fam]))
    if row.get("src") is None and "src" in row and srcip is not None:
        bad.append("srcip %s, expected none" % srcip)
    cls = row["class"]
    if cls in CLASS_GROUPS and not groups & CLASS_GROUPS[cls]:
        bad.append("groups %s lack %s" % (sorted(groups), cls))
    if cls in ("success", "benign") and level >= 3 and groups & ALERT_GROUPS:
        bad.append("a %s line raised a failure alert (%s)" % (cls, rid))
    if cls == "local" and (level < 3 or srcip is not None):
        bad.append("a local failure: level %s, srcip %s" % (level, srcip))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--dir", default=os.path.dirname(__file__))
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    rows = []
    for path in sorted(glob.glob(os.path.join(args.dir, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    row = json.loads(line)
                    row["where"] = "%s:%d" % (os.path.basename(path), n)
                    rows.append(row)
    todo = list(cases(rows))
    lines = []
    for _, _, _, ls in todo:
        lines += ls + [""]
    outs = logtest(args.arx, ["-c", args.conf, "--at", "1795514400"], lines)
    k, nbad, seen = 0, 0, set()
    for row, head, fam, ls in todo:
        out = outs[k + len(ls) - 1]
        k += len(ls)
        bad = check(row, fam, out)
        if bad:
            nbad += 1
            if args.v or (row["id"], head) not in seen:
                print("FAIL %s %s [%s %s]: %s\n     %s" % (
                    row["where"], row["id"], head, fam, "; ".join(bad),
                    ls[-1]))
            seen.add((row["id"], head))
    ids = {r["id"] for r in rows}
    print("detection: %d rows, %d cases under %d header forms, %d failed" % (
        len(ids), len(todo), len(HEADS), nbad))
    return 1 if nbad else 0


if __name__ == "__main__":
    sys.exit(main())
