#!/usr/bin/env python3
"""The privilege boundary under attack, at the daemon level.

arxd runs for real (root side and analysis child as user arx). The test
plays a taken-over analysis child: it copies the child's end of the
SEQPACKET socketpair with pidfd_getfd(2) and sends the root process what
a compromised child could send.

Well-formed but forged triggers: an address holding shell text, an
address in a non-canonical form, a white-listed address, a user name
that is an option, a rule no response is bound to. Each is refused or
skipped and logged with the reason, and the response program (the
recorder) runs for none of them; the one acceptable trigger (an
IPv4-mapped address) runs the configured command with the canonical
address and nothing else.

Malformed messages (wrong version, cut short, a second READY, a
response request, which only an agent's root process takes): each is
logged as a protocol violation, the child is killed and a new one is
started, which then still turns eight invalid-user lines into a block.
Needs root (pidfd_getfd of another user's process, user arx).
"""
import ctypes
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-forged-")
ARDIR = os.path.join(TMP, "ar")
REC = os.path.join(ARDIR, "ar_recorder")  # its log is REC.log, ours alone
CONF = os.path.join(TMP, "arx.conf")
LOG = os.path.join(TMP, "auth.log")
SOCK = os.path.join(TMP, "run", "control.sock")
RECLOG = REC + ".log"

CONF_TEXT = """<arx_config>
  <global><white_list>198.51.100.10</white_list></global>
  <command><name>rec</name><executable>{rec}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <command><name>other</name><executable>{rec}</executable></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>600</timeout></active-response>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{bin}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

PRIV_VERSION, READY, TRIGGER = 1, 1, 2
SYS_PIDFD_GETFD = 438
libc = ctypes.CDLL(None, use_errno=True)


def pstr(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b + b"\0"


def trigger(rule, srcip, user="", level=10, groups="sshd,",
            version=PRIV_VERSION):
    return (struct.pack("<IIIiI", version, TRIGGER, rule, level, 0) +
            pstr(groups) + pstr(srcip) + pstr(user) + pstr("/var/log/x") +
            pstr("") + pstr(""))


def response(command, address, action="add"):
    """A response request (as an agent's child relays its manager's):
    this arxd is no agent, so it must be refused."""
    return (struct.pack("<III", PRIV_VERSION, 4, 0) + pstr("") +
            pstr(command) + pstr(action) + pstr(address) +
            struct.pack("<QI", 600, 5712) + pstr(""))


def child_pid(arxd):
    path = "/proc/%d/task/%d/children" % (arxd.p.pid, arxd.p.pid)
    try:
        kids = open(path).read().split()
    except OSError:
        return None
    for k in kids:
        try:
            if "arxd" in open("/proc/%s/comm" % k).read():
                return int(k)
        except OSError:
            pass
    return None


def steal_socket(pid):
    """The child's end of the socketpair, copied into this process."""
    pidfd = os.pidfd_open(pid)
    try:
        for name in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, name))
            except OSError:
                continue
            if not link.startswith("socket:"):
                continue
            fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                continue
            s = socket.socket(fileno=fd)
            if s.type == socket.SOCK_SEQPACKET:
                return s
            s.close()
    finally:
        os.close(pidfd)
    raise RuntimeError("no SEQPACKET socket in child %d" % pid)


def recorded():
    try:
        return open(RECLOG).read()
    except OSError:
        return ""


class Stderr:
    """arxd's stderr, read without blocking as the test goes."""
    def __init__(self, p):
        self.p, self.text = p, ""
        os.set_blocking(p.stderr.fileno(), False)

    def has(self, s):
        try:
            chunk = self.p.stderr.read()
        except (OSError, TypeError):
            chunk = None
        if chunk:
            self.text += chunk
        return s in self.text


