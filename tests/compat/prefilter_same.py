#!/usr/bin/env python3
"""The prefilters change nothing: every decoder and rule result is the
same with them and without (arx logtest --no-prefilter).

The prefilters decide which top-level decoders, child decoders and child
rules a line can match from the literals the line holds (one
Aho-Corasick pass each), and for a rule whose <match> is only literals
the mark is the answer; the rules' gates skip the children that name
another decoder (decoded_as). Any literal wrongly required would silently lose
a decode or an alert, so this compares `arx logtest -j` (decoder, every
field, rule, level) line by line, with and without, for arx's own
ruleset and Wazuh's, on every event of the Wazuh and OSSEC test suites,
the log-injection cases, arx's decoder cases, 60,000 lines of the
reference auth.log, and each of those lines again in upper case, in
lower case, and with its first half cut off (where literals are split,
and where ASCII case matters).

usage: prefilter_same.py ARX SOURCE_DIR SHARED_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def events_of(path, keys):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            for k in keys:
                v = case.get(k)
                if isinstance(v, str):
                    out.append(v)
                elif isinstance(v, list):
                    out.extend(x for x in v if isinstance(x, str))
    return out


def corpus(src, shared):
    lines = []
    td = os.path.join(shared, "testdata")
    lines += events_of(os.path.join(td, "wazuh", "cases.jsonl"), ["events"])
    lines += events_of(os.path.join(td, "ossec", "cases.jsonl"), ["events"])
    lines += events_of(os.path.join(td, "injection", "cases.jsonl"), ["log"])
    lines += events_of(os.path.join(src, "tests", "decoders",
                                    "cases.jsonl"), ["log"])
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "auth.log")
        subprocess.run([sys.executable,
                        os.path.join(shared, "bench", "gen_sshd_log.py"),
                        "--out", log, "--seed", "7", "--lines", "60000"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(log, encoding="utf-8", errors="replace") as f:
            lines += [l.rstrip("\n") for l in f]
    lines = [l.replace("\n", " ") for l in lines if l and "\n" not in l[:-1]]
    more = []
    for l in lines:
        more += [l.upper(), l.lower(), l[len(l) // 2:]]
    return [l for l in lines + more if l.strip()]


def run(arx, args, text):
    r = subprocess.run([arx, "logtest", "-j"] + args, input=text,
                       capture_output=True, text=True, errors="replace")
    if r.returncode != 0:
        sys.exit("arx logtest %s failed (%d): %s" %
                 (" ".join(args), r.returncode, r.stderr[-2000:]))
    return r.stdout.splitlines()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    arx, src, shared = sys.argv[1:]
    lines = corpus(src, shared)
    # No empty line in the input: one session throughout, so correlation
    # state is compared too.
    text = "\n".join(lines) + "\n"
    rulesets = [
        ("arx", ["-c", os.path.join(src, "etc", "arx.conf"), "--at",
                 "1700000000"]),
        ("wazuh", ["--ruleset", os.path.join(shared, "testdata", "wazuh"),
                   "--at", "1700000000"]),
    ]
    failed = 0
    for name, args in rulesets:
        with_pf = run(arx, args, text)
        without = run(arx, args + ["--no-prefilter"], text)
        if len(with_pf) != len(without):
            print("FAIL %s: %d results with prefilters, %d without" %
                  (name, len(with_pf), len(without)))
            failed += 1
            continue
        diff = [i for i, (a, b) in enumerate(zip(with_pf, without)) if a != b]
        decoded = sum('"decoder"' in a for a in with_pf)
        ruled = sum('"rule"' in a for a in with_pf)
        print("%s: %d lines, %d decoded, %d with a rule, %d differ" %
              (name, len(with_pf), decoded, ruled, len(diff)))
        for i in diff[:5]:
            print("  line:    %s\n  with:    %s\n  without: %s" %
                  (lines[i][:300], with_pf[i][:600], without[i][:600]))
        failed += bool(diff)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
