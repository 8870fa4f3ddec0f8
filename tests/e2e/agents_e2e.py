#!/usr/bin/env python3
"""A manager and three agents, end to end: each its own network
namespace, each agent with Debian's OpenSSH server and nftables, an
attacker beside them on one bridge. Documentation addresses only:

  manager   192.0.2.1     arxd <remote> secure, <auth>, <feed>
  agent1-3  192.0.2.11-13 sshd, arxd <client>, firewall-drop on nftables
  attacker  192.0.2.66-69 ssh

Each agent's sshd logs through syslog(3) to a socket of this test, which
counts the lines and passes them to the agent's arxd; the agents enroll
with `arx agent enroll` and send their lines to the manager, which
decides; the responses run on the agents. The manager's response is
changed between the phases (a reload, SIGHUP):

  local          an attack on agent1 is blocked on agent1 only
  all            an attack on agent1 is blocked on all three
  defined-agent  (003) an attack on agent1 is blocked on agent3 only
  outage         the manager is stopped for 30 s while agent2 is
                 attacked; when it is back agent2 blocks the attacker,
                 and every line sshd wrote reached the manager exactly
                 once (sshd's count = agent's = manager's)

The blocklist feed lists a blocked address and drops it after its
timeout; an agent with a wrong key, and then one whose key is revoked,
is refused. tshark captures the agent channel and the enrollment on the
bridge: TLS 1.3 records only, no log text, address or name in the clear.
Everything the test made is removed at the end, also on failure. Needs
root, openssh-server, nftables, tshark, iproute2.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import sshnet  # noqa: E402
from sshnet import Relay, in_set, ns, pings, sh  # noqa: E402
from harness import PROCS, Arxd, ctl, expect, finish, scratch, wait  # noqa

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, FD = (os.path.join(BIN, n) for n in ("arxd", "arx",
                                                  "firewall-drop"))
PID = os.getpid()
SW, MG, AT = ("arx%s%d" % (n, PID) for n in ("S", "M", "T"))
AGENTS = [("arx%d_%d" % (i, PID), "agent%d" % i, "192.0.2.1%d" % i)
          for i in (1, 2, 3)]
HOSTS = {MG: (["192.0.2.1/24"], []),
         AT: (["192.0.2.%d/24" % i for i in range(66, 72)], [])}
HOSTS.update({n: ([a + "/24"], []) for n, _, a in AGENTS})
TMP = scratch("arx-agents-e2e-")
MDIR = os.path.join(TMP, "manager")
TIMEOUT_S = 10  # every block
OUTAGE_S = 30

MANAGER = """<arx_config>
  <global><white_list>192.0.2.71</white_list></global>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <remote><connection>secure</connection><local_ip>192.0.2.1</local_ip>
  </remote>
  <auth><local_ip>192.0.2.1</local_ip>
    <password_file>{d}/pass</password_file></auth>
  <feed><port>8080</port><local_ip>192.0.2.1</local_ip>
    <credentials_file>{d}/feed.cred</credentials_file></feed>
  {command}
  <active-response><command>firewall-drop</command>
    <location>{location}</location>{agent}<rules_id>5712</rules_id>
    <timeout>{timeout}</timeout></active-response>
  {common}
</arx_config>
"""
AGENT = """<arx_config>
  {white}
  <client><server><address>192.0.2.1</address></server>
    <notify_time>2</notify_time></client>
  <remote><connection>syslog</connection><socket>{d}/arxd.sock</socket>
  </remote>
  {command}
  {common}
