#!/usr/bin/env python3
"""A manager and an agent, two arxd on loopback.

The agent enrolls (arx agent enroll), follows its auth.log and sends
every line to the manager over TLS 1.3; the manager analyses them as its
own, under the location "(web01) 127.0.0.1->/path", and eight
invalid-user lines make rule 5712 fire there. While the manager is
stopped the agent keeps its lines; when the manager is back every one of
them arrives, exactly once. An agent removed with `arx agents remove` is
disconnected within seconds and refused afterwards; an agent holding a
wrong key never gets in. The manager's /metrics counts the agent as
active and its 8 lines as from agents. Needs root (the analysis children
run as arx).
"""
import json
import os
import signal
import shutil
import re
import socket
import subprocess
import sys
import time
import urllib.request

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-agents-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECURE, AUTH, FEED, METRICS = (free_port(), free_port(), free_port(),
                                free_port())
M, A, B = (os.path.join(TMP, d) for d in ("manager", "agent", "bad"))
# Two response programs (copies of the recorder), on both hosts: rec is
# bound with <location>local (the agent that saw the attack runs it),
# rec2 with <location>server (the manager runs it).
RESPONSES = """<command><name>rec</name><executable>rec</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <command><name>rec2</name><executable>rec2</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>60</timeout></active-response>
  <active-response><command>rec2</command><location>server</location>
    <rules_id>5712</rules_id><timeout>60</timeout></active-response>
  <command><name>rec3</name><executable>rec3</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <command><name>rec4</name><executable>rec4</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec3</command><location>defined-agent</location>
    <agent_id>001</agent_id><rules_id>5712</rules_id><timeout>600</timeout>
  </active-response>
  <active-response><command>rec4</command><location>defined-agent</location>
    <agent_id>001</agent_id><rules_id>5712</rules_id><timeout>1</timeout>
  </active-response>"""
RULESET = """<ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>""".format(src=SRC)
MANAGER = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <remote><connection>secure</connection><port>{secure}</port>
    <local_ip>127.0.0.1</local_ip></remote>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <auth><port>{auth}</port><local_ip>127.0.0.1</local_ip>
    <password_file>{d}/pass</password_file></auth>
  <feed><port>{feed}</port><local_ip>127.0.0.1</local_ip>
    <credentials_file>{d}/feed.cred</credentials_file></feed>
  <metrics><port>{metrics}</port></metrics>
  {responses}
  {ruleset}
  <daemon><node_name>manager</node_name><active_response_dir>{d}/ar
    </active_response_dir><state_dir>{d}/state</state_dir>
    <log_dir>{d}/log</log_dir><control_socket>{d}/run/control.sock
    </control_socket></daemon>
</arx_config>
"""
AGENT = """<arx_config>
  <client><server><address>127.0.0.1</address><port>{secure}</port>
    </server><notify_time>2</notify_time>
    <config-profile>edge, web</config-profile></client>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {responses}
  {ruleset}
  <daemon><node_name>web01</node_name><active_response_dir>{d}/ar
    </active_response_dir><state_dir>{d}/state</state_dir>
    <log_dir>{d}/log</log_dir><control_socket>{d}/run/control.sock
    </control_socket></daemon>
</arx_config>
"""


BAD_LINE = [0]  # where the invalid push's error is


def sock(d):
    return os.path.join(d, "run", "control.sock")


def stat(d, name):
    r = ctl(ARX, sock(d), "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def alerts(pattern):
    try:
        text = open(os.path.join(M, "log", "alerts.log")).read()
    except OSError:
        return []
    return re.findall(pattern, text)


def alerts_by_rule(pattern):
    """{rule id: [the pattern's group in each alert of that rule]}."""
    try:
        text = open(os.path.join(M, "log", "alerts.log")).read()
    except OSError:
        return {}
    out = {}
    for block in text.split("** Alert ")[1:]:
        rule = re.search(r"Rule: (\d+) ", block)
        got = re.search(pattern, block)
        if rule and got:
            out.setdefault(rule.group(1), []).append(got.group(1))
    return out


def recorded(d, prog):
    try:
        return open(os.path.join(d, "ar", prog + ".log")).read()
    except OSError:
        return ""


def feed(path, cred="fortigate:feed-secret"):
    """(status, body) of GET path on the manager's feed."""
    import base64
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", FEED, timeout=10)
    headers = {}
    if cred is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(
            cred.encode()).decode()
    try:
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        return r.status, r.read().decode()
    except OSError as e:
        return -1, str(e)
    finally:
        c.close()


class Capture:
    """Every TCP payload to or from port on the loopback interface, read
    from an AF_PACKET socket (what tcpdump would see)."""

    def __init__(self, port):
        import threading
        self.port, self.data, self.records = port, bytearray(), set()
        self.stop = False
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(0x0003))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.2)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        import struct as st
        while not self.stop:
            try:
                frame = self.sock.recv(65535)
            except OSError:
                continue
            if len(frame) < 34 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
            ihl = (ip[0] & 15) * 4
            if ip[9] != 6:
                continue
            tcp = ip[ihl:]
            sport, dport = st.unpack("!HH", tcp[:4])
            if self.port not in (sport, dport):
                continue
            payload = tcp[(tcp[12] >> 4) * 4:]
            if payload:
                self.data += payload
                self.records.add(payload[0])

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()


