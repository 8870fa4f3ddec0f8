#!/usr/bin/env python3
"""Command-line conventions (issue 20, item 4): every arx subcommand,
arxd and every response program answer -h and --help with their usage on
standard output and exit 0, nothing on standard error; arx, arxd and the
programs answer --version; a wrong option exits 64 with the usage on
standard error and nothing on standard output."""
import os
import subprocess
import sys

BIN = os.path.abspath(sys.argv[1])
SUBCOMMANDS = ("logtest", "replay", "patterns", "status", "list", "block",
               "unblock", "agents", "agent")
PROGRAMS = ("firewall-drop", "route-null", "host-deny", "webhook")
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def main():
    arx, arxd = os.path.join(BIN, "arx"), os.path.join(BIN, "arxd")
    cases = [("arx", [arx])] + [("arx " + c, [arx, c]) for c in SUBCOMMANDS]
    cases += [("arxd", [arxd])] + [(p, [os.path.join(BIN, p)])
                                   for p in PROGRAMS]
    for name, argv in cases:
        for flag in ("-h", "--help"):
            r = run(*argv, flag)
            expect(r.returncode == 0 and r.stdout.startswith("usage:") and
                   r.stderr == "", "%s %s: usage on stdout, exit 0 (%d%s)"
                   % (name, flag, r.returncode,
                      ", stderr: " + r.stderr[:80] if r.stderr else ""))
    for name, argv in [("arx", [arx]), ("arxd", [arxd])] + [
            (p, [os.path.join(BIN, p)]) for p in PROGRAMS]:
        r = run(*argv, "--version")
        expect(r.returncode == 0 and r.stdout.startswith(name + " ") and
               r.stdout.strip().split()[-1][0].isdigit(),
               "%s --version: %s" % (name, r.stdout.strip()))
    for name, argv in [("arx " + c, [arx, c]) for c in (
            "replay", "status", "list", "block", "unblock", "logtest")] + [
            ("arxd", [arxd])]:
        r = run(*argv, "--no-such-option")
        expect(r.returncode == 64 and "usage:" in r.stderr and
               r.stdout == "", "%s --no-such-option: usage on stderr, "
               "exit 64 (%d)" % (name, r.returncode))
    print("conventions: %s" % ("all checks pass" if not failures else
                               "%d failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
