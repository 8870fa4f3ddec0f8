#!/usr/bin/env python3
"""Command-line conventions (issue 20, item 4): every arx subcommand,
arxd and every response program answer -h and --help with their usage on
standard output and exit 0, nothing on standard error; arx, arxd and the
programs answer --version; a wrong option exits 64 with the usage on
standard error and nothing on standard output. The bash completion
(etc/completion/arx.bash) completes the subcommands and offers every
long option each one's usage names; the zsh one parses."""
import os
import re
import shutil
import subprocess
import sys

BIN = os.path.abspath(sys.argv[1])
COMPLETION = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "..", "etc", "completion")
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


def complete(*words):
    """What bash offers for the last of words."""
    script = ("source %s/arx.bash; COMP_WORDS=(%s); COMP_CWORD=%d; "
              "_%s; echo \"${COMPREPLY[*]}\"" % (
                  COMPLETION, " ".join(words), len(words) - 1, words[0]))
    return run("bash", "-c", script).stdout.split()


def completion(arx):
    expect(complete("arx", "li") == ["list"] and
           set(SUBCOMMANDS) <= set(complete("arx", "''")),
           "bash: arx completes its subcommands")
    for c in SUBCOMMANDS:
        usage = run(arx, c, "-h").stdout
        longs = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", usage))
        offered = set(complete("arx", c, "--"))
        expect(longs <= offered, "bash: arx %s offers every long option "
               "of its usage (missing: %s)" % (c, sorted(longs - offered)))
    expect("--all" in complete("arx", "unblock", "--a") and
           "-t" in complete("arxd", "-"), "bash: arx unblock --a, arxd -")
    if shutil.which("zsh"):
        r = run("zsh", "-n", os.path.join(COMPLETION, "_arx"))
        expect(r.returncode == 0, "zsh: _arx parses (%s)" % r.stderr[:100])


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
    completion(arx)
    print("conventions: %s" % ("all checks pass" if not failures else
                               "%d failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