</arx_config>
"""
COMMAND = """<command><name>firewall-drop</name><executable>{fd}</executable>
    <extra_args>--backend nftables</extra_args>
    <timeout_allowed>yes</timeout_allowed></command>""".format(fd=FD)
COMMON = """<ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><node_name>{name}</node_name>
    <active_response_dir>{bin}</active_response_dir>
    <state_dir>{d}/state</state_dir><log_dir>{d}/log</log_dir>
    <control_socket>{d}/run/control.sock</control_socket></daemon>"""


def common(d, name):
    return COMMON.format(src=SRC, bin=BIN, d=d, name=name)


def adir(name):
    return os.path.join(TMP, name)


# ---- what runs ----

def manager_conf(location, agent=""):
    with open(os.path.join(MDIR, "arx.conf"), "w") as f:
        f.write(MANAGER.format(d=MDIR, command=COMMAND, location=location,
                               agent=agent, timeout=TIMEOUT_S,
                               common=common(MDIR, "manager")))


def start_manager():
    return Arxd(ARXD, os.path.join(MDIR, "arx.conf"),
                lambda: arx(MDIR, "status").returncode == 0,
                prefix=("ip", "netns", "exec", MG))


def start_agent(host, d):
    return Arxd(ARXD, os.path.join(d, "arx.conf"),
                lambda: arx(d, "status").returncode == 0,
                prefix=("ip", "netns", "exec", host))


def arx(d, *args):
    return ctl(ARX, os.path.join(d, "run", "control.sock"), *args)


def status(d):
    r = arx(d, "status", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def stat(d, name):
    return status(d).get("analysis", {}).get(name, -1)


def agents_row(name):
    return next((a for a in status(MDIR).get("agents", [])
                 if a["name"] == name), {})


def connected():
    return stat(MDIR, "agents_connected")


def blocked_on(addr):
    """The agents whose nftables set holds addr."""
    return [name for host, name, _ in AGENTS if in_set(host, addr)]


def feed(path):
    """(status, body) of GET path on the manager's feed, asked from the
    attacker's namespace (a firewall fetching its list)."""
    code = ("import base64,sys,urllib.request as u\n"
            "r = u.Request('http://192.0.2.1:8080' + sys.argv[1])\n"
            "r.add_header('Authorization', 'Basic ' + base64.b64encode("
            "b'fortigate:feed-secret').decode())\n"
            "try:\n"
            "    b = u.urlopen(r, timeout=5).read().decode()\n"
            "    print(200); print(b, end='')\n"
            "except Exception as e:\n"
            "    print(getattr(e, 'code', -1))\n")
    out = ns(AT, sys.executable, "-c", code, path, check=False).stdout
    head, _, body = out.partition("\n")
    return int(head or -1), body


def attack(relay, src, dst):
    """Invalid users from src on dst until sshd logged 8 more."""
    return sshnet.attack(AT, relay, src, dst)


# ---- set-up ----

def setup():
    os.makedirs(MDIR)
    for sub in ("state", "log", "run"):
        os.makedirs(os.path.join(MDIR, sub), mode=0o755)
    with open(os.path.join(MDIR, "pass"), "w") as f:
        f.write("enrollment secret 5f3a\n")
    with open(os.path.join(MDIR, "feed.cred"), "w") as f:
        f.write("fortigate:feed-secret\n")
    for n in ("pass", "feed.cred"):
        os.chmod(os.path.join(MDIR, n), 0o600)
    manager_conf("local")
    for _, name, _ in AGENTS + [(None, "rogue", None)]:
        d = adir(name)
        for sub in ("state", "log", "run"):
            os.makedirs(os.path.join(d, sub), mode=0o755)
        os.chmod(d, 0o755)
        with open(os.path.join(d, "arx.conf"), "w") as f:
            f.write(AGENT.format(d=d, command=COMMAND,
                                 common=common(d, name), white=(
                                     "<global><white_list>192.0.2.70"
                                     "</white_list></global>"
                                     if name == "agent2" else "")))


def enroll(host, name):
    r = ns(host, ARX, "agent", "enroll", "192.0.2.1", "-n", name, "-P",
           os.path.join(MDIR, "pass"), "-o",
           os.path.join(adir(name), "state", "agent.key"), check=False,
           timeout=60)
    return r.returncode == 0


