#!/usr/bin/env python3
"""Two managers sharing a PostgreSQL database (issue 24), three agents
with Debian's OpenSSH server failing over between them, end to end: each
its own network namespace on one bridge, documentation addresses only:

  db         192.0.2.5     PostgreSQL 15 (role and database arx, scram)
  manager A  192.0.2.1     arxd <remote> secure, <auth>, <cluster>
  manager B  192.0.2.2     the same, node manager-b
  agent1-2   192.0.2.11-12 sshd, arxd <client> servers A then B
  agent3     192.0.2.13    the same, servers B then A
  attacker   192.0.2.66-69 ssh

The agents enroll with A; B learns them through the database. The
response is firewall-drop on nftables at every agent (location all),
8 s, then the steps of <repeated_offenders>. The phases:

  status    `arx db status` shows the schema current and both managers
  all       an attack on agent1 (on A) is blocked on agent3 (on B) too
  offences  the database counts the address's offences for the fleet:
            after the lift the same address attacking agent3 (on B) is
            its second offence, blocked for the second step
  failover  manager A is killed (SIGKILL): agent1 and agent2 are on B
            within 5 s; sshd's lines keep coming and are all counted:
            the relay's count = the agent's = the database's
  outage    PostgreSQL stops for 30 s: an attack on agent2 is blocked
            on the agents anyway; when it is back the database holds
            the block and every agent's count, nothing lost
  password  arxd with a wrong database password refuses to start

Everything the test made is removed at the end, also on failure. Needs
root, postgresql (15), openssh-server, sshpass, nftables, iproute2.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import nftwatch  # noqa: E402
import pgnet  # noqa: E402
import sshnet  # noqa: E402
from sshnet import Relay, in_set, ns, pings, sh  # noqa: E402
from harness import PROCS, Arxd, ctl, expect, finish, scratch, wait  # noqa

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, FD = (os.path.join(BIN, n) for n in ("arxd", "arx",
                                                  "firewall-drop"))
PID = os.getpid()
SW, DB, AT = ("cx%s%d" % (n, PID) for n in ("S", "D", "T"))
MANAGERS = {"A": ("cxA%d" % PID, "manager-a", "192.0.2.1"),
            "B": ("cxB%d" % PID, "manager-b", "192.0.2.2")}
AGENTS = [("cx%d_%d" % (i, PID), "agent%d" % i, "192.0.2.1%d" % i)
          for i in (1, 2, 3)]
HOSTS = {DB: (["192.0.2.5/24"], []),
         AT: (["192.0.2.%d/24" % i for i in range(66, 70)], [])}
HOSTS.update({h: ([a + "/24"], []) for h, _, a in MANAGERS.values()})
HOSTS.update({h: ([a + "/24"], []) for h, _, a in AGENTS})
TMP = scratch("arx-cluster-e2e-")
PG_PORT = 5433
DB_PASS = "db-%s" % os.urandom(8).hex()
TIMEOUT_S = 10         # a first offence
REPEAT_S = (25, 50)    # <repeated_offenders>: the 2nd and 3rd
OUTAGE_S = 30
WATCH = {}  # agent name: nftwatch.Watch in its namespace
pg = pgnet.Postgres(DB, "192.0.2.5", PG_PORT, os.path.join(TMP, "pg"),
                    "192.0.2.0/24")

MANAGER = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <remote><connection>secure</connection><local_ip>{ip}</local_ip>
  </remote>
  <auth><local_ip>{ip}</local_ip>
    <password_file>{d}/pass</password_file></auth>
  <cluster><node_name>{node}</node_name>
    <database>host=192.0.2.5 port={port} dbname=arx user=arx</database>
    <password_file>{d}/db.pass</password_file></cluster>
  {command}
  <active-response><command>firewall-drop</command>
    <location>all</location><rules_id>5712</rules_id>
    <timeout>{timeout}</timeout>
    <repeated_offenders>{repeat}</repeated_offenders>
    <offence_grace>0</offence_grace></active-response>
  {common}
</arx_config>
"""
AGENT = """<arx_config>
  <client>{servers}<notify_time>2</notify_time></client>
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


def adir(name):
    return os.path.join(TMP, name)


def conf_path(name):
    return os.path.join(adir(name), "arx.conf")


# ---- set-up ----

def make_dir(name, files):
    """adir(name) with state, log, run and files {name: (text, mode)}."""
    d = adir(name)
    for sub in ("state", "log", "run"):
        os.makedirs(os.path.join(d, sub), mode=0o755)
    os.chmod(d, 0o755)
    for n, (text, mode) in files.items():
        with open(os.path.join(d, n), "w") as f:
            f.write(text)
        os.chmod(os.path.join(d, n), mode)
    return d


def manager_files(node, ip, db_pass):
    d = adir(node)
    conf = MANAGER.format(
        ip=ip, d=d, node=node, port=PG_PORT, command=COMMAND,
        timeout=TIMEOUT_S, repeat=",".join("%ds" % s for s in REPEAT_S),
        common=COMMON.format(src=SRC, bin=BIN, d=d, name=node))
    make_dir(node, {"arx.conf": (conf, 0o644),
                    "pass": ("enrollment secret 9c1e\n", 0o600),
                    "db.pass": (db_pass + "\n", 0o600)})


def agent_files(name, order):
    d = adir(name)
    servers = "".join("<server><address>%s</address></server>"
                      % MANAGERS[m][2] for m in order)
    conf = AGENT.format(servers=servers, d=d, command=COMMAND,
                        common=COMMON.format(src=SRC, bin=BIN, d=d,
                                             name=name))
    make_dir(name, {"arx.conf": (conf, 0o644)})


def setup():
    for _, node, ip in MANAGERS.values():
        manager_files(node, ip, DB_PASS)
    manager_files("manager-c", "192.0.2.1", "not-the-password")
    for _, name, _ in AGENTS:
        agent_files(name, "BA" if name == "agent3" else "AB")


def db_up():
    """PostgreSQL in its namespace; psql reaches it from both managers'
    namespaces with the role's password, and not with a wrong one."""
    pg.create("arx", DB_PASS, "arx")

    def login(host, password):
        return ns(host, "psql", "-X", "-A", "-t", "-c",
                  "SELECT current_user", "host=192.0.2.5 port=%d dbname=arx "
                  "user=arx" % PG_PORT, check=False, timeout=30,
                  env=dict(os.environ, PGPASSWORD=password))
    for key, (host, node, _) in MANAGERS.items():
        r = login(host, DB_PASS)
        expect(r.returncode == 0 and r.stdout.strip() == "arx",
               "PostgreSQL at 192.0.2.5:%d answers %s's namespace as arx "
               "(%s)" % (PG_PORT, node, (r.stdout + r.stderr).strip()))
    r = login(MANAGERS["A"][0], "wrong")
    expect(r.returncode != 0 and "password authentication failed"
           in r.stderr, "and refuses a wrong password (scram-sha-256)")


