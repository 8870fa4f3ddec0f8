#!/usr/bin/env python3
"""Runs tests/decoders/cases.jsonl through `arx logtest --json` with arx's
own ruleset (etc/arx.conf) and checks, for every line, the decoder name,
each expected field, and that the fields listed in "absent" are not set."""
import argparse
import json
import sys

from arxlib import logtest


def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--cases", required=True)
    args = ap.parse_args()
    with open(args.cases) as f:
        cases = [json.loads(l) for l in f if l.strip()]
    # one logtest session per case (an empty line starts one): no case
    # takes an address from the sshd session of an earlier one
    outs = logtest(args.arx, ["-c", args.conf],
                   [x for c in cases for x in (c["log"], "")])
    assert len(outs) == len(cases), (len(outs), len(cases))
    bad = 0
    for c, o in zip(cases, outs):
        got = o.get("decoder", {}).get("name", "")
        data = flatten(o.get("data", {}))
        errs = []
        if got != c["decoder"]:
            errs.append("decoder %r, want %r" % (got, c["decoder"]))
        for k, v in c["fields"].items():
            if data.get(k) != v:
                errs.append("%s=%r, want %r" % (k, data.get(k), v))
        for k in c.get("absent", []):
            if k in data:
                errs.append("%s=%r should be unset" % (k, data[k]))
        if errs:
            bad += 1
            print("FAIL %s\n     %s" % (c["log"], "; ".join(errs)))
    print("decoders: %d/%d cases pass" % (len(cases) - bad, len(cases)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