def capture():
    """tshark on the bridge: the agent channel and the enrollment."""
    path = os.path.join(TMP, "agents.pcapng")
    p = subprocess.Popen(["ip", "netns", "exec", SW, "tshark", "-q", "-i",
                          "br0", "-f", "tcp port 1514 or tcp port 1515",
                          "-w", path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    PROCS.append(p)
    wait(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 10)
    return p, path


def start_all():
    m = start_manager()
    agents, relays = {}, {}
    for host, name, _ in AGENTS:
        expect(enroll(host, name), "%s enrolled with the manager" % name)
    for host, name, _ in AGENTS:
        agents[name] = start_agent(host, adir(name))
        relays[name] = Relay(adir(name))
        PROCS.append(sshnet.sshd_start(host, adir(name),
                                       relays[name].path))
    expect(wait(lambda: connected() == 3, 20),
           "the three agents are connected")
    expect(wait(lambda: all(r.count("Server listening on") >= 1
                            for r in relays.values()), 10),
           "sshd runs on each agent and logs through the agent")
    return m, agents, relays


# ---- the phases ----

def reload_manager(m, location, agent=""):
    manager_conf(location, agent)
    m.p.send_signal(signal.SIGHUP)
    time.sleep(1)
    expect(wait(lambda: connected() == 3, 20),
           "manager reloaded with <location>%s</location>%s; the agents "
           "are back" % (location, agent))


def phase_local(relays):
    src = "192.0.2.66"
    expect(pings(AT, src, "192.0.2.11") and pings(AT, src, "192.0.2.12"),
           "local: the attacker reaches the agents before")
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "local: sshd on agent1 logged 8 invalid users from %s" % src)
    expect(wait(lambda: blocked_on(src) == ["agent1"], 15),
           "local: blocked on agent1 (%s)" % blocked_on(src))
    time.sleep(2)
    expect(blocked_on(src) == ["agent1"] and
           not pings(AT, src, "192.0.2.11", tries=1) and
           pings(AT, src, "192.0.2.12"),
           "local: agent1 only: %s can no longer ping agent1, still "
           "pings agent2" % src)
    expect(wait(lambda: src in feed("/blocklist.txt")[1].split(), 5),
           "the feed lists %s: %r" % (src, feed("/blocklist.txt")))
    st, body = feed("/blocklist.json")
    expect(st == 200 and src in json.loads(body),
           "and as JSON: %s" % body.strip())
    expect(wait(lambda: blocked_on(src) == [], TIMEOUT_S + 5) and
           pings(AT, src, "192.0.2.11"),
           "local: lifted on agent1 after its %d s" % TIMEOUT_S)
    expect(wait(lambda: src not in feed("/blocklist.txt")[1].split(), 5),
           "the feed drops %s after the timeout: %r"
           % (src, feed("/blocklist.txt")))
    src = "192.0.2.71"  # in the manager's white list
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "local: 8 invalid users from %s, white-listed on the manager"
           % src)
    expect(wait(lambda: alerts_from("agent1", src) >= 8, 10),
           "local: the manager analysed them")
    time.sleep(2)
    expect(blocked_on(src) == [] and pings(AT, src, "192.0.2.11"),
           "local: the manager's white list: no response is sent")


def arlog(name):
    try:
        return open(os.path.join(adir(name), "log",
                                 "active-responses.log")).read()
    except OSError:
        return ""


