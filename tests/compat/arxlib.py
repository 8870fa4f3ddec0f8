"""Helpers shared by the compatibility and safety suites: run
`arx logtest --json` over a list of input lines and return one parsed
object per non-empty line."""
import json
import subprocess
import sys


def logtest(arx, args, lines, timeout=1800):
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
    p = subprocess.run([arx, "logtest", "--json", *args], input=data,
                       capture_output=True, timeout=timeout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
        raise SystemExit("arx logtest failed with %d" % p.returncode)
    return [json.loads(l) for l in
            p.stdout.decode("utf-8", "replace").splitlines()]
