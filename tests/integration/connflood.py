#!/usr/bin/env python3
"""A manager under a flood of connections (issue 19, item 4).

In a network namespace of its own (unshare -n), with 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24 on its loopback, the test runs a
manager (<remote> secure, <auth>, <feed>, syslog over TCP) and one
agent, then for about 20 s holds 1,000 idle connections to the agent
port from 200 source addresses (reopened as the manager closes them)
and opens 20 idle connections a second to each of the agent port,
enrollment, the feed and syslog over TCP (a slowloris). Meanwhile:

  - the agent, restarted, is connected again within 5 s;
  - a second agent enrolls;
  - every feed request is served (20 of 20), and a syslog line over TCP
    is analysed;
  - one source never holds more than <max_per_source> connections
    before HELLO;
  - refusals are logged once a second at most, with how many were not.

After it the process that accepts (the analysis child) holds only the
agent's connection again within a few seconds, and its resident memory
is back within 4 MiB of what it was before the flood. Needs root.
"""
import base64
import http.client
import json
import os
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

if os.environ.get("ARX_CONNFLOOD_NS") != "1":
    os.environ["ARX_CONNFLOOD_NS"] = "1"
    os.execvp("unshare", ["unshare", "-n", sys.executable, *sys.argv])

from harness import Arxd, ctl, expect, finish, scratch, wait  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-connflood-")
M, A = (os.path.join(TMP, d) for d in ("manager", "agent"))
SECURE, AUTH, FEED, SYSLOG = 1514, 1515, 8080, 6514
IDLE, RATE, FLOOD_S, PER_SOURCE = 1000, 20, 20, 8
# ASan (make check) keeps freed memory unless told: the figures must be
# arx's own.
ENV = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:detect_leaks=0:"
           "allocator_release_to_os_interval_ms=100")

RULESET = """<ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>""".format(src=SRC)
DAEMON = """<daemon><node_name>{name}</node_name><state_dir>{d}/state
    </state_dir><log_dir>{d}/log</log_dir><control_socket>{d}/run/control.sock
    </control_socket></daemon>"""
MANAGER = """<arx_config>
  <alerts><log_alert_level>1</log_alert_level></alerts>
  <remote><connection>secure</connection><port>{secure}</port>
    <max_per_source>{per}</max_per_source></remote>
  <remote><connection>syslog</connection><protocol>tcp</protocol>
    <port>{syslog}</port><allowed-ips>0.0.0.0/0</allowed-ips></remote>
  <auth><port>{auth}</port><password_file>{d}/pass</password_file></auth>
  <feed><port>{feed}</port><credentials_file>{d}/feed.cred
    </credentials_file></feed>
  {ruleset}
  {daemon}
</arx_config>
"""
AGENT = """<arx_config>
  <client><server><address>127.0.0.1</address><port>{secure}</port>
    </server><notify_time>2</notify_time></client>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {ruleset}
  {daemon}
</arx_config>
"""


def sh(*argv):
    subprocess.run(argv, check=True)


def sources():
    """200 attacker addresses: 192.0.2.10-79, 198.51.100.10-79,
    203.0.113.10-69."""
    out = ["192.0.2.%d" % i for i in range(10, 80)]
    out += ["198.51.100.%d" % i for i in range(10, 80)]
    return out + ["203.0.113.%d" % i for i in range(10, 70)]