def forged_triggers(err, sock):
    cases = [
        ("shell text in the address",
         trigger(5712, "203.0.113.9; touch /tmp/arx-pwned"),
         "srcip '203.0.113.9; touch /tmp/arx-pwned' is not an address"),
        ("address with a leading zero",
         trigger(5712, "203.0.113.012"),
         "srcip '203.0.113.012' is not an address"),
        ("address with a port",
         trigger(5712, "203.0.113.9:22"),
         "srcip '203.0.113.9:22' is not an address"),
        ("user name that is an option",
         trigger(5712, "203.0.113.10", user="-oProxyCommand=sh"),
         "user name '-oProxyCommand=sh' refused"),
        ("white-listed address",
         trigger(5712, "198.51.100.10"),
         "response rec for 198.51.100.10 (rule 5712) skipped: white-listed"),
    ]
    for what, msg, logged in cases:
        sock.send(msg)
        expect(wait(lambda: err.has(logged)),
               "forged trigger (%s) refused and logged: %s" % (what, logged))
    sock.send(trigger(5999, "203.0.113.11"))
    sock.send(trigger(5712, "::ffff:203.0.113.13"))
    expect(wait(lambda: "203.0.113.13" in recorded()),
           "a trigger for a bound rule runs the configured command")
    time.sleep(0.5)
    rec = recorded()
    expect(rec.count("\n") >= 1 and "::ffff" not in rec and
           all(a not in rec for a in ("203.0.113.9", "203.0.113.10",
                                      "198.51.100.10", "203.0.113.11",
                                      "203.0.113.012", "arx-pwned")),
           "the recorder got the canonical address only: %r" % rec[:300])
    out = ctl(ARX, SOCK, "list").stdout
    expect("203.0.113.13" in out and "203.0.113.11" not in out and
           "203.0.113.9 " not in out, "arx list holds only the one block")
    expect(not os.path.exists("/tmp/arx-pwned"), "nothing ran the shell text")


def malformed(arxd, err):
    cases = [
        ("wrong version", trigger(5712, "203.0.113.20", version=2)),
        ("cut short", trigger(5712, "203.0.113.21")[:-3]),
        ("second READY", struct.pack("<II", PRIV_VERSION, READY)),
        ("a response request to a host that is no agent",
         response("rec", "203.0.113.30")),
    ]
    for n, (what, msg) in enumerate(cases, 1):
        old = child_pid(arxd)
        steal_socket(old).send(msg)
        expect(wait(lambda: err.has("") and
                    err.text.count("broke the protocol") >= n, 5),
               "malformed message (%s) logged as a protocol violation" % what)
        expect(wait(lambda: child_pid(arxd) not in (None, old), 20),
               "the child that sent it was killed and a new one started")
        # this case's restart, not an earlier one's (has() would be true
        # from the first restart on, and the next case would then go to
        # a child that is not ready yet, or not there)
        wait(lambda: err.text.count("analysis child started again") >= n,
             10)
    for line in err.text.splitlines():
        if "broke the protocol" in line:
            print("     arxd: " + line.strip())
    expect("203.0.113.2" not in recorded() and
           "203.0.113.30" not in recorded(), "no malformed trigger ran")


def real_attack_after(arxd):
    with open(LOG, "a") as f:
        for i in range(8):
            f.write("Nov 22 10:00:%02d vm sshd[%d]: Invalid user u%d from "
                    "192.0.2.66 port %d\n" % (i, 100 + i, i, 4000 + i))
    expect(wait(lambda: "192.0.2.66" in recorded(), 10),
           "the restarted child still turns an attack into a block")


def main():
    os.mkdir(ARDIR, 0o755)
    shutil.copy(os.path.join(BIN, "ar_recorder"), REC)
    open(LOG, "w").close()
    os.chmod(LOG, 0o644)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(rec=REC, log=LOG, src=SRC, tmp=TMP,
                                 bin=ARDIR, sock=SOCK))
    arxd = Arxd(ARXD, CONF, lambda: os.path.exists(SOCK))
    err = Stderr(arxd.p)
    expect(wait(lambda: child_pid(arxd) is not None and
                err.has("analysis child"), 10), "analysis child running")
    time.sleep(0.5)
    forged_triggers(err, steal_socket(child_pid(arxd)))
    malformed(arxd, err)
    real_attack_after(arxd)
    arxd.p.terminate()
    arxd.p.wait(timeout=30)


if __name__ == "__main__":
    finish("daemon forged requests", main, tmp=TMP)