def setup():
    for d in (M, A, B):
        os.makedirs(os.path.join(d, "state"), mode=0o700)
        os.makedirs(os.path.join(d, "ar"), mode=0o755)
        os.chmod(d, 0o755)
        for prog in ("rec", "rec2", "rec3", "rec4"):
            shutil.copy(os.path.join(BIN, "ar_recorder"),
                        os.path.join(d, "ar", prog))
    with open(os.path.join(M, "pass"), "w") as f:
        f.write("enrollment secret\n")
    os.chmod(os.path.join(M, "pass"), 0o600)
    with open(os.path.join(M, "feed.cred"), "w") as f:
        f.write("fortigate:feed-secret\n")
    os.chmod(os.path.join(M, "feed.cred"), 0o600)
    with open(os.path.join(M, "arx.conf"), "w") as f:
        f.write(MANAGER.format(secure=SECURE, auth=AUTH, feed=FEED,
                               metrics=METRICS, d=M, ruleset=RULESET,
                               responses=RESPONSES))
    for d in (M, A, B):
        open(os.path.join(d, "auth.log"), "w").close()
        os.chmod(os.path.join(d, "auth.log"), 0o644)
    for d in (A, B):
        os.chmod(os.path.join(d, "auth.log"), 0o644)
        with open(os.path.join(d, "arx.conf"), "w") as f:
            f.write(AGENT.format(secure=SECURE, d=d, ruleset=RULESET,
                                 responses=RESPONSES))


def start(d):
    return Arxd(ARXD, os.path.join(d, "arx.conf"),
                lambda: ctl(ARX, sock(d), "status").returncode == 0)


def log_lines(d, start, n, fmt):
    with open(os.path.join(d, "auth.log"), "a") as f:
        for i in range(start, start + n):
            f.write(fmt % (i % 60, i, i, 4000 + i))


