#!/usr/bin/env python3
"""Enrollment against a running arxd (<auth> on loopback).

`arx agent enroll` with the password gets an id and key (saved 0600), the
manager's table (`arx agents list`) shows the agent with the address it
came from; a wrong password is refused at the TLS handshake; a name in
use is refused with the reason; a removed agent's name can be enrolled
again under a new id; idle connections beyond <max_clients> are dropped
and counted, and enrollment works again once they are gone; arxd refuses
to start with a password file others can read. Needs root (the analysis
child runs as arx).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-enroll-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
PASS = os.path.join(TMP, "authd.pass")
BAD = os.path.join(TMP, "wrong.pass")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
CONF_TEXT = """<arx_config>
  <auth><port>{port}</port><local_ip>127.0.0.1</local_ip>
    <password_file>{pw}</password_file><max_clients>4</max_clients></auth>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def enroll(name, pw=PASS, out=None, *extra):
    out = out or os.path.join(TMP, name + ".key")
    return subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                           str(PORT), "-n", name, "-P", pw, "-o", out,
                           *extra], capture_output=True, text=True,
                          timeout=60)


def enroll_token(name, tok):
    return subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                           str(PORT), "-n", name, "-T", tok, "-o",
                           os.path.join(TMP, name + ".key")],
                          capture_output=True, text=True, timeout=60)


def token(*args):
    r = subprocess.run([ARX, "agents", "-c", CONF, "token", *args],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def tokens_scenario():
    """One-time tokens: bound to a name, used once, expiring; the table
    keeps a key derived from the token, never the token."""
    tok = token("--name", "db01")
    table = open(os.path.join(TMP, "state", "analysis", "agents")).read()
    expect(re.match(r"^arx-token:[0-9a-f]{16}:[0-9a-f]{48}$", tok) and
           tok.split(":")[2] not in table and
           re.search(r"^token %s [0-9a-f]{64} \d+ db01$" % tok.split(":")[1],
                     table, re.M),
           "arx agents token prints a token; the table keeps its id and a "
           "derived key, not the secret")
    r = enroll_token("db02", tok)
    expect(r.returncode != 0 and "the token is for another agent name" in
           r.stderr, "a token made for db01 does not enroll db02: " +
           r.stderr.strip())
    r = enroll_token("db01", tok)
    expect(r.returncode == 0 and "'db01'" in r.stdout,
           "the token enrolls db01: " + r.stdout.strip())
    r = enroll_token("db03", tok)
    expect(r.returncode != 0 and "refused the handshake" in r.stderr,
           "used once, the token is refused at the handshake")
    tok = token("--ttl", "1s")
    time.sleep(2)
    r = enroll_token("db04", tok)
    expect(r.returncode != 0 and "refused the handshake" in r.stderr,
           "an expired token is refused at the handshake")
    expect("token " not in open(os.path.join(TMP, "state", "analysis",
                                              "agents")).read().replace(
        "token " + tok.split(":")[1], ""),
           "the used token is gone from the table")


def agents():
    r = subprocess.run([ARX, "agents", "-c", CONF, "list", "--json"],
                       capture_output=True, text=True, timeout=30)
    return json.loads(r.stdout) if r.returncode == 0 else []


def stat(name):
    r = ctl(ARX, SOCK, "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def main():
    with open(PASS, "w") as f:
        f.write("enrollment secret 42\n")
    os.chmod(PASS, 0o644)
    with open(BAD, "w") as f:
        f.write("not the secret\n")
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(port=PORT, pw=PASS, src=SRC, tmp=TMP,
                                 sock=SOCK))
    p = subprocess.run([ARXD, "-f", "-c", CONF], capture_output=True,
                       text=True, timeout=30)
    expect(p.returncode != 0 and "can be read by others" in p.stderr,
           "arxd refuses a password file others can read")
    os.chmod(PASS, 0o600)
    d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0)
    wait(lambda: os.path.isdir(os.path.join(TMP, "state", "analysis")), 5)
    time.sleep(0.5)

    r = enroll("web01", PASS, None, "--from", "src")
    key = os.path.join(TMP, "web01.key")
    line = open(key).read() if os.path.exists(key) else ""
    expect(r.returncode == 0 and "as agent 1 'web01'" in r.stdout and
           re.match(r"^1 web01 any [0-9a-f]{64} active\n$", line) and
           os.stat(key).st_mode & 0o777 == 0o600,
           "enrolled: id 1, key saved 0600 (%s)" % r.stdout.strip())
    got = agents()
    expect([(a["id"], a["name"], a["from"], a["state"]) for a in got] ==
           [(1, "web01", "127.0.0.1", "active")],
           "the manager's table has web01 from 127.0.0.1: %s" % got)

    r = enroll("web02", BAD)
    expect(r.returncode != 0 and "refused the handshake" in r.stderr,
           "a wrong password is refused at the handshake: " +
           r.stderr.strip())
    r = enroll("web01")
    expect(r.returncode != 0 and
           "refused: an active agent has this name" in r.stderr,
           "a name in use is refused with the reason")
    subprocess.run([ARX, "agents", "-c", CONF, "remove", "web01"],
                   capture_output=True, timeout=30)
    r = enroll("web01")
    expect(r.returncode == 0 and "as agent 2 'web01'" in r.stdout,
           "a removed agent's name is enrolled again under a new id")

    idle = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(6)]
    time.sleep(0.5)
    r = enroll("web03")
    expect(r.returncode != 0, "with <max_clients> idle connections open, "
           "a further one is dropped")
    for s in idle:
        s.close()
    time.sleep(0.5)
    r = enroll("web03")
    expect(r.returncode == 0, "once they are gone, enrollment works again")
    expect(wait(lambda: stat("agents_enrolled") == 3 and
                stat("enrollments_refused") >= 4, 5),
           "arx status counts 3 enrolled, the refusals and drops (%s, %s)"
           % (stat("agents_enrolled"), stat("enrollments_refused")))
    tokens_scenario()
    err = d.stop()
    # Without a password file: one-time tokens only.
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.replace("<password_file>{pw}</password_file>", "")
                .format(port=PORT, src=SRC, tmp=TMP, sock=SOCK))
    d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0)
    time.sleep(0.5)
    r = enroll("web09")
    expect(r.returncode != 0 and "refused the handshake" in r.stderr,
           "without <password_file> the password is refused")
    r = enroll_token("web09", token())
    expect(r.returncode == 0, "and a token enrolls (tokens only): " +
           (r.stdout + r.stderr).strip())
    err += d.stop()
    expect("agent 1 'web01' enrolled from 127.0.0.1" in err and
           "binder does not verify" in err,
           "arxd logged each enrollment and refusal")


if __name__ == "__main__":
    finish("enroll", main, tmp=TMP)