def setup():
    sh("ip", "link", "set", "lo", "up")
    for net in ("192.0.2.1/24", "198.51.100.1/24", "203.0.113.1/24"):
        sh("ip", "addr", "add", net, "dev", "lo")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for d in (M, A):
        os.makedirs(os.path.join(d, "state"), mode=0o700)
        os.chmod(d, 0o755)
        open(os.path.join(d, "auth.log"), "w").close()
        os.chmod(os.path.join(d, "auth.log"), 0o644)
    for name, text in (("pass", "flood secret\n"),
                       ("feed.cred", "fw:feed-secret\n")):
        with open(os.path.join(M, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(M, name), 0o600)
    with open(os.path.join(M, "arx.conf"), "w") as f:
        f.write(MANAGER.format(secure=SECURE, auth=AUTH, feed=FEED,
                               syslog=SYSLOG, per=PER_SOURCE, d=M,
                               ruleset=RULESET,
                               daemon=DAEMON.format(name="manager", d=M)))
    with open(os.path.join(A, "arx.conf"), "w") as f:
        f.write(AGENT.format(secure=SECURE, d=A, ruleset=RULESET,
                             daemon=DAEMON.format(name="web01", d=A)))


def sock(d):
    return os.path.join(d, "run", "control.sock")


def stat(d, name):
    r = ctl(ARX, sock(d), "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def start(d):
    return Arxd(ARXD, os.path.join(d, "arx.conf"),
                lambda: ctl(ARX, sock(d), "status").returncode == 0,
                env=ENV)


def enroll(name, out):
    return subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                           str(AUTH), "-n", name, "-P",
                           os.path.join(M, "pass"), "-o", out],
                          capture_output=True, text=True, timeout=30)


def acceptor():
    """The pid of the process listening on the agent port."""
    out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % SECURE],
                         capture_output=True, text=True).stdout
    return int(re.search(r"pid=(\d+)", out).group(1))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def held(port, src=None):
    """Connections the manager holds on port (from src)."""
    q = "sport = :%d" % port + (" and dst %s" % src if src else "")
    out = subprocess.run(["ss", "-Htn", "state", "established", q],
                         capture_output=True, text=True).stdout
    return len(out.splitlines())


def feed_get():
    c = http.client.HTTPConnection("127.0.0.1", FEED, timeout=5)
    auth = base64.b64encode(b"fw:feed-secret").decode()
    try:
        c.request("GET", "/blocklist.txt",
                  headers={"Authorization": "Basic " + auth})
        return c.getresponse().status
    except OSError:
        return -1
    finally:
        c.close()


