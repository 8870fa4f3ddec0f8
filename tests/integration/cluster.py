#!/usr/bin/env python3
"""Two managers sharing a PostgreSQL database (<cluster>), two agents,
all arxd on loopback, and a real PostgreSQL this test starts.

  agent1 -> manager-a   agent2 -> manager-b   (agent1 lists b second)

Both agents enroll with manager-a; manager-b learns them through the
database and takes agent2. An attack seen by agent1 is decided on a
(<location>all) and reaches agent2 through b; the address's next
offence, seen by agent2 and decided on b, escalates from the fleet's
history (offence 2). Manager a killed with SIGKILL: agent1 goes to b,
and every line it sent is analysed once across the two (the database's
sequence number and event count equal the lines written). The database
stopped for a while: b goes on deciding and delivering alone, keeps its
writes, and the database has them once it is back. A manager with a
wrong database password does not start, and says why. Needs root (the
analysis children run as arx).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

if os.environ.get("ARX_CLUSTER_NS") != "1":  # a loopback of its own
    os.environ["ARX_CLUSTER_NS"] = "1"
    os.execvp("unshare", ["unshare", "-n", sys.executable, *sys.argv])

from harness import (Arxd, ctl, expect, finish, pg_start, scratch,  # noqa
                     wait)

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-cluster-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SA, SB, AUTH, PG = free_port(), free_port(), free_port(), free_port()
MA, MB, A1, A2 = (os.path.join(TMP, d) for d in ("ma", "mb", "a1", "a2"))
RESPONSES = """<command><name>rec</name><executable>rec</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>all</location>
    <rules_id>5712</rules_id><timeout>4</timeout>
    <repeated_offenders>1,2</repeated_offenders>
    <offence_grace>1</offence_grace></active-response>"""
RULESET = """<ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>""".format(src=SRC)
DAEMON = """<daemon><node_name>{name}</node_name>
    <active_response_dir>{d}/ar</active_response_dir>
    <state_dir>{d}/state</state_dir><log_dir>{d}/log</log_dir>
    <control_socket>{d}/run/control.sock</control_socket></daemon>"""
MANAGER = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <remote><connection>secure</connection><port>{secure}</port>
    <local_ip>127.0.0.1</local_ip></remote>
  {auth}
  <cluster><node_name>{name}</node_name><database>{db}</database>
    <password_file>{d}/db.pass</password_file></cluster>
  {responses}
  {ruleset}
  {daemon}
</arx_config>
"""
AUTH_XML = """<auth><port>{auth}</port><local_ip>127.0.0.1</local_ip>
    <password_file>{d}/pass</password_file></auth>"""
AGENT = """<arx_config>
  <client>{servers}<notify_time>2</notify_time></client>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {responses}
  {ruleset}
  {daemon}
</arx_config>
"""
SERVER = "<server><address>127.0.0.1</address><port>%d</port></server>"


def sock(d):
    return os.path.join(d, "run", "control.sock")


