#!/usr/bin/env python3
"""Command-line conventions (issue 20, item 4): every arx subcommand,
arxd and every response program answer -h and --help with their usage on
standard output and exit 0, nothing on standard error; arx, arxd and the
programs answer --version; a wrong option exits 64 with the usage on
standard error and nothing on standard output. The bash completion
(etc/completion/arx.bash) completes the subcommands and offers every
long option each one's usage names; the zsh one parses. Colour only on a
terminal: arx logtest, replay and list colour their output on a pseudo
terminal, never into a pipe, and not with NO_COLOR set or TERM=dumb."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
COMPLETION = os.path.join(SRC, "etc", "completion")
SUBCOMMANDS = ("logtest", "replay", "patterns", "status", "list", "block",
               "unblock", "agents", "agent", "db")
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


def on_tty(argv, env=None, stdin=None):
    """argv's standard output, written to a pseudo terminal."""
    master, slave = os.openpty()
    p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL,
                         stdin=subprocess.PIPE, env=env)
    os.close(slave)
    p.stdin.write((stdin or "").encode())
    p.stdin.close()
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    p.wait(timeout=30)
    return out.decode(errors="replace")


LIST = ("ADDRESS                                 COMMAND          REMAINING  "
        "OFFENCES  EXPIRES              KERNEL  RULES\n"
        "192.0.2.6                               fw               9m59s     "
        "      1  2026-12-07T10:10:00Z yes     5712\n"
        "198.51.100.0/24                         fw               1h        "
        "      0  2026-12-07T11:00:00Z pending -\n"
        "2 blocks (1 pending: not yet confirmed by their backend)\n")


def fake_arxd(path):
    """A control socket that answers one request with LIST."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)

    def serve():
        for _ in range(4):
            c, _ = srv.accept()
            c.recv(4096)
            c.sendall(LIST.encode())
            c.close()
    threading.Thread(target=serve, daemon=True).start()


def colour(arx):
    esc = "\033["
    env = dict(os.environ, TZ="UTC", TERM="xterm")
    env.pop("NO_COLOR", None)
    line = ("Dec  7 10:00:00 vm sshd[100]: Invalid user bob from "
            "203.0.113.7 port 4242\n")
    ruleset = ["--ruleset", os.path.join(SRC, "ruleset")]
    tty = on_tty([arx, "logtest", *ruleset], env=env, stdin=line)
    expect(esc + "1m**Phase 1" in tty and "**Phase 3" in tty,
           "arx logtest on a terminal: coloured phases")
    piped = subprocess.run([arx, "logtest", *ruleset], input=line,
                           capture_output=True, text=True).stdout
    expect("**Phase 1" in piped and esc not in piped,
           "arx logtest into a pipe: no colour")
    demo = [arx, "replay", "-c", os.path.join(SRC, "demo", "arx.conf"),
            "--year", "2026", os.path.join(SRC, "demo", "auth.log")]
    tty = on_tty(demo, env=env)
    expect(esc + "1;31mblock" in tty and esc + "32munblock" in tty,
           "arx replay on a terminal: block red, unblock green")
    for var, val in (("NO_COLOR", "1"), ("TERM", "dumb")):
        plain = on_tty(demo, env=dict(env, **{var: val}))
        expect("block    203.0.113.50" in plain and esc not in plain,
               "arx replay on a terminal with %s=%s: no colour" % (var, val))
    tmp = tempfile.mkdtemp(prefix="arx-colour-")
    sock = os.path.join(tmp, "control.sock")
    fake_arxd(sock)
    tty = on_tty([arx, "list", "-s", sock], env=env)
    expect(esc + "32myes" in tty and esc + "33mpending" in tty and
           tty.replace("\r\n", "\n").count("\n") == 4,
           "arx list on a terminal: KERNEL yes green, pending yellow, "
           "every line kept")
    piped = run(arx, "list", "-s", sock).stdout
    expect(piped == LIST, "arx list into a pipe: the answer as it came")
    shutil.rmtree(tmp, ignore_errors=True)


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
    colour(arx)
    print("conventions: %s" % ("all checks pass" if not failures else
                               "%d failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