def phase_all(relays, agents):
    src = "192.0.2.67"
    agents["agent3"].stop()
    expect(wait(lambda: connected() == 2, 10), "all: agent3 is stopped")
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "all: sshd on agent1 logged 8 invalid users from %s" % src)
    expect(wait(lambda: blocked_on(src) == ["agent1", "agent2"], 15),
           "all: blocked on the two agents connected (%s)"
           % blocked_on(src))
    time.sleep(4)  # agent3 comes back 4 s into the block
    agents["agent3"] = start_agent(AGENTS[2][0], adir("agent3"))
    expect(wait(lambda: blocked_on(src) == ["agent1", "agent2", "agent3"],
                10), "all: and on agent3 when it is back: on the three "
           "(%s)" % blocked_on(src))
    expect(not any(pings(AT, src, a, tries=1) for _, _, a in AGENTS),
           "all: %s pings none of them" % src)
    expect(wait(lambda: "agent1" not in blocked_on(src), TIMEOUT_S + 5),
           "all: lifted on agent1")
    t1 = time.monotonic()
    expect(wait(lambda: blocked_on(src) == [], TIMEOUT_S + 5),
           "all: lifted on the three")
    expect(time.monotonic() - t1 < 2.5,
           "all: agent3's block ends with the others' (%.1f s after "
           "agent1's), not %d s after its return"
           % (time.monotonic() - t1, TIMEOUT_S))
    src = "192.0.2.70"  # in agent2's own white list
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "all: 8 invalid users from %s, white-listed on agent2" % src)
    expect(wait(lambda: blocked_on(src) == ["agent1", "agent3"], 15),
           "all: blocked on agent1 and agent3; agent2's own white list "
           "spares it there (%s)" % blocked_on(src))
    expect(wait(lambda: "firewall-drop whitelisted %s" % src in
                arlog("agent2"), 5) and pings(AT, src, "192.0.2.12"),
           "all: agent2 logged the skip and still answers %s" % src)


def phase_defined(relays):
    src = "192.0.2.68"
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "defined-agent: sshd on agent1 logged 8 invalid users from %s"
           % src)
    expect(wait(lambda: blocked_on(src) == ["agent3"], 15),
           "defined-agent 003: blocked on agent3 (%s)" % blocked_on(src))
    time.sleep(2)
    expect(blocked_on(src) == ["agent3"] and
           pings(AT, src, "192.0.2.11") and
           not pings(AT, src, "192.0.2.13", tries=1),
           "defined-agent: on agent3 only, not on agent1 that saw it")


def phase_outage(m, agents, relays):
    src, r2 = "192.0.2.69", relays["agent2"]
    m.stop()
    t0 = time.monotonic()
    expect(wait(lambda: stat(adir("agent2"), "uplink_connected") == 0, 10),
           "outage: the manager is stopped; agent2 notices")
    before = r2.count("Invalid user", "from %s " % src)
    expect(attack(r2, src, "192.0.2.12"),
           "outage: sshd on agent2 logged 8 invalid users from %s" % src)
    time.sleep(max(0.0, t0 + OUTAGE_S - time.monotonic()))
    expect(blocked_on(src) == [], "outage: nothing blocked while the "
           "manager is away (it decides)")
    queued = stat(adir("agent2"), "uplink_queued")
    print("     after %.0f s without the manager: agent2 holds %d lines "
          "not acknowledged" % (time.monotonic() - t0,
                                queued - stat(adir("agent2"),
                                              "uplink_acked")), flush=True)
    m = start_manager()
    # agent2 retries 1, 3, 7, 15, 31, 63 s after losing the manager
    # (uplink.c: doubling from 1 s): a manager back just after the 31 s
    # try (a slow ASan start) is found at 63 s, 33 s after OUTAGE_S
    expect(wait(lambda: blocked_on(src) == ["agent2"], 45),
           "outage: when the manager is back, agent2 blocks %s (%s)"
           % (src, blocked_on(src)))
    n = r2.count("Invalid user", "from %s " % src) - before
    expect(wait(lambda: alerts_from("agent2", src) == n, 10),
           "outage: each of the %d invalid-user lines is analysed once "
           "(%d alerts)" % (n, alerts_from("agent2", src)))
    expect(wait(lambda: stat(adir("agent2"), "uplink_acked") ==
                stat(adir("agent2"), "uplink_queued"), 10),
           "outage: the manager acknowledged everything agent2 sent")
    ends = (r2.passed, stat(adir("agent2"), "uplink_queued"),
            agents_row("agent2").get("events"))
    expect(ends[0] == ends[1] == ends[2] and ends[0] > 0,
           "no line lost or doubled, counted at both ends: sshd wrote %d, "
           "agent2 sent %d, the manager received %d" % ends)
    return m