def status(d):
    r = ctl(ARX, sock(d), "status", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def connected_on(d, name):
    return any(a.get("name") == name and a.get("state") == "active"
               for a in status(d).get("agents", []))


def recorded(d):
    try:
        return open(os.path.join(d, "ar", "rec.log")).read()
    except OSError:
        return ""


def write_conf(d, text):
    with open(os.path.join(d, "arx.conf"), "w") as f:
        f.write(text)


def setup(db):
    for d in (MA, MB, A1, A2):
        os.makedirs(os.path.join(d, "state"), mode=0o700)
        os.makedirs(os.path.join(d, "ar"), mode=0o755)
        os.chmod(d, 0o755)
        shutil.copy(os.path.join(BIN, "ar_recorder"),
                    os.path.join(d, "ar", "rec"))
    for d in (MA, MB):
        with open(os.path.join(d, "db.pass"), "w") as f:
            f.write(db["password"] + "\n")
        os.chmod(os.path.join(d, "db.pass"), 0o600)
    with open(os.path.join(MA, "pass"), "w") as f:
        f.write("enrollment secret\n")
    os.chmod(os.path.join(MA, "pass"), 0o600)
    for d, name, port, auth in ((MA, "manager-a", SA, True),
                                (MB, "manager-b", SB, False)):
        write_conf(d, MANAGER.format(
            secure=port, name=name, db=db["conninfo"], d=d,
            auth=AUTH_XML.format(auth=AUTH, d=d) if auth else "",
            responses=RESPONSES, ruleset=RULESET,
            daemon=DAEMON.format(name=name, d=d)))
    for d, name, ports in ((A1, "agent1", (SA, SB)), (A2, "agent2", (SB,))):
        open(os.path.join(d, "auth.log"), "w").close()
        os.chmod(os.path.join(d, "auth.log"), 0o644)
        write_conf(d, AGENT.format(
            servers="".join(SERVER % p for p in ports), d=d,
            responses=RESPONSES, ruleset=RULESET,
            daemon=DAEMON.format(name=name, d=d)))


def start(d):
    return Arxd(ARXD, os.path.join(d, "arx.conf"),
                lambda: ctl(ARX, sock(d), "status").returncode == 0)


def enroll(name, d):
    r = subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                        str(AUTH), "-n", name, "-P",
                        os.path.join(MA, "pass"), "-o",
                        os.path.join(d, "state", "agent.key")],
                       capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0, "%s enrolled with manager-a" % name)


def agents(d, *args):
    return subprocess.run([ARX, "agents", "-c", os.path.join(d, "arx.conf"),
                           *args], capture_output=True, text=True,
                          timeout=60)


def enroll_token(name, token):
    out = os.path.join(TMP, name + ".key")
    return subprocess.run([ARX, "agent", "enroll", "127.0.0.1", "-p",
                           str(AUTH), "-n", name, "-T", token, "-o", out],
                          capture_output=True, text=True,
                          timeout=60).returncode


COUNT = {A1: 0, A2: 0}


def attack(d, addr, n=8):
    with open(os.path.join(d, "auth.log"), "a") as f:
        for i in range(n):
            k = COUNT[d] = COUNT[d] + 1
            f.write("Dec  7 10:%02d:%02d host sshd[%d]: Invalid user u%d "
                    "from %s port %d\n" % (k // 60 % 60, k % 60, 1000 + k,
                                           k, addr, 4000 + k))


def db_row(db, sql):
    return db["psql"](sql)