# ---- what runs ----

def arx(name, *args):
    return ctl(ARX, os.path.join(adir(name), "run", "control.sock"), *args)


def status(name):
    r = arx(name, "status", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def stat(name, counter):
    return status(name).get("analysis", {}).get(counter, -1)


def agent_state(manager, agent):
    """The agent's state in the manager's list ("active", ...) or None
    when the manager does not know it."""
    return next((a["state"] for a in status(manager).get("agents", [])
                 if a["name"] == agent), None)


def on(key, *agents):
    """Are these agents connected to manager key?"""
    return all(agent_state(MANAGERS[key][1], a) == "active" for a in agents)


def start_arxd(host, name, limit=15):
    return Arxd(ARXD, conf_path(name),
                lambda: arx(name, "status").returncode == 0,
                prefix=("ip", "netns", "exec", host), limit=limit)


def enroll(host, name):
    r = ns(host, ARX, "agent", "enroll", MANAGERS["A"][2], "-n", name,
           "-P", os.path.join(adir("manager-a"), "pass"), "-o",
           os.path.join(adir(name), "state", "agent.key"), check=False,
           timeout=60)
    return r.returncode == 0


def blocked_on(addr):
    """The agents whose nftables set holds addr."""
    return [name for host, name, _ in AGENTS if in_set(host, addr)]


def watch():
    for host, name, _ in AGENTS:
        WATCH[name] = nftwatch.Watch(host)
        PROCS.append(WATCH[name].p)


def changed(addr, present, after, limit):
    """{agent: when addr entered (present) or left its nftables set
    after `after` (monotonic), or None}, waiting up to limit s for all."""
    end = time.monotonic() + limit
    return {n: WATCH[n].when(addr, present, after,
                             max(0.0, end - time.monotonic()))
            for n in ALL}


def since(times, t0):
    return {n: None if t is None else round(t - t0, 2)
            for n, t in times.items()}


ALL = ["agent1", "agent2", "agent3"]


def attack(relay, src, dst):
    return sshnet.attack(AT, relay, src, dst)


def arlog(name):
    try:
        return open(os.path.join(adir(name), "log",
                                 "active-responses.log")).read()
    except OSError:
        return ""


def start_all():
    ms = {k: start_arxd(h, node, 30) for k, (h, node, _)
          in MANAGERS.items()}
    for host, name, _ in AGENTS:
        expect(enroll(host, name), "%s enrolled with manager A" % name)
    expect(wait(lambda: all(agent_state("manager-b", n) is not None
                            for n in ALL), 15),
           "manager B learns the three agents through the database "
           "(%s)" % [a["name"] for a in status("manager-b").get("agents",
                                                                [])])
    agents, relays = {}, {}
    for host, name, _ in AGENTS:
        agents[name] = start_arxd(host, name)
        relays[name] = Relay(adir(name))
        PROCS.append(sshnet.sshd_start(host, adir(name),
                                       relays[name].path))
    expect(wait(lambda: on("A", "agent1", "agent2") and on("B", "agent3"),
                30), "agent1 and agent2 are connected to A, agent3 to B "
           "(A %s, B %s)" % (states("manager-a"), states("manager-b")))
    expect(wait(lambda: all(r.count("Server listening on") >= 1
                            for r in relays.values()), 10),
           "sshd runs on each agent and logs through the agent")
    return ms, agents, relays


def states(manager):
    return {a["name"]: a["state"] for a in status(manager).get("agents", [])}


# ---- what the database holds ----

def q(s):
    return "'%s'" % s.replace("'", "''")


def db_agent(name):
    """(last_seq, events) of arx_agents for name, or None."""
    r = pg.rows("SELECT last_seq, events FROM arx_agents WHERE name = %s "
                "AND NOT removed" % q(name))
    return (int(r[0][0]), int(r[0][1])) if r else None


def offences(addr):
    v = pg.value("SELECT max(count) FROM arx_offences WHERE address = %s"
                 % q(addr))
    return int(v) if v else 0


def last_block(addr):
    """(manager, offences, deadline - made in s) of the newest
    arx_blocks row for addr, or None."""
    r = pg.rows("SELECT manager, offences, (deadline_ms - made_ms) / 1000 "
                "FROM arx_blocks WHERE address = %s ORDER BY id DESC "
                "LIMIT 1" % q(addr))
    return (r[0][0], int(r[0][1]), int(r[0][2])) if r else None


def counted(relays, base):
    """For each agent: (lines the relay passed, events the agent sent,
    events the database counts, last_seq - base's last_seq)."""
    out = {}
    for name, r in relays.items():
        row = db_agent(name) or (-1, -1)
        out[name] = (r.passed, stat(name, "uplink_queued"), row[1],
                     row[0] - base[name][0] + base[name][1]
                     if base.get(name) else -1)
    return out


def all_equal(c):
    return all(v[0] > 0 and len(set(v)) == 1 for v in c.values())


def baseline(relays):
    """Once the database counts each agent's events as its relay does:
    their (last_seq, events), from which later counts are measured."""
    ok = wait(lambda: all(db_agent(n) and db_agent(n)[1] == r.passed ==
                          stat(n, "uplink_queued")
                          for n, r in relays.items()), 20)
    expect(ok, "the database counts every agent's events (relay, agent, "
           "database: %s)" % {n: (r.passed, stat(n, "uplink_queued"),
                                  db_agent(n)) for n, r in relays.items()})
    return {n: db_agent(n) for n in relays}


# ---- the phases ----

def phase_status():
    r = ns(MANAGERS["A"][0], ARX, "db", "-c", conf_path("manager-a"),
           "status", check=False, timeout=60)
    out = (r.stdout + r.stderr).strip()
    expect(r.returncode == 0 and "manager-a" in out and "manager-b" in out
           and re.search(r"\bcurrent\b|up[ -]to[ -]date", out, re.I),
           "status: `arx db status` shows the schema current and both "
           "managers:\n%s" % out)
    v = pg.value("SELECT max(version) FROM arx_schema")
    names = [r[0] for r in pg.rows("SELECT name FROM arx_managers "
                                   "ORDER BY name")]
    expect(v is not None and int(v) >= 1 and
           names == ["manager-a", "manager-b"],
           "status: arx_schema at version %s, arx_managers %s" % (v, names))


def phase_all(relays):
    src = "192.0.2.66"
    expect(all(pings(AT, src, a) for _, _, a in AGENTS),
           "all: the attacker reaches the three agents before")
    t0 = time.monotonic()
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "all: sshd on agent1 logged 8 invalid users from %s" % src)
    t1 = time.monotonic()
    adds = since(changed(src, True, t0, 20), t1)
    print("     blocked after the attack on agent1 (on A) ended, in s: %s"
          % adds, flush=True)
    expect(adds["agent3"] is not None,
           "all: blocked on agent3, connected to B (%s s)" % adds["agent3"])
    expect(None not in adds.values(),
           "all: blocked on the three agents: %s" % adds)
    return t0


