#!/usr/bin/env python3
"""Bounded pattern time (ctest cli.patterns).

1. `arx patterns` on arx's own ruleset with 4 KiB adversarial subjects:
   every pattern finishes without reaching its match limit (a count, not
   a time: figures are printed, and docs/SECURITY.md records them).
2. The same on Wazuh's ruleset (../shared/testdata/wazuh): it runs to the
   end over its 6,000+ patterns, and names the ones that give up.
3. A rule written to backtrack, ^(a+)+$, on "aaa...ab": the engine gives
   up at the limit, takes the line as not matching, and says which rule
   (id, file:line) gave up; `arx patterns` lists the rule as GAVE UP.
"""
import json
import os
import subprocess
import sys
import tempfile

ARX = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
WAZUH = os.path.abspath(sys.argv[3])
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def patterns(*args):
    p = subprocess.run([ARX, "patterns", *args], capture_output=True,
                       text=True, timeout=900)
    return p.returncode, p.stdout


def main():
    conf = os.path.join(SRC, "etc", "arx.conf")
    rc, out = patterns("-c", conf, "--length", "4096", "--json")
    own = json.loads(out) if rc == 0 else {}
    print("     own ruleset, 4 KiB: %s" % own)
    expect(own.get("patterns", 0) >= 150 and own.get("gave_up") == 0,
           "arx's own patterns all finish within their limits on 4 KiB "
           "adversarial lines")
    rc, out = patterns("-c", conf, "--json")
    print("     own ruleset, 64 KiB: %s" % out.strip())
    rc, out = patterns("--ruleset", WAZUH, "--length", "4096", "--top", "5")
    print("\n".join("     " + l for l in out.splitlines()[:40]))
    expect(rc == 0 and "patterns: 6" in out and "GAVE UP" in out,
           "Wazuh's ruleset: every pattern runs, the ones cut are named")
    with tempfile.TemporaryDirectory() as tmp:
        for sub in ("decoders", "rules"):
            os.mkdir(os.path.join(tmp, sub))
        with open(os.path.join(tmp, "decoders", "d.xml"), "w") as f:
            f.write('<decoder name="app"><program_name>^app$'
                    '</program_name></decoder>\n')
        with open(os.path.join(tmp, "rules", "r.xml"), "w") as f:
            f.write('<group name="t,">\n<rule id="100100" level="5">'
                    '<decoded_as>app</decoded_as><regex type="pcre2">'
                    '^(a+)+$</regex><description>nested</description>'
                    '</rule>\n</group>\n')
        line = "Nov 22 10:00:00 h app: " + "a" * 40 + "b\n"
        p = subprocess.run([ARX, "logtest", "--json", "--ruleset", tmp],
                           input=line, capture_output=True, text=True,
                           timeout=60)
        got = json.loads(p.stdout.splitlines()[0]) if p.stdout else {}
        expect(got.get("rule", {}).get("id") != "100100" and
               "rule 100100 (%s/rules/r.xml:2): a pattern gave up at its "
               "match limit" % tmp in p.stderr,
               "a backtracking rule gives up, is not matched, and is named: "
               + p.stderr.strip()[:160])
        p = subprocess.run([ARX, "logtest", "--json", "--ruleset", tmp],
                           input=line * 15, capture_output=True, text=True,
                           timeout=120)
        said = [l for l in p.stderr.splitlines() if "gave up" in l]
        expect(len(said) == 10 and "(10 so far; the next ones this minute "
               "are only counted (arx status: pattern_limits))" in said[-1]
               and "(1 so far)" in said[0],
               "15 such lines: 10 messages, counted 1 to 10, the last "
               "saying the next are only counted (%d: %s)"
               % (len(said), said[-1:] if said else ""))
        rc, out = patterns("--ruleset", tmp, "--length", "1024")
        expect("rule 100100 <regex> pcre2" in out and "GAVE UP" in out,
               "arx patterns lists it as GAVE UP")
    print("patterns: %s" % ("all checks pass" if not failures else
                            "%d failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