def agent_port(arxd, port):
    """The local port of the connection the analysis child of arxd holds
    to port."""
    kids = open("/proc/%d/task/%d/children" % (arxd.p.pid, arxd.p.pid)) \
        .read().split()
    out = subprocess.run(["ss", "-tnpH", "state", "established", "dport",
                          "= :%d" % port], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if any("pid=%s," % k in line for k in kids):
            return int(line.split()[2].rsplit(":", 1)[1])
    raise RuntimeError("no connection to port %d: %s" % (port, out))


def nft(script):
    subprocess.run(["nft", script], check=True)


def main():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    db = pg_start(TMP, listen_addresses="127.0.0.1", port=PG)
    # over TCP, as managers on other hosts reach it (libpq's TLS and
    # GSSAPI negotiation included, in the analysis child's sandbox)
    db["conninfo"] = "host=127.0.0.1 port=%d dbname=arx user=arx" % PG
    setup(db)
    ma, mb = start(MA), start(MB)
    enroll("agent1", A1)
    enroll("agent2", A2)
    a1 = start(A1)
    expect(wait(lambda: connected_on(MA, "agent1"), 15),
           "agent1 is connected to manager-a")
    a2 = start(A2)
    expect(wait(lambda: connected_on(MB, "agent2"), 15),
           "agent2, enrolled on manager-a, is let in by manager-b (the "
           "agent table came through the database)")
    expect(db_row(db, "SELECT version FROM arx_schema ORDER BY version "
                      "DESC LIMIT 1") == "1",
           "the managers made the schema (version 1)")
    expect(db_row(db, "SELECT string_agg(name, ',' ORDER BY name) FROM "
                      "arx_managers") == "manager-a,manager-b",
           "both managers are registered")

    # A decision on a reaches b's agent.
    attack(A1, "192.0.2.66")
    expect(wait(lambda: "192.0.2.66" in recorded(A2), 15),
           "an attack seen by agent1 and decided on manager-a is blocked "
           "on agent2, connected to manager-b")
    expect(wait(lambda: "192.0.2.66" in recorded(A1), 5),
           "and on agent1")
    expect(db_row(db, "SELECT count FROM arx_offences WHERE address = "
                      "'192.0.2.66'") == "1",
           "the database holds offence 1 of 192.0.2.66")

    # Its next offence, on b, escalates from the fleet's history.
    time.sleep(5)  # the first block (4 s) is over
    attack(A2, "192.0.2.66")
    expect(wait(lambda: db_row(db, "SELECT max(offences) FROM arx_blocks "
                                   "WHERE address = '192.0.2.66' AND "
                                   "manager = 'manager-b'") == "2", 15),
           "manager-b decides offence 2 (the fleet's count, not its own)")
    expect(wait(lambda: db_row(db, "SELECT count FROM arx_offences WHERE "
                                   "address = '192.0.2.66'") == "2", 5),
           "and the database's count is 2")

    # Manager a killed: agent1 goes to b; each line analysed once.
    attack(A1, "192.0.2.67", 3)
    expect(wait(lambda: db_row(db, "SELECT events FROM arx_agents WHERE "
                                   "name = 'agent1'") == str(COUNT[A1]), 10),
           "agent1's lines so far are in the database (%d)" % COUNT[A1])
    ma.p.send_signal(signal.SIGKILL)  # its child dies with it
    ma.p.wait()
    t0 = time.monotonic()
    expect(wait(lambda: connected_on(MB, "agent1"), 15),
           "manager-a killed: agent1 is on manager-b after %.1f s"
           % (time.monotonic() - t0))

    # Lines analysed (and in the database) but never acknowledged: what
    # manager-b sends agent1 is dropped while agent1 attacks, and b is
    # stopped; agent1 sends them again to b started again, which must
    # know them for done (the database's sequence number).
    port = agent_port(a1, SB)
    nft("add table inet clu; add chain inet clu in { type filter hook "
        "input priority 0; }; add rule inet clu in tcp sport %d tcp dport "
        "%d drop" % (SB, port))
    attack(A1, "192.0.2.67", 3)
    expect(wait(lambda: db_row(db, "SELECT events FROM arx_agents WHERE "
                                   "name = 'agent1'") == str(COUNT[A1]), 10),
           "agent1's lines so far are in the database (%d), the last 3 "
           "not acknowledged" % COUNT[A1])
    mb.p.send_signal(signal.SIGKILL)
    mb.p.wait()
    mb = start(MB)
    expect(wait(lambda: connected_on(MB, "agent1"), 40),
           "agent1 is back on manager-b (once it gave the old connection "
           "up)")
    nft("delete table inet clu")
    expect(wait(lambda: status(MB).get("analysis", {}).get(
        "agent_duplicates", 0) >= 3, 10),
           "manager-b dropped the 3 lines agent1 sent again (%s)"
           % status(MB).get("analysis", {}).get("agent_duplicates"))
    attack(A1, "192.0.2.68", 3)
    expect(wait(lambda: db_row(db, "SELECT events FROM arx_agents WHERE "
                                   "name = 'agent1'") == str(COUNT[A1]), 10),
           "every line agent1 wrote (%d) was analysed once across the "
           "fleet: %s" % (COUNT[A1], db_row(
               db, "SELECT events FROM arx_agents WHERE name = 'agent1'")))

    # The database away: b goes on alone, then catches up.
    db["stop"]()
    attack(A2, "192.0.2.69")
    expect(wait(lambda: "192.0.2.69" in recorded(A2) and
                "192.0.2.69" in recorded(A1), 15),
           "the database stopped: manager-b still decides and delivers to "
           "both its agents")
    db["start"]()
    expect(wait(lambda: db_row(db, "SELECT count(*) FROM arx_blocks WHERE "
                                   "address = '192.0.2.69'") == "1", 20),
           "the database back: it has the decision made meanwhile")
    expect(wait(lambda: db_row(db, "SELECT events FROM arx_agents WHERE "
                                   "name = 'agent2'") == str(COUNT[A2]), 20),
           "and agent2's progress (%d lines)" % COUNT[A2])

    # A one-time token used on manager-a while the database was away,
    # and manager-a killed before it could tell: started again, it
    # tells the database (its last view of it survives the restart), and
    # the token cannot be used a second time anywhere.
    ma = start(MA)
    tok = agents(MA, "token").stdout.strip()
    tid = tok.split(":")[1]
    expect(wait(lambda: db_row(db, "SELECT count(*) FROM arx_tokens WHERE "
                                   "id = '%s' AND used_at IS NULL" % tid)
                == "1", 10), "a token made on manager-a is in the database")
    db["stop"]()
    expect(enroll_token("h1", tok) == 0,
           "the database away: host h1 enrolls with the token on manager-a")
    ma.p.send_signal(signal.SIGKILL)
    ma.p.wait()
    db["start"]()
    ma = start(MA)
    expect(wait(lambda: db_row(db, "SELECT count(*) FROM arx_tokens WHERE "
                                   "id = '%s' AND used_at IS NOT NULL"
                                   % tid) == "1", 15),
           "manager-a, killed and started again, tells the database the "
           "token was used")
    expect(enroll_token("h2", tok) != 0,
           "and host h2 cannot enroll with it again")

    # A manager away while an agent changed: back, it takes the change
    # and does not push its stale table over it.
    mb.stop()
    agents(MA, "group", "agent2", "web")
    expect(wait(lambda: "group=web" in db_row(
        db, "SELECT line FROM arx_agents WHERE name = 'agent2'"), 10),
           "manager-b stopped: agent2 put in group web on manager-a")
    mb = start(MB)
    time.sleep(3)
    expect("group=web" in db_row(db, "SELECT line FROM arx_agents WHERE "
                                     "name = 'agent2'") and
           wait(lambda: '"group":"web"' in agents(MB, "list", "--json")
                .stdout.replace(" ", ""), 10),
           "manager-b started again takes the change and keeps it")

    # A second manager given manager-b's name by mistake: both say so.
    mc_dir = os.path.join(TMP, "mc")
    os.makedirs(os.path.join(mc_dir, "state"), mode=0o700)
    os.makedirs(os.path.join(mc_dir, "ar"), mode=0o755)
    os.chmod(mc_dir, 0o755)
    shutil.copy(os.path.join(MB, "db.pass"), os.path.join(mc_dir, "db.pass"))
    shutil.copy(os.path.join(BIN, "ar_recorder"),
                os.path.join(mc_dir, "ar", "rec"))
    write_conf(mc_dir, MANAGER.format(
        secure=free_port(), name="manager-b", db=db["conninfo"], d=mc_dir,
        auth="", responses=RESPONSES, ruleset=RULESET,
        daemon=DAEMON.format(name="manager-b", d=mc_dir)))
    mc = start(mc_dir)
    expect(wait(lambda: status(MB).get("analysis", {}).get(
        "cluster_name_clashes", 0) >= 1, 40),
           "a second manager named manager-b: the first says another "
           "manager has its name")
    mc.stop()

    # A wrong password: refused at start, saying why.
    ma.stop()
    with open(os.path.join(MA, "db.pass"), "w") as f:
        f.write("not the password\n")
    r = subprocess.run([ARXD, "-f", "-c", os.path.join(MA, "arx.conf")],
                       capture_output=True, text=True, timeout=60)
    expect(r.returncode != 0 and
           "password authentication failed" in r.stderr,
           "a wrong database password: arxd does not start (%d) and says "
           "why: %s" % (r.returncode, [l for l in r.stderr.splitlines()
                                       if "cluster" in l][:1]))
    for p in (a1, a2, mb):
        err = p.stop()
        if os.environ.get("ARX_CLUSTER_DEBUG"):
            print(err)


finish("integ.cluster", main, TMP)
