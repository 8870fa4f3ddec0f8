#!/usr/bin/env python3
"""arxd reading a log file for real, with arx's own ruleset and the
recorder as its response program (no firewall: that is ar_daemon.py).

Eight invalid-user lines from 192.0.2.66 make rule 5712 fire once: the
alert is in alerts.log and alerts.json, the address is blocked (arx list)
and the recorder got the add with the alert's id. A file that appears
after the start is read; after a restart nothing is read twice and the
lines written while arxd was down are read; rotation by rename (lines
written to the old file after the rename included) and copytruncate lose
no line. alerts.log renamed without a reload (logrotate with no
postrotate): the next alert goes into the new file. Needs no root.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from harness import PROCS, expect, finish, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, REC = (os.path.join(BIN, n) for n in ("arxd", "arx", "ar_recorder"))
TMP = tempfile.mkdtemp(prefix="arx-logs-")
os.chmod(TMP, 0o755)  # the analysis child (user arx) reads the logs here
CONF = os.path.join(TMP, "arx.conf")
LOG = os.path.join(TMP, "auth.log")

CONF_TEXT = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <command><name>{cmd}</name><executable>{rec}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>{cmd}</command><location>local</location>
    <rules_id>5712</rules_id><timeout>{timeout}</timeout></active-response>{extra}
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <remote><connection>syslog</connection><protocol>udp,tcp</protocol>
    <port>{port}</port><local_ip>127.0.0.1</local_ip></remote>
  <remote><connection>syslog</connection>
    <socket>{tmp}/syslog.sock</socket></remote>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()


def write_conf(timeout="1h", extra="", cmd="rec"):
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(ardir=BIN, rec=REC, log=LOG, src=SRC, tmp=TMP,
                                 timeout=timeout, extra=extra, cmd=cmd,
                                 port=PORT))


write_conf()


def arx(*args):
    sock = os.path.join(TMP, "run", "control.sock")
    return subprocess.run([ARX, *args, "-s", sock], capture_output=True,
                          text=True, timeout=30)


class Daemon:
    def __init__(self):
        self.p = subprocess.Popen([ARXD, "-f", "-c", CONF],
                                  stderr=subprocess.PIPE, text=True)
        PROCS.append(self.p)
        for _ in range(100):
            if self.p.poll() is None and arx("status").returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError("arxd did not start: " + self.stop())

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.communicate(timeout=40)[1]


N = [0]


def lines(path, n, fmt="Invalid user guest{i} from {ip} port {port}",
          ip="192.0.2.66", mode="a"):
    with open(path, mode) as f:
        for _ in range(n):
            N[0] += 1
            stamp = time.strftime("%b %e %H:%M:%S")
            f.write("%s vm sshd[%d]: %s\n" % (stamp, 1000 + N[0], fmt.format(
                i=N[0], ip=ip, port=40000 + N[0])))


def listed():
    r = arx("list", "--json")
    return json.loads(r.stdout)["blocks"] if r.returncode == 0 else None


def alerts(rule):
    """Alerts of rule in alerts.log and in alerts.log.1 (rotated)."""
    text = ""
    for name in ("alerts.log.1", "alerts.log"):
        try:
            text += open(os.path.join(TMP, "log", name)).read()
        except FileNotFoundError:
            pass
    return text.count("Rule: %d " % rule)


def read_lines():
    """Lines arxd read, from its status (sshd lines make rule 5710)."""
    return alerts(5710)


def analysis_stat(name):
    r = arx("status", "--json")
    return json.loads(r.stdout)["analysis"][name] if r.returncode == 0 else -1


def child_pids(d):
    """arxd's analysis child (its other children are response programs,
    which run as root for their short while)."""
    try:
        t = open("/proc/%d/task/%d/children" % (d.p.pid, d.p.pid)).read()
    except FileNotFoundError:
        return []
    kids = []
    for k in t.split():
        try:
            if os.readlink("/proc/%s/exe" % k) == os.readlink(
                    "/proc/%d/exe" % d.p.pid):
                kids.append(int(k))
        except FileNotFoundError:
            pass
    return kids


def check_child_restart(d):
    """A dead analysis child is started again; the lines it had saved
    its position for are not read twice."""
    def saved():  # positions are saved once a second: wait for ours
        try:
            text = open(os.path.join(TMP, "state", "analysis",
                                     "positions")).read()
        except FileNotFoundError:
            return False
        return any(l.endswith(" " + LOG) and
                   int(l.split()[2]) == os.path.getsize(LOG)
                   for l in text.splitlines())
    expect(wait(saved, 10), "the child saved its position")
    old = child_pids(d)
    os.kill(old[0], signal.SIGKILL)
    expect(wait(lambda: child_pids(d) not in ([], old), 10) and
           wait(lambda: analysis_stat("files") == 1),
           "a killed analysis child is started again")
    expect(alerts(5712) == 1, "and reads nothing twice")


def check_privsep(d):
    """As root, the log-reading child runs as user arx, the parent as
    root, and the child cannot become root again."""
    kids = child_pids(d)
    uids = {}
    for k in kids:
        for line in open("/proc/%d/status" % k):
            if line.startswith(("Uid:", "NoNewPrivs:")):
                uids.setdefault(k, []).append(line.split()[1:])
    if os.geteuid() != 0:
        print("skip privilege separation check: not root")
        return
    import pwd
    arx_uid = str(pwd.getpwnam("arx").pw_uid)
    expect(len(kids) == 1 and uids[kids[0]][0] == [arx_uid] * 4 and
           uids[kids[0]][1] == ["1"],
           "the analysis child runs as arx (all four uids), no new "
           "privileges (%s)" % uids)


def main():
    d = Daemon()
    lines(LOG, 8, mode="w")  # the file appears after the start
    expect(wait(lambda: alerts(5712) == 1), "rule 5712 fired once")
    blocks = json.loads(arx("list", "--json").stdout)["blocks"]
    expect([b["address"] for b in blocks] == ["192.0.2.66"],
           "192.0.2.66 is blocked (%s)" % blocks)
    js = [json.loads(l) for l in open(os.path.join(TMP, "log", "alerts.json"))]
    a5712 = [a for a in js if a["rule"]["id"] == "5712"]
    expect(len(a5712) == 1 and a5712[0]["data"]["srcip"] == "192.0.2.66",
           "alerts.json has the 5712 alert with its srcip")
    check_privsep(d)
    expect(wait(lambda: analysis_stat("fired") >= 1 and
                analysis_stat("lines") >= 8),
           "arx status counts the analysis: lines, fired rules (%s)" %
           json.loads(arx("status", "--json").stdout).get("analysis"))
    check_child_restart(d)
    expect(wait(lambda: ("rule 5712 alert %s" % a5712[0]["id"]) in
                open(os.path.join(TMP, "log", "active-responses.log")).read()),
           "active-responses.log names the rule and the alert id")
    # Syslog over UDP (a <remote> syslog listener): same rules, same block.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        for i in range(8):
            u.sendto(("<38>%s relay sshd[77%d]: Invalid user u%d from "
                      "203.0.113.80 port 4%d\n" % (time.strftime("%b %e %H:%M:%S"),
                                                  i, i, i)).encode(),
                     ("127.0.0.1", PORT))
    expect(wait(lambda: alerts(5712) == 2 and
                "203.0.113.80" in [b["address"] for b in (listed() or [])]),
           "syslog over UDP: rule 5712 fires and 203.0.113.80 is blocked")
    with socket.create_connection(("127.0.0.1", PORT)) as c:
        for i in range(8):
            msg = ("<38>%s relay sshd[88%d]: Invalid user t%d from "
                   "203.0.113.81 port 5%d\n" % (time.strftime("%b %e %H:%M:%S"),
                                                i, i, i)).encode()
            c.sendall(b"%d %s" % (len(msg), msg))
    expect(wait(lambda: alerts(5712) == 3 and
                "203.0.113.81" in [b["address"] for b in (listed() or [])]),
           "syslog over TCP (octet counting): 5712 fires and "
           "203.0.113.81 is blocked")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as u:
        for i in range(8):
            u.sendto(("<38>%s sshd[66%d]: Invalid user x%d from 203.0.113.82 "
                      "port 6%d" % (time.strftime("%b %e %H:%M:%S"), i, i, i)
                      ).encode(), os.path.join(TMP, "syslog.sock"))
    expect(wait(lambda: alerts(5712) == 4 and
                "203.0.113.82" in [b["address"] for b in (listed() or [])]),
           "syslog on a Unix datagram socket: 5712 fires and 203.0.113.82 "
           "is blocked")
    d.stop()
    base = read_lines()
    lines(LOG, 3, ip="198.51.100.7")  # written while arxd is down
    d = Daemon()
    expect(wait(lambda: read_lines() == base + 3),
           "after a restart: the 3 lines written meanwhile, nothing twice "
           "(%d)" % (read_lines() - base))
    os.rename(LOG, LOG + ".1")
    lines(LOG + ".1", 2, ip="198.51.100.8")  # the writer is still on it
    lines(LOG, 2, ip="198.51.100.9", mode="w")
    expect(wait(lambda: read_lines() == base + 7),
           "rotation by rename: the old file's last lines and the new "
           "file's (%d of 4)" % (read_lines() - base - 3))
    time.sleep(0.3)
    with open(LOG, "w") as f:  # copytruncate, written again at once
        pass
    lines(LOG, 1, ip="198.51.100.10")
    expect(wait(lambda: read_lines() == base + 8),
           "copytruncate: the line after the truncation is read")
    # logrotate without a postrotate reload: alerts.log renamed and a
    # new one made; the next alert goes into the new file, none twice
    al = os.path.join(TMP, "log", "alerts.log")
    os.rename(al, al + ".1")
    open(al, "w").close()
    time.sleep(2.5)  # a look at the alert files (every 2 s)
    lines(LOG, 1, ip="198.51.100.11")
    expect(wait(lambda: "198.51.100.11" in open(al).read(), 10) and
           read_lines() == base + 9,
           "alerts.log rotated without a reload: the next alert is in the "
           "new file, and nothing was read twice (%d)" % (read_lines() - base))

    # SIGHUP: a bad configuration is refused and the old one runs on.
    write_conf(extra="<bogus/>")
    d.p.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    expect(d.p.poll() is None and arx("status").returncode == 0,
           "a bad configuration on SIGHUP: arxd runs on")
    # A good one is taken whole; blocks and positions carry over.
    write_conf(timeout="2h")
    d.p.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    blocks = json.loads(arx("list", "--json").stdout)["blocks"]
    expect(sorted(b["address"] for b in blocks) == ["192.0.2.66",
                                                    "203.0.113.80",
                                                    "203.0.113.81",
                                                    "203.0.113.82"],
           "after the reload the blocks are still listed")
    lines(LOG, 8, ip="192.0.2.77")
    expect(wait(lambda: alerts(5712) == 5), "rule 5712 fires for a new attacker")
    blocks = {b["address"]: b for b in
              json.loads(arx("list", "--json").stdout)["blocks"]}
    expect("192.0.2.77" in blocks and
           blocks["192.0.2.77"]["remaining_s"] > 3600,
           "the new block has the reloaded timeout (2h)")
    # 8 more lines: 7 single alerts (5710) and the 8th is 5712.
    expect(read_lines() == base + 16, "the reload read no line twice")
    # A command that goes away takes its blocks with it (lifted first).
    write_conf(cmd="rec2")
    d.p.send_signal(signal.SIGHUP)
    expect(wait(lambda: listed() == [] and "rec delete 192.0.2.77" in
                open(os.path.join(TMP, "log", "active-responses.log")).read()),
           "reload without the command: its blocks are lifted")
    err = d.stop()
    expect("reload refused" in err and "bogus" in err,
           "the refused reload said why")
    expect("configuration reloaded" in err, "the good reload was logged")
    expect("Sanitizer" not in err, "arxd exited clean (no sanitizer report)")
    expect(alerts(5712) == 5, "no alert was written twice")

    # arxd -i: log lines from standard input too; it runs on after EOF.
    p = subprocess.Popen([ARXD, "-f", "-i", "-c", CONF], text=True,
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    PROCS.append(p)
    wait(lambda: arx("status").returncode == 0)
    for i in range(8):
        p.stdin.write("%s vm sshd[9%d]: Invalid user in%d from 198.51.100.50 "
                      "port 3%d\n" % (time.strftime("%b %e %H:%M:%S"), i, i, i))
    p.stdin.close()
    expect(wait(lambda: alerts(5712) == 6 and "198.51.100.50" in
                [b["address"] for b in (listed() or [])]),
           "arxd -i: lines from standard input fire 5712 and block")
    time.sleep(0.2)
    expect(p.poll() is None, "arxd -i runs on after standard input ends")
    p.send_signal(signal.SIGTERM)
    err = p.stderr.read()
    p.wait(timeout=40)
    expect(p.returncode == 0 and "Sanitizer" not in err,
           "arxd -i stops cleanly")


finish("daemon.logs", main, TMP)
