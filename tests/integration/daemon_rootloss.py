#!/usr/bin/env python3
"""No line is skipped when the root process is gone (issue 19, item 2).

arxd as root with the recorder as its response program reads a log. The
root process is paused (SIGSTOP) and 100 attackers write 8 invalid-user
lines each: the analysis child reads them and sends their triggers,
which the paused root process does not take. Then the root process is
killed (SIGKILL): its child goes with it, and the triggers in the socket
with them. Saved positions only ever cover lines whose triggers the root
process had taken, so after a restart the lines are read again and every
attacker is blocked (the trial this reproduces lost all of them: the
child had saved its positions at the end of the file).
"""
import json
import os
import signal
import sys
import time

from harness import recorder_dir, Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-rootloss-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
ARDIR = os.path.join(TMP, "ar")
LOG = os.path.join(TMP, "auth.log")
N = 100

CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def start():
    return Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0)


def blocked():
    r = ctl(ARX, SOCK, "list", "--json")
    return {b["address"] for b in json.loads(r.stdout)["blocks"]} \
        if r.returncode == 0 else set()


def analysis_stat(name):
    r = ctl(ARX, SOCK, "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def attackers():
    return {"198.51.100.%d" % (i + 1) for i in range(N)}


def main():
    recorder_dir(BIN, ARDIR)
    open(LOG, "w").close()
    os.chmod(LOG, 0o644)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(src=SRC, ardir=ARDIR, tmp=TMP, sock=SOCK,
                                 log=LOG))
    d = start()
    # the child follows the log (it reported files 1): its starting
    # position is saved, so what is written next is never history
    expect(wait(lambda: analysis_stat("files") >= 1, 10),
           "arxd follows the log")
    os.kill(d.p.pid, signal.SIGSTOP)
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(LOG, "a") as f:
        pid = 1000
        for ip in sorted(attackers()):
            for k in range(8):
                pid += 1
                f.write("%s vm sshd[%d]: Invalid user u%d from %s port %d\n"
                        % (stamp, pid, k, ip, 40000 + k))
    time.sleep(4)  # the child read them all and ticked a few times
    os.kill(d.p.pid, signal.SIGKILL)
    d.p.wait(timeout=10)
    time.sleep(1)
    d = start()
    ok = wait(lambda: blocked() >= attackers(), 30)
    if not ok:
        print(d.stop()[-3000:])
        print(open(LOG).read()[:200])
    expect(ok,
           "after the root process was paused, then killed, and arxd "
           "started again, all %d attackers are blocked (%d)" % (
               N, len(blocked() & attackers())))
    by_rule = ctl(ARX, SOCK, "list", "--json", "--rule", "5712")
    other = ctl(ARX, SOCK, "list", "--json", "-r", "5763", "-C", "rec")
    expect({b["address"] for b in json.loads(by_rule.stdout)["blocks"]}
           == attackers() and json.loads(other.stdout)["blocks"] == [],
           "arx list --rule 5712 lists them, --rule 5763 none")
    d.stop()


if __name__ == "__main__":
    finish("daemon.rootloss", main, TMP)