def phase_offences(relays, t0):
    src = "192.0.2.66"
    expect(wait(lambda: offences(src) == 1, 10),
           "offences: arx_offences counts %s once (%d)"
           % (src, offences(src)))
    dels = changed(src, False, t0, TIMEOUT_S + 15)
    expect(None not in dels.values() and blocked_on(src) == [],
           "offences: lifted on the three after %d s" % TIMEOUT_S)
    t1 = time.monotonic()
    expect(attack(relays["agent3"], src, "192.0.2.13"),
           "offences: the same address, 8 invalid users on agent3 (B)")
    expect(WATCH["agent3"].when(src, True, t1, 15) is not None,
           "offences: blocked again on agent3, by B")
    expect(wait(lambda: offences(src) == 2, 10),
           "offences: arx_offences counts 2 for %s (%d)"
           % (src, offences(src)))
    adds = re.findall(r"firewall-drop add %s .*?timeout (\d+)"
                      % re.escape(src), arlog("agent3"))
    got = int(adds[-1]) if adds else 0
    row = last_block(src)
    expect(row is not None and row[:2] == ("manager-b", 2) and
           REPEAT_S[0] - 3 <= got <= REPEAT_S[0],
           "offences: B's block is the second offence: arx_blocks row "
           "(manager, offences, seconds) %s; agent3 was given %d s, the "
           "step of <repeated_offenders> for it (%d s), not %d s"
           % (row, got, REPEAT_S[0], TIMEOUT_S))


