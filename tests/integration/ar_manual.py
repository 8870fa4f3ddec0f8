#!/usr/bin/env python3
"""arx block and arx unblock answer with the program's result (issue 18,
item 6): arxd as root with the recorder as its response programs.

- `arx block` returns once the add ran: exit 0, and the program already
  has the add when the command returns; a block of an address already
  blocked (an extension: nothing runs) returns at once.
- A program that fails: exit 1 and its error on stderr, the program's
  own text (its stderr) included, on one line; arxd logs it on one line
  too (no literal \\n).
- A program killed at its <exec_timeout>: exit 1, "killed at its time
  limit".
- `arx unblock` returns once the delete ran: exit 0, the delete is there.
- `--json` answers carry the same verdict.
- `arx unblock --all` lifts every block and returns once the deletes
  ran; the bare word `all` is refused.
"""
import json
import os
import sys
import time

from harness import recorder_dir, Arxd, ctl, expect, finish, scratch

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-manual-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
ARDIR = os.path.join(TMP, "ar")
REC_LOG = os.path.join(ARDIR, "recorder.log")

CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <command><name>failing</name><executable>recorder</executable>
    <extra_args>fail</extra_args><timeout_allowed>yes</timeout_allowed>
  </command>
  <command><name>hung</name><executable>recorder</executable>
    <extra_args>hang</extra_args><exec_timeout>1</exec_timeout>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <active-response><command>failing</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <active-response><command>hung</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def arx(*args):
    return ctl(ARX, SOCK, *args)


def recorded():
    try:
        return open(REC_LOG).read()
    except FileNotFoundError:
        return ""


def main():
    recorder_dir(BIN, ARDIR)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(src=SRC, ardir=ARDIR, tmp=TMP, sock=SOCK))
    d = Arxd(ARXD, CONF, lambda: arx("status").returncode == 0)

    r = arx("block", "192.0.2.81", "-C", "rec")
    expect(r.returncode == 0 and r.stdout == "blocked 192.0.2.81\n" and
           "IN:add 192.0.2.81" in recorded(),
           "arx block returns 0 once the add ran (%r %r)" % (r.stdout,
                                                             r.stderr))
    t0 = time.time()
    r = arx("block", "192.0.2.81", "-C", "rec")
    expect(r.returncode == 0 and time.time() - t0 < 2 and
           recorded().count("IN:add 192.0.2.81") == 1,
           "blocking it again extends it at once, nothing runs")

    r = arx("block", "192.0.2.82", "-C", "failing")
    expect(r.returncode == 1 and
           "failing add 192.0.2.82 failed: exited with an error: "
           "IN:add 192.0.2.82" in r.stderr and r.stderr.count("\n") == 1,
           "a failing program: exit 1, its error and its own text on one "
           "line (%r)" % r.stderr)
    r = arx("block", "192.0.2.84", "-C", "failing", "--json")
    ans = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    expect(r.returncode == 1 and ans.get("ok") is False and
           "exited with an error" in ans.get("error", ""),
           "--json: ok false and the error (%r)" % r.stdout)
    t0 = time.time()
    r = arx("block", "192.0.2.83", "-C", "hung")
    expect(r.returncode == 1 and "killed at its time limit" in r.stderr and
           time.time() - t0 < 10,
           "a program that hangs: exit 1 once it is killed at its limit "
           "(%r)" % r.stderr)
    listed = json.loads(arx("list", "--json").stdout)["blocks"]
    expect([b["address"] for b in listed] == ["192.0.2.81"],
           "the failed blocks are not left in the table (%s)" %
           [b["address"] for b in listed])

    r = arx("unblock", "192.0.2.81")
    expect(r.returncode == 0 and
           r.stdout == "unblocked 192.0.2.81 (1 block lifted)\n" and
           "IN:delete 192.0.2.81" in recorded(),
           "arx unblock returns 0 once the delete ran (%r)" % r.stdout)
    for ip in ("192.0.2.85", "192.0.2.86", "2001:db8::87"):
        arx("block", ip, "-C", "rec")
    r = arx("unblock", "all")
    expect(r.returncode == 64, "arx unblock all (a word, not --all) is "
           "refused: 64")
    r = arx("unblock", "--all")
    expect(r.returncode == 0 and
           r.stdout == "unblocked all (3 blocks lifted)\n" and
           all("IN:delete " + ip in recorded() for ip in (
               "192.0.2.85", "192.0.2.86", "2001:db8::87")) and
           json.loads(arx("list", "--json").stdout)["blocks"] == [],
           "arx unblock --all lifts every block once their deletes ran "
           "(%r)" % r.stdout)
    err = d.stop()
    fails = [l for l in err.splitlines() if "failed:" in l]
    expect(fails != [] and all("\\n" not in l for l in fails),
           "arxd logs a program's error on one line, without a literal "
           "\\n (%s)" % fails[:1])


if __name__ == "__main__":
    finish("ar.manual", main, TMP)
