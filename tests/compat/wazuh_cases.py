#!/usr/bin/env python3
"""Wazuh ruleset compatibility harness.

Runs the test cases of Wazuh's ruleset (../shared/testdata/wazuh/cases.jsonl,
flattened from ruleset/testing/tests/*.ini) through
`arx logtest --json --ruleset DIR`, where DIR is a temporary copy of the
Wazuh ruleset prepared the way Wazuh's own runner prepares it:
testing/ruleset/test_*_decoders.xml and test_*_rules.xml are added, GeoIP
files and .ini files are skipped, and rule 60000 is switched to
<decoded_as>json</decoded_as> for the Windows event-channel tests.

Each case is one session (cases are separated by empty lines); only the
last event of a case is compared, as upstream does. Prints the pass rate
per .ini file and in total, and fails below --min-decoder (percent of the
cases that expect a match whose decoder name is right).
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict

from arxlib import logtest


def prepare(src, dst):
    for sub in ("decoders", "rules", "lists"):
        shutil.copytree(os.path.join(src, sub), os.path.join(dst, sub))
    extra = os.path.join(src, "testing", "ruleset")
    for name in sorted(os.listdir(extra)):
        if "geoip" in name:
            continue
        kind = "decoders" if name.endswith("_decoders.xml") else "rules"
        shutil.copy(os.path.join(extra, name), os.path.join(dst, kind, name))
    win = os.path.join(dst, "rules", "0575-win-base_rules.xml")
    if os.path.exists(win):
        with open(win, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        rule = re.search(r'<rule id="60000".*?</rule>', text, re.S)
        if rule:
            body = re.sub(r"\s*<(decoded_as|category)>[^<]*</\1>", "",
                          rule.group(0))
            body = body.replace(">", ">\n    <decoded_as>json</decoded_as>", 1)
            text = text[:rule.start()] + body + text[rule.end():]
            with open(win, "w", encoding="utf-8",
                      errors="surrogateescape") as f:
                f.write(text)


def run_cases(arx, ruleset, cases):
    lines = []
    for case in cases:
        for ev in case["events"]:
            lines.append(ev)
        lines.append("")
    # A fixed clock (a Wednesday, 10:00 local time): rules on weekdays and
    # hours give the results the upstream expectations assume.
    at = int(time.mktime((2026, 11, 18, 10, 0, 0, 0, 0, -1)))
    out = logtest(arx, ["--ruleset", ruleset, "--at", str(at)], lines)
    results, k = [], 0
    for case in cases:
        n = sum(1 for ev in case["events"] if ev.strip("\r\n") != "")
        results.append(out[k + n - 1] if n else {})
        k += n
    if k != len(out):
        raise SystemExit("expected %d output lines, got %d" % (k, len(out)))
    return results


def unit_code(case, rule, level, decoder):
    """Exit status of wazuh-logtest -U rule:level:decoder: 1 on a
    mismatch of a given item, else the number of empty items."""
    want = (case["rule"], case["level"], case["decoder"])
    got = (rule, level, decoder)
    if any(w and w != g for w, g in zip(want, got)):
        return 1
    return sum(1 for w in want if not w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--min-decoder", type=float, default=95.0)
    ap.add_argument("--min-core", type=float, default=0.0,
                    help="floor for sshd, pam, su, sudo, syslog, test_*")
    ap.add_argument("--min-all", type=float, default=0.0,
                    help="floor for all cases (rule, level, decoder)")
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.testdata, "cases.jsonl")) as f:
        cases = [json.loads(l) for l in f]
    cases = [c for c in cases if not c["file"].endswith("geoip.ini")]
    with tempfile.TemporaryDirectory() as tmp:
        prepare(args.testdata, tmp)
        results = run_cases(args.arx, tmp, cases)
    per_file = defaultdict(lambda: [0, 0, 0, 0])
    dec_ok = dec_total = 0
    for case, res in zip(cases, results):
        got_dec = res.get("decoder", {}).get("name", "")
        got_rule = res.get("rule", {}).get("id", "")
        got_level = str(res.get("rule", {}).get("level", 0)) \
            if "rule" in res else ""
        good = unit_code(case, got_rule, got_level, got_dec) == 0
        if case["expect"] != "match":
            good = not good
        f = per_file[case["file"]]
        f[0] += good
        f[1] += 1
        if case["expect"] == "match":
            dgood = got_dec == case["decoder"]
            f[2] += dgood
            f[3] += 1
            dec_ok += dgood
            dec_total += 1
        if not good and args.show_failures:
            print("FAIL %s [%s] want %s/%s/%s got %s/%s/%s: %s" % (
                case["file"], case["section"], case["rule"],
                case["level"], case["decoder"], got_rule, got_level,
                got_dec, case["events"][-1][:150]))
    core = [0, 0]
    for name in sorted(per_file):
        good, n, dgood, dn = per_file[name]
        print("%-40s cases %4d/%-4d %6.1f%%   decoder %4d/%-4d" % (
            name, good, n, 100.0 * good / n, dgood, dn))
        if (name in ("sshd.ini", "pam.ini", "su.ini", "sudo.ini",
                     "syslog.ini") or name.startswith("test_")):
            core[0] += good
            core[1] += n
    total_ok = sum(v[0] for v in per_file.values())
    total = sum(v[1] for v in per_file.values())
    drate = 100.0 * dec_ok / dec_total if dec_total else 0.0
    crate = 100.0 * core[0] / core[1] if core[1] else 0.0
    arate = 100.0 * total_ok / total if total else 0.0
    print("TOTAL decoder name: %d/%d = %.2f%% (floor %.1f%%)" % (
        dec_ok, dec_total, drate, args.min_decoder))
    print("TOTAL core files (sshd, pam, su, sudo, syslog, test_*): "
          "%d/%d = %.2f%% (floor %.1f%%)" % (core[0], core[1], crate,
                                            args.min_core))
    print("TOTAL all cases (rule, level, decoder): %d/%d = %.2f%% "
          "(floor %.1f%%)" % (total_ok, total, arate, args.min_all))
    ok = (drate >= args.min_decoder and crate >= args.min_core
          and arate >= args.min_all)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