def kill_a(ms):
    """SIGKILL to manager A's arxd; its analysis child follows it
    (PDEATHSIG): nothing is left in A's namespace."""
    ms["A"].p.kill()
    ms["A"].p.wait(timeout=30)
    t0 = time.monotonic()
    gone = wait(lambda: sh("ip", "netns", "pids", MANAGERS["A"][0],
                           check=False).stdout.split() == [], 10)
    expect(gone, "failover: manager A killed (SIGKILL), its analysis child "
           "gone with it")
    return t0


def phase_failover(ms, relays, base):
    t0 = kill_a(ms)
    ok = wait(lambda: on("B", "agent1", "agent2"), 60)
    took = time.monotonic() - t0
    print("     agent1 and agent2 connected to B %.2f s after A was "
          "killed" % took, flush=True)
    expect(ok and took <= 5.0,
           "failover: agent1 and agent2 are on B within 5 s (%.2f s; B: "
           "%s)" % (took, states("manager-b")))
    src, t1 = "192.0.2.67", time.monotonic()
    expect(attack(relays["agent1"], src, "192.0.2.11"),
           "failover: sshd on agent1 logged 8 invalid users from %s" % src)
    adds = since(changed(src, True, t1, 20), t1)
    expect(None not in adds.values(),
           "failover: B blocks it on the three (%s)" % adds)
    one = {"agent1": relays["agent1"]}
    expect(wait(lambda: all_equal(counted(one, base)), 20),
           "failover: every line of agent1 counted once: relay passed, "
           "agent sent, arx_agents.events, last_seq advanced by: %s"
           % (counted(one, base)["agent1"],))


