#!/usr/bin/env python3
"""Log-injection gate: every case of ../shared/testdata/injection/cases.jsonl
(and of tests/decoders/injection.jsonl, written here) is given a syslog
header and decoded with arx's own ruleset. An address listed in
must_not_yield must never come out as srcip, and where expect_host is given
it must be the srcip."""
import argparse
import json
import sys

from arxlib import logtest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    cases = []
    for path in args.cases:
        with open(path) as f:
            cases += [json.loads(l) for l in f if l.strip()]
    lines = []
    for c in cases:
        log = c["log"]
        if not log[:3].isalpha():
            log = "Nov 22 10:00:00 host" + (log if log.startswith(" ")
                                            else " " + log)
        lines.append(log)
    outs = logtest(args.arx, ["-c", args.conf], lines)
    assert len(outs) == len(cases)
    bad = 0
    for c, o in zip(cases, outs):
        srcip = o.get("data", {}).get("srcip")
        errs = []
        if srcip is not None and srcip in c.get("must_not_yield", []):
            errs.append("yielded forbidden %s" % srcip)
        if c.get("expect_host") and srcip != c["expect_host"]:
            errs.append("srcip %r, want %r" % (srcip, c["expect_host"]))
        if errs:
            bad += 1
            print("FAIL %s: %s" % (c["id"], "; ".join(errs)))
    print("injection: %d/%d cases pass" % (len(cases) - bad, len(cases)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
