#!/usr/bin/env python3
"""The log-injection suite (make check: ctest injection).

Cases are JSON lines: id, log, expect_host (the real peer, or null when
the line names none), must_not_yield (addresses a client wrote into the
line), optional expect_user and desc. Sources: ../shared/testdata/
injection/cases.jsonl and tests/injection/*.jsonl (arx's own, by service).

Two checks per case, both through the real programs:
1. `arx logtest --json`: the srcip decoded is expect_host, never an
   address of must_not_yield.
2. `arx replay --json` on a log holding the line 16 times, with
   tests/injection/arx.conf (a block for every alert of level 1 and above):
   the block table receives expect_host or nothing, and never an address
   of must_not_yield. 16 copies cross every counting rule of the ruleset,
   so a wrong address would be blocked if a decoder extracted one.
Lines without a syslog header (the DenyHosts rows) get one.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "compat"))
from arxlib import logtest  # noqa: E402

COPIES = 16


def load(paths):
    cases = []
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    c = json.loads(line)
                    c["_where"] = "%s:%d" % (os.path.basename(path), n)
                    cases.append(c)
    return cases


def with_header(log):
    if log[:3].isalpha() or log[:1] in "[0123456789":
        return log
    return "Nov 22 10:00:00 host" + (log if log.startswith(" ")
                                     else " " + log)


def replay_blocks(arx, conf, line, tmp):
    path = os.path.join(tmp, "case.log")
    with open(path, "wb") as f:
        data = (line + "\n").encode("utf-8", "surrogateescape")
        f.write(data * COPIES)
    p = subprocess.run([arx, "replay", "--json", "--year", "2026", "-c",
                        conf, path], capture_output=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit("arx replay failed (%d): %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace")))
    blocked = set()
    for l in p.stdout.decode("utf-8", "replace").splitlines():
        o = json.loads(l)
        if o.get("type") == "block":
            blocked.add(o["address"])
    return blocked


def canonical(a):
    """The block table's form: an IPv4-mapped IPv6 address is IPv4."""
    if a is not None and a.lower().startswith("::ffff:") and "." in a:
        return a[7:]
    return a


def check(c, out, blocked):
    errs = []
    bad = set(c.get("must_not_yield", []))
    want = c.get("expect_host")
    srcip = canonical(out.get("data", {}).get("srcip"))
    if srcip is not None and srcip in bad:
        errs.append("decoded forbidden srcip %s" % srcip)
    if want is not None and srcip != want:
        errs.append("srcip %r, want %r" % (srcip, want))
    if want is None and c["id"].startswith("own-") and srcip is not None:
        errs.append("srcip %r from a line that names no peer" % srcip)
    if "expect_user" in c and c["expect_user"] is not None:
        user = out.get("data", {}).get("srcuser") or \
            out.get("data", {}).get("dstuser")
        if user != c["expect_user"]:
            errs.append("user %r, want %r" % (user, c["expect_user"]))
    if blocked & bad:
        errs.append("blocked forbidden %s" % sorted(blocked & bad))
    if blocked - {want}:
        errs.append("blocked %s, want only %r" % (sorted(blocked), want))
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    cases = load(args.cases)
    lines = [with_header(c["log"]) for c in cases]
    # each case in a session of its own (an empty line starts one), so no
    # case takes an address from the session of an earlier one
    outs = logtest(args.arx, ["-c", args.conf],
                   [x for line in lines for x in (line, "")])
    assert len(outs) == len(cases), (len(outs), len(cases))
    failed = 0
    nblocks = 0
    own = sum(1 for c in cases if c["id"].startswith("own-"))
    with tempfile.TemporaryDirectory() as tmp:
        for c, line, out in zip(cases, lines, outs):
            blocked = replay_blocks(args.arx, args.conf, line, tmp)
            nblocks += len(blocked)
            errs = check(c, out, blocked)
            if errs:
                failed += 1
                print("FAIL %s (%s): %s" % (c["id"], c["_where"],
                                            "; ".join(errs)))
    print("injection: %d/%d cases pass (%d of arx's own), %d of them "
          "reached the block table with the real peer" %
          (len(cases) - failed, len(cases), own, nblocks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