def phase_outage(relays, base):
    src = "192.0.2.68"
    expect(pg.stop("fast"), "outage: PostgreSQL stopped (pg_ctl stop -m "
           "fast)")
    t0 = time.monotonic()
    expect(attack(relays["agent2"], src, "192.0.2.12"),
           "outage: sshd on agent2 logged 8 invalid users from %s" % src)
    adds = since(changed(src, True, t0, 20), t0)
    expect(None not in adds.values(),
           "outage: blocked on the agents of B without the database (%s)"
           % adds)
    expect(wait(lambda: stat("manager-b", "db_up") == 0 and
                stat("manager-b", "db_queued") > 0, 10),
           "outage: B runs on without the database, its writes held (%d)"
           % stat("manager-b", "db_queued"))
    time.sleep(max(0.0, t0 + OUTAGE_S - time.monotonic()))
    pg.start()
    t1 = time.monotonic()
    ok = wait(lambda: last_block(src) is not None, 60)
    took = time.monotonic() - t1
    print("     the database held the block %.2f s after it was back"
          % took, flush=True)
    expect(ok and took <= 10.0,
           "outage: PostgreSQL back after %.0f s; within 10 s arx_blocks "
           "holds the block made meanwhile (%.2f s: %s)"
           % (t1 - t0, took, last_block(src)))
    expect(wait(lambda: all_equal(counted(relays, base)), 20),
           "outage: nothing lost: relay, agent, arx_agents.events, "
           "last_seq advance: %s" % counted(relays, base))
    expect(wait(lambda: stat("manager-b", "db_queued") == 0, 10) and
           stat("manager-b", "db_up") == 1 and
           stat("manager-b", "db_dropped") == 0,
           "outage: B's held writes all went to the database, none "
           "dropped")


def phase_password():
    host = MANAGERS["A"][0]
    try:
        r = ns(host, ARXD, "-f", "-c", conf_path("manager-c"), check=False,
               timeout=60)
        code, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        code, err = 0, "still running after 60 s: %s" % (e.stderr or "")
    expect(code != 0 and "password authentication failed" in err,
           "password: arxd with a wrong database password refuses to "
           "start (exit %d): %s" % (code, err.strip()[-300:]))
    return err


def main():
    for tool in ("/usr/sbin/sshd", "/usr/sbin/nft", "/usr/bin/sshpass"):
        if not os.access(tool, os.X_OK):
            expect(False, "%s is installed (make check installs it)" % tool)
            return
    if not pgnet.installed():
        expect(False, "PostgreSQL 15 is installed (make check installs "
               "it)")
        return
    setup()
    sshnet.net_up(SW, HOSTS, PID)
    watch()
    db_up()
    ms, agents, relays = start_all()
    base = baseline(relays)
    t0, errs = [], []
    phases = [lambda: phase_status(), lambda: t0.append(phase_all(relays)),
              lambda: phase_offences(relays, t0[0]),
              lambda: phase_failover(ms, relays, base),
              lambda: phase_outage(relays, base), lambda: errs.append(phase_password())]
    # ARX_E2E_PHASES=2: the first two only (while working on one)
    for phase in phases[:int(os.environ.get("ARX_E2E_PHASES", "6"))]:
        phase()
    err = ms["B"].stop() + "".join(errs)
    for a in agents.values():
        err += a.stop()
    expect("Sanitizer" not in err, "every arxd exited clean")
    print("e2e.cluster: took %.0f s" % (time.time() - T0))


def leftovers():
    pg.remove()
    sshnet.net_down([SW, DB, AT] + [h for h, _, _ in MANAGERS.values()] +
                    [h for h, _, _ in AGENTS])
    left = [n for n in sh("ip", "netns", "list").stdout.split()
            if n.endswith(str(PID))]
    procs = sh("pgrep", "-f", TMP, check=False).stdout.split()
    expect(left == [] and procs == [],
           "no namespace or process is left behind")


T0 = time.time()
finish("e2e.cluster", main, None if os.environ.get("ARX_E2E_KEEP") else TMP,
       leftovers)
