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
    out = logtest(arx, ["--ruleset", ruleset], lines)
    results, k = [], 0
    for case in cases:
        n = sum(1 for ev in case["events"] if ev.strip("\r\n") != "")
        results.append(out[k + n - 1] if n else {})
        k += n
    if k != len(out):
        raise SystemExit("expected %d output lines, got %d" % (k, len(out)))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--min-decoder", type=float, default=95.0)
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.testdata, "cases.jsonl")) as f:
        cases = [json.loads(l) for l in f]
    cases = [c for c in cases if not c["file"].endswith("geoip.ini")]
    with tempfile.TemporaryDirectory() as tmp:
        prepare(args.testdata, tmp)
        results = run_cases(args.arx, tmp, cases)
    per_file = defaultdict(lambda: [0, 0])
    ok = total = 0
    for case, res in zip(cases, results):
        if case["expect"] != "match":
            continue
        got = res.get("decoder", {}).get("name", "")
        good = got == case["decoder"]
        per_file[case["file"]][0] += good
        per_file[case["file"]][1] += 1
        ok += good
        total += 1
        if not good and args.show_failures:
            print("FAIL %s [%s] want %r got %r: %s" % (
                case["file"], case["section"], case["decoder"], got,
                case["events"][-1][:160]))
    for name in sorted(per_file):
        good, n = per_file[name]
        print("%-40s decoder %4d/%-4d %6.1f%%" % (name, good, n,
                                                 100.0 * good / n))
    rate = 100.0 * ok / total if total else 0.0
    print("TOTAL decoder name: %d/%d = %.2f%% (floor %.1f%%)" % (
        ok, total, rate, args.min_decoder))
    return 0 if rate >= args.min_decoder else 1


if __name__ == "__main__":
    sys.exit(main())