class Flood:
    """IDLE connections to the agent port held from sources() (opened
    again when the manager closes one), and RATE new idle connections a
    second to each port of slow (a byte sent, then nothing)."""

    def __init__(self, slow):
        self.sel = selectors.DefaultSelector()
        self.srcs, self.slow, self.stop = sources(), slow, False
        self.opened = self.closed_by_peer = self.slowloris = 0
        self.idle = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def open(self, src, port, first=b""):
        s = socket.socket()
        try:
            s.bind((src, 0))
            if first:  # a slowloris: connected, one byte, then nothing
                s.settimeout(0.5)
                s.connect(("192.0.2.1", port))
                s.send(first)
            s.setblocking(False)
            if not first:
                s.connect_ex(("192.0.2.1", port))
        except OSError:
            s.close()
            return
        self.sel.register(s, selectors.EVENT_READ, (port, first))
        self.opened += 1
        if not first:
            self.idle += 1

    def refill(self, n):
        for i in range(n):
            if self.idle >= IDLE:
                return
            self.open(self.srcs[self.opened % len(self.srcs)], SECURE)

    def drain(self):
        for key, _ in self.sel.select(0.01):
            port, first = key.data
            try:
                data = key.fileobj.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                continue
            self.sel.unregister(key.fileobj)
            key.fileobj.close()
            self.closed_by_peer += 1
            if not first:
                self.idle -= 1

    def run(self):
        next_slow, k = time.time(), 0
        while not self.stop:
            self.refill(200)
            now = time.time()
            if now >= next_slow:
                next_slow += 1.0 / RATE
                for port, first in self.slow:
                    self.open("203.0.113.%d" % (100 + k % 100), port, first)
                    self.slowloris += 1
                k += 1
            self.drain()

    def close(self):
        self.stop = True
        self.t.join(5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


def send_syslog(line):
    with socket.create_connection(("127.0.0.1", SYSLOG), timeout=5) as s:
        s.sendall(line.encode())


def during_flood(m, a, flood):
    """The checks while the flood runs; returns the agent's arxd."""
    a.stop()
    expect(wait(lambda: stat(M, "agents_connected") == 0, 10),
           "the agent, stopped, is gone")
    t0 = time.time()
    a = start(A)
    ok = wait(lambda: stat(M, "agents_connected") == 1, 10)
    expect(ok and time.time() - t0 < 5,
           "the restarted agent is connected again in %.1f s "
           "(under the flood)" % (time.time() - t0))
    r = enroll("web02", os.path.join(TMP, "web02.key"))
    expect(r.returncode == 0, "a second agent enrolls under the flood: " +
           (r.stdout + r.stderr).strip()[:200])
    served = 0
    for _ in range(20):
        served += feed_get() == 200
        time.sleep(0.2)
    expect(served == 20, "the feed served %d of 20 requests" % served)
    send_syslog("Nov 22 10:00:00 edge sshd[1]: Invalid user flood from "
                "192.0.2.200 port 4242\n")
    expect(wait(lambda: stat(M, "syslog_messages") >= 1, 5),
           "a syslog line over TCP is analysed")
    burst = []
    for _ in range(3 * PER_SOURCE):
        s = socket.socket()
        s.bind(("192.0.2.250", 0))
        s.connect(("192.0.2.1", SECURE))
        burst.append(s)
    time.sleep(0.5)
    most = held(SECURE, "192.0.2.250")
    expect(most == PER_SOURCE,
           "one address opening %d connections holds %d (limit %d)"
           % (len(burst), most, PER_SOURCE))
    for s in burst:
        s.close()
    return a


def main():
    setup()
    m = start(M)
    r = enroll("web01", os.path.join(A, "state", "agent.key"))
    expect(r.returncode == 0, "the agent enrolled")
    a = start(A)
    expect(wait(lambda: stat(M, "agents_connected") == 1, 10),
           "the agent is connected")
    pid = acceptor()
    time.sleep(2)
    before = rss_kib(pid)
    t0 = time.time()
    flood = Flood([(SECURE, b"\x16"), (AUTH, b"\x16"), (FEED, b"G"),
                   (SYSLOG, b"<")])
    expect(wait(lambda: flood.idle >= IDLE, 15),
           "the flood holds %d connections to the agent port" % IDLE)
    time.sleep(1.5)  # and, without limits, every slot of the agent port
    print("the manager holds %d connections on the agent port"
          % held(SECURE))
    a = during_flood(m, a, flood)
    peak = rss_kib(pid)
    while time.time() - t0 < FLOOD_S:
        peak = max(peak, rss_kib(pid))
        time.sleep(0.5)
    flood.close()
    print("flood: %d connections opened in %.0f s, %d closed by the "
          "manager, %d slowloris" % (flood.opened, time.time() - t0,
                                     flood.closed_by_peer, flood.slowloris))
    expect(wait(lambda: held(SECURE) == 1, 10),
           "after it the manager holds the agent's connection only")
    time.sleep(3)
    after = rss_kib(pid)
    print("RSS of the analysis child: %d KiB before, %d at the peak, %d "
          "after" % (before, peak, after))
    expect(after - before < 4096,
           "its memory is back within 4 MiB (%+d KiB)" % (after - before))
    expect(stat(M, "agents_connected") == 1, "the agent is still connected")
    counts = {n: stat(M, n) for n in ("conn_per_source", "conn_evicted",
                                      "conn_slow", "agents_refused")}
    print("arx status: %s" % counts)
    expect(counts["conn_per_source"] >= 2 * PER_SOURCE and
           counts["conn_slow"] + counts["conn_evicted"] > 0,
           "arx status counts the connections refused per address and "
           "those closed for a newcomer or for slowness")
    err = m.stop()
    refusals = [ln for ln in err.splitlines() if "refused" in ln]
    print("%d refusal lines" % len(refusals))
    expect(0 < len(refusals) <= 4 * (FLOOD_S + 15),
           "refusals logged once a second at most per listener (%d lines)"
           % len(refusals))
    expect(any("more not logged" in ln for ln in refusals),
           "with the count of those not logged")
    a.stop()


if __name__ == "__main__":
    finish("connflood", main, tmp=TMP)
