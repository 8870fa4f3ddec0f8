#!/usr/bin/env python3
"""Ruleset tests in the OSSEC/Wazuh .ini format (tests/rules/*.ini), run
against arx's own ruleset with `arx logtest --json`.

Format, as OSSEC's and Wazuh's runners read it:

    [section name]
    log 1 pass = <log line>
    log 1 pass = <log line>     ; the same key again: one session
    log 2 fail = <log line>
    rule = 5712
    alert = 10
    decoder = sshd

Every "log N pass|fail" key is one case; repeated keys form one session
whose last event is compared. A case passes as under wazuh-logtest -U
rule:alert:decoder: "pass" cases must match every item, "fail" cases must
not. Unlike wazuh-logtest -U, an empty item means "none" (no rule, no
decoder) rather than "anything". All events of a run share one fixed time, so frequency rules count
within their timeframe whatever the machine's speed.
"""
import argparse
import os
import re
import sys

from arxlib import logtest

KEY = re.compile(r"^log (\d+) (pass|fail)\s*=\s?(.*)$")


def parse(path):
    cases, section = [], None
    sessions = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith((";", "#")):
            continue
        if line.startswith("["):
            section = {"name": line.strip("[] "), "rule": "", "alert": "",
                       "decoder": "", "line": n}
            sessions = {}
            continue
        m = KEY.match(line)
        if m:
            key = (m.group(1), m.group(2))
            if key not in sessions:
                sessions[key] = {"section": section, "expect": m.group(2),
                                 "events": [], "line": n}
                cases.append(sessions[key])
            sessions[key]["events"].append(m.group(3))
            continue
        k, _, v = line.partition("=")
        k = k.strip()
        if section is None or k not in ("rule", "alert", "decoder"):
            sys.exit("%s:%d: not a test line" % (path, n))
        section[k] = v.strip()
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--at", default="1795514400")  # a Wednesday, 10:00 UTC
    args = ap.parse_args()
    files = sorted(f for f in os.listdir(args.dir) if f.endswith(".ini"))
    cases = []
    for name in files:
        for c in parse(os.path.join(args.dir, name)):
            c["file"] = name
            cases.append(c)
    lines = []
    for c in cases:
        lines += c["events"] + [""]
    outs = logtest(args.arx, ["-c", args.conf, "--at", args.at], lines)
    bad, k = 0, 0
    for c in cases:
        k += len(c["events"])
        o = outs[k - 1]
        s = c["section"]
        rule = o.get("rule", {})
        got = (rule.get("id", ""), str(rule.get("level", 0)) if rule else "",
               o.get("decoder", {}).get("name", ""))
        same = got == (s["rule"], s["alert"], s["decoder"])
        ok = same if c["expect"] == "pass" else not same
        if not ok:
            bad += 1
            print("FAIL %s:%d [%s] want %s/%s/%s got %s/%s/%s" % (
                c["file"], c["line"], s["name"], s["rule"], s["alert"],
                s["decoder"], *got))
    print("rules: %d/%d cases pass in %d files" % (len(cases) - bad,
                                                   len(cases), len(files)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