def main():
    setup()
    merr = []  # what each manager wrote to stderr
    m = start(M)
    r = subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                        str(AUTH), "-n", "web01", "-P",
                        os.path.join(M, "pass"), "-o",
                        os.path.join(A, "state", "agent.key")],
                       capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0, "the agent enrolled: " + r.stdout.strip())
    cap = Capture(SECURE)
    a = start(A)
    expect(wait(lambda: stat(M, "agents_connected") == 1, 10),
           "the agent is connected")
    log_lines(A, 0, 8, "Nov 22 10:00:%02d web01 sshd[%d]: Invalid user "
              "u%d from 192.0.2.66 port %d\n")
    expect(wait(lambda: alerts(r"Rule: 5712 "), 10),
           "eight invalid-user lines on the agent fire 5712 on the manager")
    expect(alerts(r"\(web01\) 127\.0\.0\.1->" + re.escape(A) +
                  r"/auth\.log"),
           "under the location (web01) 127.0.0.1->%s/auth.log" % A)
    expect(wait(lambda: stat(A, "uplink_acked") == 8, 10),
           "the manager acknowledged all 8")
    time.sleep(1)
    cap.close()
    expect(len(cap.data) > 1000 and b"Invalid user" not in cap.data and
           b"192.0.2.66" not in cap.data and b"auth.log" not in cap.data and
           b"web01" not in cap.data and 0x17 in cap.records,
           "captured on the wire: %d bytes of TLS records (types %s), no "
           "log text, address, file or agent name in the clear"
           % (len(cap.data), sorted(cap.records)))
    agents_seen = lambda: (json.loads(ctl(ARX, sock(M), "status", "--json")
                                      .stdout or "{}").get("agents") or [{}])
    expect(wait(lambda: agents_seen()[0].get("state") == "active" and
                agents_seen()[0].get("events") == 8 and
                agents_seen()[0].get("active_blocks") == 2, 10),
           "arx status on the manager lists the agent, active, 8 events, "
           "2 blocks still running there (rec 60 s, rec3 600 s; rec4's 1 s "
           "is over): %s" % agents_seen())
    scrape = lambda: urllib.request.urlopen(
        "http://127.0.0.1:%d/metrics" % METRICS, timeout=10).read().decode()
    want = ['arx_agents{state="never"} 0', 'arx_agents{state="active"} 1',
            'arx_agents{state="disconnected"} 0',
            'arx_source_lines_total{source="agents"} 8']
    expect(wait(lambda: all(w in scrape().splitlines() for w in want), 10),
           "/metrics on the manager: one agent active, 8 lines from agents "
           "(%s)" % [l for l in scrape().splitlines()
                     if "agents" in l and not l.startswith("#")])
    text = ctl(ARX, sock(M), "status").stdout
    expect(re.search(r"agent 001 web01 +active +last seen \d+s ago, 8 "
                     r"events, \d+/s, 2 active blocks", text) is not None,
           "and in text: %s" % [l for l in text.splitlines()
                                if l.startswith("agent ")])
    expect(wait(lambda: "192.0.2.66" in recorded(A, "rec"), 10),
           "location local: the agent that saw the attack blocked it "
           "(%r)" % recorded(A, "rec")[:80])
    expect(wait(lambda: "192.0.2.66" in recorded(M, "rec2"), 10),
           "location server: the manager ran its own response")
    time.sleep(1)
    expect(recorded(M, "rec") == "" and recorded(A, "rec2") == "",
           "and neither ran the other's")
    out = ctl(ARX, sock(A), "list").stdout
    expect("192.0.2.66" in out and "rec" in out,
           "the block is in the agent's own table (arx list)")

    # The blocklist feed: credentials required; lists what is blocked.
    expect(feed("/blocklist.txt", None)[0] == 401 and
           feed("/blocklist.txt", "fortigate:wrong")[0] == 401 and
           feed("/nothing")[0] == 404,
           "the feed refuses requests without the credentials")
    expect(wait(lambda: "192.0.2.66\n" in feed("/blocklist.txt")[1], 5),
           "the feed lists the blocked address: %r"
           % feed("/blocklist.txt")[1][:80])
    st, body = feed("/blocklist.json")
    expect(st == 200 and "192.0.2.66" in json.loads(body),
           "and as JSON: %s" % body[:80])
    ctl(ARX, sock(M), "block", "203.0.113.77", "-t", "2s", "-C", "rec2")
    expect(wait(lambda: "203.0.113.77" in feed("/blocklist.txt")[1], 5),
           "a block of 2 s appears in the feed")
    expect(wait(lambda: "203.0.113.77" not in feed("/blocklist.txt")[1],
                10), "and is gone from it once lifted")

    # agent.conf: the default group's file on the manager adds a log to
    # the agent; a block for another agent name is checked, not applied;
    # an invalid version is refused by the agent, which says why and
    # keeps the one before.
    shared = os.path.join(M, "shared", "default")
    os.makedirs(shared)
    os.chmod(os.path.join(M, "shared"), 0o755)
    os.chmod(shared, 0o755)
    for n in ("app.log", "db.log", "prof.log"):
        open(os.path.join(A, n), "w").close()
        os.chmod(os.path.join(A, n), 0o644)

    def push(text):
        tmp = os.path.join(shared, ".agent.conf")
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(shared, "agent.conf"))

    good = """<agent_config>
  <localfile><location>{a}/app.log</location>
    <only-future-events>no</only-future-events>
    <log_format>syslog</log_format></localfile>
</agent_config>
<agent_config name="db01">
  <localfile><location>{a}/db.log</location>
    <log_format>syslog</log_format></localfile>
</agent_config>
<agent_config profile="^web$" os="Linux">
  <localfile><location>{a}/prof.log</location>
    <log_format>syslog</log_format></localfile>
</agent_config>
<agent_config profile="mail">
  <localfile><location>{a}/db.log</location>
    <log_format>syslog</log_format></localfile>
</agent_config>
""".format(a=A)
    push(good)
    with open(os.path.join(A, "db.log"), "a") as f:
        f.write("Nov 22 10:04:00 web01 sshd[1]: Invalid user nodb from "
                "192.0.2.56 port 1\n")
    with open(os.path.join(A, "app.log"), "a") as f:
        for i in range(3):
            f.write("Nov 22 10:04:%02d web01 sshd[%d]: Invalid user app%d "
                    "from 192.0.2.57 port 22\n" % (i, i, i))
    expect(wait(lambda: len(alerts(r"Invalid user app\d ")) == 3, 10) and
           alerts(r"\(web01\) 127\.0\.0\.1->" + re.escape(A) +
                  r"/app\.log"),
           "lines of the pushed <localfile> reach the manager, under "
           "(web01) 127.0.0.1->%s/app.log" % A)
    expect(not alerts(r"Invalid user nodb "),
           "the block named db01 (and the one for profile mail) is not "
           "applied on web01")
    with open(os.path.join(A, "prof.log"), "a") as f:
        f.write("Nov 22 10:04:09 web01 sshd[7]: Invalid user prof from "
                "192.0.2.58 port 22\n")
    expect(wait(lambda: alerts(r"Invalid user prof "), 10),
           "the block for profile ^web$ on Linux is (its config-profile "
           "is 'edge, web')")
    BAD_LINE[0] = good.count("\n") + 1
    push(good + "<agent_config><active-response><disabled>yes</disabled>"
         "</active-response></agent_config>\n")
    expect(wait(lambda: agents_seen()[0].get("config") == "refused", 10),
           "an invalid push is refused by the agent: %s" % agents_seen())
    with open(os.path.join(A, "app.log"), "a") as f:
        f.write("Nov 22 10:05:00 web01 sshd[9]: Invalid user still from "
                "192.0.2.57 port 22\n")
    expect(wait(lambda: alerts(r"Invalid user still "), 10),
           "and the version before stays in force")
    push(good)
    expect(wait(lambda: agents_seen()[0].get("config") == "current", 10),
           "the good version again: current")

    # The agent away: defined-agent responses for it are kept; the one
    # whose block is over by its return (1 s) expires.
    a.stop()
    expect(wait(lambda: stat(M, "agents_connected") == 0, 10),
           "the agent is gone")
    expect(wait(lambda: agents_seen()[0].get("state") == "disconnected", 5),
           "and listed as disconnected")
    log_lines(M, 200, 8, "Nov 22 10:02:%02d manager sshd[%d]: Invalid user "
              "m%d from 192.0.2.99 port %d\n")
    expect(wait(lambda: stat(M, "responses_kept") == 2, 10),
           "defined-agent responses for the absent agent are kept")
    expect(wait(lambda: re.search(r"Rule: 608 .*\n(?:.*\n)*?.*arx-ar: rec4 "
                                  r"expired 192\.0\.2\.99",
                                  open(os.path.join(M, "log", "alerts.log"))
                                  .read()) is not None, 10),
           "the one of 1 s expires while the agent is away, raised as "
           "rule 608")
    merr.append(m.stop())
    saved = open(os.path.join(M, "state", "analysis", "remote.state")).read()
    expect(re.search(r"^pending 2 0*1 rec3 add 192\.0\.2\.99 600 ", saved,
                     re.M) is not None and "rec4" not in saved and
           "seen 1 " in saved,
           "the manager saved the other when it stopped (with the agent's "
           "last sequence number)")
    m = start(M)
    time.sleep(2)
    a = start(A)
    expect(wait(lambda: "192.0.2.99" in recorded(A, "rec3"), 15),
           "on its return the agent gets the one still due, from the "
           "manager started again meanwhile")
    expect("192.0.2.99" not in recorded(A, "rec4"),
           "and not the one whose block is over (expired)")

    acked = stat(A, "uplink_acked")
    merr.append(m.stop())
    log_lines(A, 100, 50, "Nov 22 10:01:%02d web01 sshd[%d]: Invalid user "
              "d%d from 192.0.2.77 port %d\n")
    time.sleep(3)
    expect(stat(A, "uplink_connected") == 0 and
           stat(A, "uplink_acked") == acked,
           "with the manager stopped, the agent keeps its 50 new lines")
    m = start(M)
    expect(wait(lambda: len(alerts(r"Invalid user d\d+ ")) >= 50, 90),
           "after the manager is back, the lines arrive")
    time.sleep(2)
    by_rule = alerts_by_rule(r"Invalid user (d\d+) ")
    got = [line for v in by_rule.values() for line in v]
    expect(len(got) == 50 and len(set(got)) == 50,
           "all 50, each exactly once: %d alerts, %d distinct lines (%s)"
           % (len(got), len(set(got)),
              {k: len(v) for k, v in by_rule.items()}))

    # The agent killed while its manager is away: its outbox brings the
    # lines back when it starts again.
    merr.append(m.stop())
    log_lines(A, 300, 20, "Nov 22 10:03:%02d web01 sshd[%d]: Invalid user "
              "k%d from 192.0.2.88 port %d\n")
    time.sleep(2)
    a.stop(signal.SIGKILL)
    a = start(A)
    m = start(M)
    expect(wait(lambda: len(set(alerts_by_rule(r"Invalid user (k\d+) ")
                                .get("5710", []) +
                                alerts_by_rule(r"Invalid user (k\d+) ")
                                .get("5712", []))) == 20, 30),
           "an agent killed with the manager away loses none of its lines")
    got = [x for v in alerts_by_rule(r"Invalid user (k\d+) ").values()
           for x in v]

    expect(len(got) == 20, "and sends each once (%d alerts)" % len(got))
    # The manager acknowledges on its 1 s check, not with the alert: wait
    # for the acknowledgement to empty the agent's outbox before stopping
    # it, or the next phase starts with these 20 still queued.
    outbox = os.path.join(A, "state", "analysis", "outbox")
    expect(wait(lambda: os.path.getsize(outbox) == 0, 10),
           "and the manager's acknowledgement empties the agent's outbox "
           "(%d bytes)" % os.path.getsize(outbox))

    # <client_buffer>: a queue of 10 events; with the manager away, 30
    # lines keep the newest 10 (the 20 oldest dropped and counted).
    a.stop()
    merr.append(m.stop())
    conf = open(os.path.join(A, "arx.conf")).read().replace(
        "</client>", "</client>\n  <client_buffer><queue_size>10"
        "</queue_size></client_buffer>")
    with open(os.path.join(A, "arx.conf"), "w") as f:
        f.write(conf)
    a = start(A)
    log_lines(A, 500, 30, "Nov 22 10:05:%02d web01 sshd[%d]: Invalid user "
              "q%d from 192.0.2.44 port %d\n")
    expect(wait(lambda: stat(A, "uplink_queued") == 30 and
                stat(A, "uplink_dropped") == 20, 10),
           "a queue of 10 keeps the newest lines: 30 taken, 20 dropped and "
           "counted (%d, %d)" % (stat(A, "uplink_queued"),
                                 stat(A, "uplink_dropped")))
    size = os.path.getsize(os.path.join(A, "state", "analysis", "outbox"))
    m = start(M)
    got = lambda: sorted(x for v in alerts_by_rule(
        r"Invalid user (q\d+) ").values() for x in v)
    expect(wait(lambda: got() == ["q%d" % i for i in range(520, 530)], 30),
           "the manager gets the newest 10, once each (%s); the outbox "
           "held %d bytes" % (got(), size))

    # A wrong key: the bad agent's key file holds agent 1 with other bytes.
    key = open(os.path.join(A, "state", "agent.key")).read().split()
    key[3] = "0" * 64
    with open(os.path.join(B, "state", "agent.key"), "w") as f:
        f.write(" ".join(key) + "\n")
    os.chmod(os.path.join(B, "state", "agent.key"), 0o600)
    b = start(B)
    time.sleep(3)
    expect(stat(B, "uplink_connected") == 0 and
           stat(M, "agents_connected") == 1,
           "an agent with a wrong key never gets in")
    b.stop()

    subprocess.run([ARX, "agents", "-c", os.path.join(M, "arx.conf"),
                    "remove", "web01"], capture_output=True, timeout=30)
    expect(wait(lambda: stat(M, "agents_connected") == 0, 10),
           "a removed agent is disconnected")
    time.sleep(3)
    expect(stat(A, "uplink_connected") == 0,
           "and refused when it tries again")
    err = m.stop()
    a.stop()
    expect("removed from the agent table" in err,
           "the manager said why it disconnected the agent")
    expect(re.search(r"agent web01 refused agent\.conf [0-9a-f]{12}: "
                     r"agent\.conf:%d: <active-response> cannot be set "
                     r"through agent\.conf" % BAD_LINE[0], "".join(merr))
           is not None,
           "the manager logged the agent's refusal with file:line: %s"
           % [l for l in "".join(merr).splitlines()
              if "refused agent.conf" in l])


if __name__ == "__main__":
    finish("agents", main, tmp=TMP)