def alerts_from(agent, src):
    """Alerts on the manager for lines of agent naming src."""
    try:
        text = open(os.path.join(MDIR, "log", "alerts.log")).read()
    except OSError:
        return 0
    return sum(1 for b in text.split("** Alert ")[1:]
               if "(%s) " % agent in b and "from %s port" % src in b)


def phase_refused():
    host3 = AGENTS[2][0]
    key = open(os.path.join(adir("agent3"), "state",
                            "agent.key")).read().split()
    key[3] = "%064x" % 0xa5
    path = os.path.join(adir("rogue"), "state", "agent.key")
    with open(path, "w") as f:
        f.write(" ".join(key) + "\n")
    os.chmod(path, 0o600)
    refused = stat(MDIR, "agents_refused")
    rogue = start_agent(host3, adir("rogue"))
    expect(wait(lambda: stat(MDIR, "agents_refused") > refused, 10) and
           stat(adir("rogue"), "uplink_connected") == 0,
           "an agent with a wrong key is refused")
    rogue.stop()
    r = sh(ARX, "agents", "-c", os.path.join(MDIR, "arx.conf"), "remove",
           "agent3", check=False)
    expect(r.returncode == 0 and wait(lambda: connected() == 2, 10),
           "agent3 revoked (arx agents remove): disconnected at once")
    time.sleep(4)
    expect(connected() == 2 and
           stat(adir("agent3"), "uplink_connected") == 0,
           "and refused when it tries again")


def check_capture(p, path):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    raw = open(path, "rb").read()
    secrets = [b"Invalid user", b"sshd", b"192.0.2.6", b"agent1",
               b"agent2", b"agent3", b"nouser", b"enrollment secret",
               b"firewall-drop", b"arxd.sock"]
    found = [s.decode() for s in secrets if s in raw]
    fields = sh("tshark", "-r", path, "-d", "tcp.port==1514,tls", "-d",
                "tcp.port==1515,tls", "-T", "fields", "-e",
                "tls.record.content_type", "-e", "tls.record.opaque_type",
                "-e", "tls.handshake.ciphersuite", "-e",
                "tls.handshake.extensions.supported_version",
                timeout=120).stdout
    types = set(re.findall(r"\b(2[0-3])\b", fields))
    expect(len(raw) > 20000 and found == [] and "23" in types and
           "0x1302" in fields and "0x0304" in fields,
           "tshark: %d bytes captured on the bridge, TLS 1.3 (0x0304) "
           "with TLS_AES_256_GCM_SHA384 (0x1302), record types %s (23: "
           "encrypted), no cleartext (found %s)"
           % (len(raw), sorted(types), found))


def main():
    for tool in ("/usr/sbin/sshd", "/usr/sbin/nft", "/usr/bin/tshark"):
        if not os.access(tool, os.X_OK):
            expect(False, "%s is installed (make check installs it)" % tool)
            return
    setup()
    sshnet.net_up(SW, HOSTS, PID)
    cap, path = capture()
    m, agents, relays = start_all()
    phase_local(relays)
    reload_manager(m, "all")
    phase_all(relays, agents)
    reload_manager(m, "defined-agent", "<agent_id>003</agent_id>")
    phase_defined(relays)
    reload_manager(m, "local")
    m = phase_outage(m, agents, relays)
    phase_refused()
    check_capture(cap, path)
    err = m.stop()
    for name, a in agents.items():
        err += a.stop()
    expect("Sanitizer" not in err, "every arxd exited clean")
    print("e2e.agents: took %.0f s" % (time.time() - T0))


def leftovers():
    sshnet.net_down([SW, MG, AT] + [h for h, _, _ in AGENTS])
    left = [n for n in sh("ip", "netns", "list").stdout.split()
            if n.endswith(str(PID))]
    procs = sh("pgrep", "-f", TMP, check=False).stdout.split()
    expect(left == [] and procs == [],
           "no namespace or process is left behind")


T0 = time.time()
finish("e2e.agents", main, None if os.environ.get("ARX_E2E_KEEP") else TMP,
       leftovers)
