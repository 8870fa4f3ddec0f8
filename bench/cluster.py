#!/usr/bin/env python3
"""The PostgreSQL cluster (<cluster>, issue 24), measured with the
release build. Managers run in one network namespace, each agent in a
namespace of its own joined to the managers' by a veth pair
(198.51.100.0/30 and 198.51.100.4/30), every agent with builtin:nftables
as its response; attackers are 2001:db8:24::/48 (they never send a
packet). PostgreSQL is the throwaway server of tests/integration/
harness.py (pg_start: run as user arx, on a Unix socket only).

1. Decisions a second through PostgreSQL, end to end: manager a (with
   <cluster>, a secure <remote> and <auth>), rule 5710 (one invalid-user
   line) bound to a response with <location>all</location>, and its
   agent a1, which is fed N lines (default 5,000) from N addresses at
   once. Reported: the rate of the decisions (first to last
   arx_blocks.made_ms), the time from the write to the last row
   committed (polled every 10 ms through one psql session), and to the
   last address in a1's kernel set (tests/e2e/nftwatch.py). Then the
   client alone, bench/db_bench (10,000 arx_block_add through db/pg.h),
   and the server alone, pgbench with one client running the same
   statement. All of it once with PostgreSQL's fsync off and once on.
2. A block on a to the kernel of b's agent: managers a and b on one
   database (fsync off), agents a1 (of a) and b1 (of b). For K attacks
   (default 200) in turn, one line from a new address to a1's log; the
   time from the row's made_ms (a's decision) to the kernel's netlink
   notification that the address is in b1's set, and for comparison to
   a1's set (a's own agent, no database in the way). CLOCK_MONOTONIC
   (nftwatch) is turned into wall-clock time (made_ms) by the offset
   between the two clocks read here; all on one machine.

Needs root, nftables, iproute2 and PostgreSQL 15; the namespaces and
PostgreSQL are removed and stopped at the end, also on failure.

Usage: bench/cluster.py [N [K]]
"""
import json
import os
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for d in (("tests", "e2e"), ("tests", "integration"), ("bench",)):
    sys.path.insert(0, os.path.join(TOP, *d))
from nftwatch import Watch  # noqa: E402
import harness  # noqa: E402
import nsbench  # noqa: E402
BIN = os.path.join(TOP, "build", "release", "bin")
ARXD, ARX = os.path.join(BIN, "arxd"), os.path.join(BIN, "arx")
TAG = os.getpid()
NSM, NSA, NSB = ("arxC%s%d" % (k, TAG) for k in "mab")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
K = int(sys.argv[2]) if len(sys.argv) > 2 else 200
CHUNK, PACE_S = 100, 0.01  # the paced feed: 10,000 lines a second
SA, SB, AUTH = 41524, 41525, 41526  # in the managers' namespace
PG_PORT = 45524                     # its Unix socket is in our directory
LINKS = {NSA: ("va", "198.51.100.1", "198.51.100.2"),
         NSB: ("vb", "198.51.100.5", "198.51.100.6")}

RESPONSE = """<command><name>drop</name><executable>builtin:nftables</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>drop</command><location>all</location>
    <rules_id>5710</rules_id><timeout>10m</timeout></active-response>"""
RULESET = """<ruleset><decoder_dir>{top}/ruleset/decoders</decoder_dir>
    <rule_dir>{top}/ruleset/rules</rule_dir></ruleset>""".format(top=TOP)
DAEMON = """<daemon><node_name>{name}</node_name>
    <active_response_dir>{bin}</active_response_dir>
    <state_dir>{d}/state</state_dir><log_dir>{d}/log</log_dir>
    <control_socket>{d}/run/control.sock</control_socket>
    <max_queued>1000000</max_queued></daemon>"""
MANAGER = """<arx_config>
  <remote><connection>secure</connection><port>{port}</port></remote>
  {auth}
  <cluster><node_name>{name}</node_name><database>{db}</database>
    <password_file>{d}/db.pass</password_file></cluster>
  {response}
  {ruleset}
  {daemon}
</arx_config>
"""
AUTH_XML = """<auth><port>%d</port><password_file>{d}/pass</password_file>
  </auth>""" % AUTH
AGENT = """<arx_config>
  <client><server><address>{server}</address><port>{port}</port></server>
    <notify_time>2</notify_time></client>
  <client_buffer><queue_size>1000000</queue_size></client_buffer>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {response}
  {ruleset}
  {daemon}
</arx_config>
"""


def sh(*argv):
    subprocess.run(argv, check=True)


