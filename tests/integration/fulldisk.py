#!/usr/bin/env python3
"""A full disk does not stop a block (issue 19): arxd with the built-in
nftables backend in a network namespace (netns.py), its state directory
(the block journal, the analysis child's positions) on a 64 KiB tmpfs
the test mounts on a scratch directory and fills up before the attack.

 (a) 3,000 invalid-user lines from 3,000 addresses: every address ends
     up in arx's nftables set (its batch goes to libnftables in memory, no file);
 (b) the journal's write error is logged a bounded number of times, once
     when it starts with its real cause (No space left on device), never
     once per record, and said once in active-responses.log (an
     arx-journal fail line, rule 605); `arx status` counts the records
     not written; the analysis child's positions, which cannot be saved
     either, are said once a minute with the cause, not every second;
 (c) space freed (the filler deleted and the tmpfs grown to 1 MiB: the
     3,000 records need some 240 KB): within the retry period the
     journal is rewritten from the table (an arx-journal recovered line, rule 606) and holds every
     block;
 (d) arxd killed (SIGKILL) and arx's table deleted from the kernel, a new
     arxd puts all 3,000 back from the journal.

Needs root, nftables and mount (tmpfs).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import wait
from netns import A, close, expect, failures, ns, setup

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = tempfile.mkdtemp(prefix="arx-fulldisk-")
os.chmod(TMP, 0o755)  # the analysis child (user arx) reads the log here
CONF = os.path.join(TMP, "arx.conf")
STATE = os.path.join(TMP, "state")
JOURNAL = os.path.join(STATE, "blocks.journal")
ARLOG = os.path.join(TMP, "log", "active-responses.log")
N = 3000
PROCS = []

CONF_TEXT = """<arx_config>
  <command><name>nft-drop</name><executable>builtin:nftables</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>nft-drop</command><location>local</location>
    <rules_id>5710</rules_id><timeout>1h</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""


def arx(*args):
    return subprocess.run([ARX, *args, "-c", CONF], capture_output=True,
                          text=True, timeout=60)


def elements():
    out = ns(A, "nft", "-j", "list", "set", "inet", "arx", "block6",
             check=False).stdout
    try:
        data = json.loads(out)["nftables"]
    except (ValueError, KeyError):
        return set()
    got = set()
    for item in data:
        for e in item.get("set", {}).get("elem", []):
            e = e.get("elem", e)
            got.add(e["val"] if isinstance(e, dict) else e)
    return got



def start(errpath):
    errf = open(errpath, "w+")
    p = subprocess.Popen(["ip", "netns", "exec", A, ARXD, "-f", "-c", CONF],
                         stderr=errf, text=True)
    PROCS.append(p)
    ok = wait(lambda: p.poll() is None and arx("status").returncode == 0,
              20)
    return p, errf, ok


def fill():
    """Fill the tmpfs; the filler's path, and the bytes left (0)."""
    path = os.path.join(STATE, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 512) > 0:
            pass
    except OSError:
        pass
    os.close(fd)
    st = os.statvfs(STATE)
    return path, st.f_bavail * st.f_bsize


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def attack():
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(os.path.join(TMP, "auth.log"), "a") as f:
        for k in range(N):
            f.write("%s vm sshd[%d]: Invalid user u from 2001:db8:9::%x "
                    "port 22\n" % (stamp, 100 + k % 900, k + 1))


def main():
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(tmp=TMP, src=SRC))
    open(os.path.join(TMP, "auth.log"), "w").close()
    os.chmod(os.path.join(TMP, "auth.log"), 0o644)
    os.makedirs(STATE)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755",
                    "tmpfs", STATE], check=True)
    setup()
    d, errf, ok = start(os.path.join(TMP, "arxd.err"))
    expect(ok, "arxd runs with builtin:nftables, its state on a 64 KiB "
           "tmpfs")
    filler, left = fill()
    expect(left == 0, "the tmpfs is full (%d bytes left)" % left)
    t0 = time.time()
    attack()
    got = wait(lambda: len(elements()) >= N, 120)
    expect(got, "(a) %d lines from %d addresses: %d elements in the set "
           "(%.1f s)" % (N, N, len(elements()), time.time() - t0))
    st = json.loads(arx("status", "--json").stdout)
    expect(st["journal"]["errors"] >= N - 200,
           "(b) arx status counts the journal records not written (%d)"
           % st["journal"]["errors"])
    errf.flush()
    err = read(errf.name)
    werr = re.findall(r".*blocks\.journal: cannot (?:write|rewrite).*", err)
    expect(1 <= len(werr) <= 3 and
           "No space left on device" in werr[0] and
           "blocks go on into the kernel" in werr[0],
           "(b) the journal's write error logged %d times (not once per "
           "record), with its cause: %s" % (len(werr), werr[:1]))
    # the child saves its positions once a second when they changed:
    # each save fails; the error is said once a minute, with its cause
    wait(lambda: "cannot save positions to" in read(errf.name), 10)
    time.sleep(3)  # three more saves that fail, said at most once
    perr = re.findall(r".*cannot save positions to .*", read(errf.name))
    expect(1 <= len(perr) <= 2 and "No space left on device" in perr[0],
           "(b) the positions file that cannot be saved is said once a "
           "minute with its cause, not at each second's save (%d: %s)"
           % (len(perr), perr[:1]))
    expect(not re.search(r"nftables: a batch of \d+ failed", err),
           "(a) no nft batch failed")
    expect(wait(lambda: "arx-journal fail - error " in read(ARLOG), 10) and
           read(ARLOG).count("arx-journal fail") == 1,
           "(b) one arx-journal fail line in active-responses.log (rule "
           "605)")
    # 3,000 records take some 240 KB, more than the whole 64 KiB: the
    # room made is the filler gone and the tmpfs grown to 1 MiB.
    os.unlink(filler)
    subprocess.run(["mount", "-o", "remount,size=1m", STATE], check=True)
    expect(wait(lambda: "arx-journal recovered" in read(ARLOG), 30),
           "(c) space freed: the journal is rewritten within the retry "
           "period (an arx-journal recovered line, rule 606)")
    adds = len(re.findall(r"^add nft-drop 2001:db8:9::", read(JOURNAL),
                          re.M))
    expect(adds == N, "(c) the journal holds every block (%d)" % adds)
    errf.flush()
    err = read(errf.name)
    expect("blocks.journal: rewritten whole, with" in err,
           "(c) the recovery is logged: %s"
           % re.findall(r".*rewritten whole.*", err)[:1])
    d.send_signal(signal.SIGKILL)
    d.wait(timeout=30)
    expect("Sanitizer" not in err, "no sanitizer report")
    ns(A, "nft", "delete", "table", "inet", "arx")
    expect(len(elements()) == 0, "(d) arxd killed, arx's table deleted")
    d, errf, ok = start(os.path.join(TMP, "arxd2.err"))
    expect(ok and wait(lambda: len(elements()) >= N, 60),
           "(d) a new arxd puts all %d blocks back from the journal (%d)"
           % (N, len(elements())))
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=60)
    expect("Sanitizer" not in read(errf.name), "no sanitizer report")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        close()
        subprocess.run(["umount", STATE], capture_output=True)
        if not os.environ.get("ARX_TEST_KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    print("fulldisk: %s" % ("all checks pass" if not failures
                            else "%d failed" % len(failures)))
    sys.exit(1 if failures else 0)