def netns_up():
    for ns in (NSM, NSA, NSB):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    for ns, (dev, mine, theirs) in LINKS.items():
        sh("ip", "-n", NSM, "link", "add", dev, "type", "veth", "peer",
           "name", "eth0", "netns", ns)
        sh("ip", "-n", NSM, "addr", "add", mine + "/30", "dev", dev)
        sh("ip", "-n", ns, "addr", "add", theirs + "/30", "dev", "eth0")
        sh("ip", "-n", NSM, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        if os.environ.get("ARX_BENCH_QUICKACK"):  # no delayed ACKs
            net = mine.rsplit(".", 1)[0] + ".%d/30" % (
                int(mine.rsplit(".", 1)[1]) - 1)
            for n, d, src in ((NSM, dev, mine), (ns, "eth0", theirs)):
                sh("ip", "-n", n, "route", "replace", net, "dev", d,
                   "src", src, "quickack", "1")


class Sql:
    """One psql session (as postgres, on the Unix socket) kept open, so
    that polling costs a query and not a process start. Each query
    must give one line."""
    def __init__(self, db, dbname="arx"):
        self.p = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-h", db["sockdir"], "-p",
             str(db["port"]), "-U", "postgres", "-d", dbname, "-v",
             "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1)

    def one(self, sql):
        self.p.stdin.write(sql.rstrip(";") + ";\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if line == "":
            raise RuntimeError("psql ended on: " + sql)
        return line.strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def sock(d):
    return os.path.join(d, "run", "control.sock")


def status(d):
    r = harness.ctl(ARX, sock(d), "status", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def connected_on(d, name):
    return any(a.get("name") == name and a.get("state") == "active"
               for a in status(d).get("agents", []))


def node_dir(base, name):
    d = os.path.join(base, name)
    os.makedirs(os.path.join(d, "state"), mode=0o700)
    os.chmod(d, 0o755)
    return d


def secret(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)


def manager(base, name, port, db, auth):
    d = node_dir(base, name)
    secret(os.path.join(d, "db.pass"), db["password"])
    if auth:
        secret(os.path.join(d, "pass"), "enrollment secret")
    with open(os.path.join(d, "arx.conf"), "w") as f:
        f.write(MANAGER.format(
            port=port, name=name, db=db["conninfo"], d=d,
            auth=AUTH_XML.format(d=d) if auth else "", response=RESPONSE,
            ruleset=RULESET, daemon=DAEMON.format(name=name, d=d, bin=BIN)))
    return d, start(d, NSM)


def agent(base, name, ns, port, ma):
    """Agent name in ns, enrolled with manager a (directory ma), its
    <server> the managers' end of its veth on port."""
    d = node_dir(base, name)
    log = os.path.join(d, "auth.log")
    open(log, "w").close()
    os.chmod(log, 0o644)
    server = LINKS[ns][1]
    with open(os.path.join(d, "arx.conf"), "w") as f:
        f.write(AGENT.format(server=server, port=port, d=d,
                             response=RESPONSE, ruleset=RULESET,
                             daemon=DAEMON.format(name=name, d=d, bin=BIN)))
    subprocess.run(["ip", "netns", "exec", ns, "nft", "delete", "table",
                    "inet", "arx"], stderr=subprocess.DEVNULL)
    r = subprocess.run(["ip", "netns", "exec", ns, ARX, "agent", "enroll",
                        server,
                        "-p", str(AUTH), "-n", name,
                        "-P", os.path.join(ma, "pass"),
                        "-o", os.path.join(d, "state", "agent.key")],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("%s not enrolled: %s" % (name, r.stderr))
    return d, start(d, ns)


class Arxd:
    """arxd -f in namespace ns, its stderr in d/stderr (a pipe nobody
    reads would stop it once full), waited for until it answers."""
    def __init__(self, d, ns):
        with open(os.path.join(d, "stderr"), "w") as err:
            self.p = subprocess.Popen(
                ["ip", "netns", "exec", ns, ARXD, "-f", "-c",
                 os.path.join(d, "arx.conf")], stderr=err)
        harness.PROCS.append(self.p)
        if not harness.wait(lambda: self.p.poll() is None and harness.ctl(
                ARX, sock(d), "status").returncode == 0, 15):
            raise RuntimeError("arxd did not start: " + open(
                os.path.join(d, "stderr")).read()[-2000:])

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=120)


def start(d, ns):
    return Arxd(d, ns)


def wait_for(cond, what, limit=30):
    if not harness.wait(cond, limit):
        raise RuntimeError("not within %d s: %s" % (limit, what))


def line(addr, k):
    return "%s vm sshd[%d]: Invalid user u from %s port 22\n" % (
        time.strftime("%b %e %H:%M:%S"), 500 + k % 1000, addr)


def stop_all(procs):
    for p in procs:
        p.stop()


# ---- 1. decisions a second ----

def feed(path, lines, chunk):
    """lines appended to path, chunk lines every PACE_S (all at once when
    chunk covers them); the wall-clock time of the first write."""
    t0 = time.time()
    with open(path, "a") as f:
        for i in range(0, len(lines), chunk):
            f.write("".join(lines[i:i + chunk]))
            f.flush()
            time.sleep(max(0.0, t0 + (i // chunk + 1) * PACE_S -
                           time.time()))
    return t0


def rows_until(sql, want, d):
    """Poll count(*) of arx_blocks until it reaches want or stops moving
    for 10 s; (count, wall-clock time it was last seen to grow)."""
    count, moved = 0, time.time()
    while count < want and time.time() - moved < 10:
        now = int(sql.one("SELECT count(*) FROM arx_blocks"))
        if now != count:
            count, moved = now, time.time()
        time.sleep(0.01)
    return count, moved


def decisions(base, fsync, chunk):
    label = "fsync %s, %s" % ("on" if fsync else "off", "all at once"
                              if chunk >= N else "%d lines every %d ms" % (
                                  chunk, PACE_S * 1000))
    db = harness.pg_start(base, port=PG_PORT, fsync=fsync)
    ma, a = manager(base, "manager-a", SA, db, True)
    a1, p1 = agent(base, "agent-a1", NSA, SA, ma)
    wait_for(lambda: connected_on(ma, "agent-a1"), "agent-a1 on manager-a")
    sql = Sql(db)
    watch = Watch(NSA)
    t0 = feed(os.path.join(a1, "auth.log"),
              [line("2001:db8:24:1:%x::%x" % (k >> 16, k & 0xffff), k)
               for k in range(N)], chunk)
    rows, t_db = rows_until(sql, N, ma)
    if rows < 2:
        raise RuntimeError("%d decisions reached the database; manager-a "
                           "said: %s" % (rows, tail(ma)))
    first, last = (int(v) for v in sql.one(
        "SELECT min(made_ms) || ' ' || max(made_ms) FROM arx_blocks").split())
    harness.wait(lambda: in_set(watch) >= rows, 60, 0.05)
    t_agent = mono_to_wall(last_change(watch))
    seen = in_set(watch)
    watch.close()
    span, t_first = (last - first) / 1000, first / 1000
    print("cluster, %s: %d lines from %d addresses to agent-a1, %d rows "
          "in arx_blocks, %d responses for agents dropped" % (
              label, N, N, rows, not_sent(ma)))
    print("  decisions made (first to last made_ms): %.2f s = %.0f/s" % (
        span, (rows - 1) / span if span > 0 else 0))
    print("  first line written to the last row committed: %.2f s; first "
          "decision to the last row committed: %.2f s = %.0f rows/s" % (
              t_db - t0, t_db - t_first, rows / (t_db - t_first)))
    print("  first line written to the last address in agent-a1's kernel "
          "set: %.2f s (%d addresses)" % (t_agent - t0, seen))
    harness.wait(lambda: "cluster_blocks_written %d" % rows in counters(
        ma, ("cluster_blocks_written",)), 5)
    print("  manager-a: " + counters(ma, ("cluster_blocks_written",
                                          "cluster_write_errors",
                                          "db_dropped", "db_errors")))
    stop_all((p1, a))
    sql.close()
    if chunk < N:
        client_alone(base, db)
    db["stop"]()


def client_alone(base, db):
    pw = os.path.join(base, "db.pass")
    secret(pw, db["password"])
    r = subprocess.run([os.path.join(BIN, "db_bench"), db["conninfo"], pw,
                        "10000"], capture_output=True, text=True,
                       timeout=900)
    print("  " + (r.stdout.strip() or r.stderr.strip()))
    print("  " + pgbench(base, db))


def tail(d):
    with open(os.path.join(d, "stderr")) as f:
        return f.read()[-1500:]


def not_sent(d):
    with open(os.path.join(d, "stderr")) as f:
        return sum(1 for ln in f if "for agents dropped" in ln)


def counters(d, names):
    st = status(d)
    out = []
    for group in st.values():
        if isinstance(group, dict):
            out += ["%s %s" % (k, group[k]) for k in names if k in group]
    return ", ".join(out)


PGBENCH = {"arx_block_add": "\\set k random(1, 1000000000)\n"
           "SELECT arx_block_add(x, 'pgbench', 'drop', x, 3::smallint, '',"
           " 0, 0, 1, 5710, '') FROM (SELECT 'pgbench-' || CAST(:k AS text)"
           " AS x) s;\n",
           "SELECT 1 (the round trip)": "SELECT 1;\n"}


def pgbench(base, db):
    """The server alone: pgbench, one client, 10,000 times the statement
    arx runs (extended protocol, a commit each), then SELECT 1."""
    out = []
    for what, text in PGBENCH.items():
        script = os.path.join(base, "pgbench.sql")
        with open(script, "w") as f:
            f.write(text)
        r = subprocess.run(["pgbench", "-n", "-c", "1", "-t", "10000", "-M",
                            "extended", "-f", script, "-h", db["sockdir"],
                            "-p", str(db["port"]), "-U", "postgres", "arx"],
                           capture_output=True, text=True, timeout=900)
        tps = [ln for ln in r.stdout.splitlines() if ln.startswith("tps")]
        if r.returncode != 0 or not tps:
            out.append("pgbench failed: " + r.stderr.strip()[-300:])
            continue
        out.append("pgbench, 1 client, 10,000 %s: %.0f/s" % (
            what, float(tps[0].split()[2])))
    return "\n  ".join(out)


def in_set(watch):
    with watch.lock:
        return len({a for _, a, p in watch.changes if p})


def last_change(watch):
    with watch.lock:
        return max((t for t, _, p in watch.changes if p), default=0.0)


def mono_to_wall(t):
    return t + OFFSET


OFFSET = time.time() - time.monotonic()


# ---- 2. a block on a to the kernel of b's agent ----

def spread(base):
    db = harness.pg_start(base, port=PG_PORT + 1)
    ma, a = manager(base, "manager-a", SA, db, True)
    mb, b = manager(base, "manager-b", SB, db, False)
    a1, p1 = agent(base, "agent-a1", NSA, SA, ma)
    b1, p2 = agent(base, "agent-b1", NSB, SB, ma)
    wait_for(lambda: connected_on(ma, "agent-a1"), "agent-a1 on manager-a")
    wait_for(lambda: connected_on(mb, "agent-b1"), "agent-b1 on manager-b")
    sql = Sql(db)
    wa, wb = Watch(NSA), Watch(NSB)
    decide, to_b, to_a, lost = [], [], [], 0
    with open(os.path.join(a1, "auth.log"), "a") as f:
        for k in range(K):
            addr = "2001:db8:24:2::%x" % (k + 1)
            m0 = time.monotonic()
            t0 = mono_to_wall(m0)
            f.write(line(addr, k))
            f.flush()
            tb = wb.when(addr, True, m0, 10)
            ta = wa.when(addr, True, m0, 10)
            made = sql.one("SELECT made_ms FROM arx_blocks WHERE address = "
                           "'%s'" % addr)
            if tb is None or ta is None or made == "":
                lost += 1
                continue
            made = int(made) / 1000
            decide.append((made - t0) * 1000)
            to_b.append((mono_to_wall(tb) - made) * 1000)
            to_a.append((mono_to_wall(ta) - made) * 1000)
    wa.close()
    wb.close()
    sql.close()
    print("cluster, a block on manager-a to the kernel of manager-b's "
          "agent, %d attacks (%d not seen; fsync off):" % (K, lost))
    for what, v in (("line written to a's decision (made_ms)", decide),
                    ("a's decision to b1's kernel set", to_b),
                    ("a's decision to a1's kernel set (no database)",
                     to_a)):
        print("  %s: %s" % (what, summary(v)))
    stop_all((p1, p2, a, b))
    db["stop"]()


def summary(v):
    if not v:
        return "none"
    v = sorted(v)

    def pct(p):
        return v[min(len(v) - 1, int(len(v) * p / 100))]
    return "min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms" % (
        v[0], pct(50), pct(90), pct(99), v[-1])


def main(tmp):
    try:
        netns_up()
        for fsync, chunk in ((False, CHUNK), (True, CHUNK), (False, N)):
            sub = os.path.join(tmp, "%s-%d" % (fsync, chunk))
            os.makedirs(sub, mode=0o755)
            decisions(sub, fsync, chunk)
        sub = os.path.join(tmp, "spread")
        os.makedirs(sub, mode=0o755)
        spread(sub)
    finally:
        for stop in harness.STOPS:
            try:
                stop()
            except Exception as e:  # still kill the rest
                print("cluster: stopping PostgreSQL: %s" % e)
        for p in harness.PROCS:
            if p.poll() is None:
                p.kill()


if __name__ == "__main__":
    nsbench.run("cluster", (NSM, NSA, NSB), main)
