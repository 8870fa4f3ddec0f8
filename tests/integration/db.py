#!/usr/bin/env python3
"""The db library against a real PostgreSQL (issue 24).

The test starts a throwaway server (harness.pg_start: user arx or
nobody, a Unix socket of its own, role arx with a password) and checks,
through tests/helpers/db_client and `arx db`:

  - `arx db migrate` and `arx db status` (text and --json) from a
    configuration's <cluster>; a password file others can read, a wrong
    password and a configuration without <cluster> refused, exit 1 and
    one line;
  - migrate on an empty database makes schema 1 and registers the
    manager; again it is a no-op; status reads the version, the
    managers and the counts; four migrations started at once on another
    empty database all succeed and apply it once (the advisory lock);
  - the functions of the schema: a block's key twice gives one row and
    one notification, offences keep the greatest count, a removed agent
    stays removed, a used token stays used;
  - a schema version 99 is refused, saying so; a wrong password is
    refused with the server's reason on one line;
  - the client on the event loop: statements in order, a SQL error
    reported and counted, LISTEN/NOTIFY, a read while the server is down
    failing at once, writes held while it is down (beyond max_writes the
    oldest dropped and counted) and run after it starts again, a write
    the connection was lost under run again, pg_close dropping what
    waits; a server that accepts and never answers is given up after
    the connect deadline while the loop goes on answering.
"""
import json
import os
import queue
import socket
import subprocess
import sys
import threading

from harness import expect, finish, pg_start, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
CLIENT, ARX = os.path.join(BIN, "db_client"), os.path.join(BIN, "arx")
TMP = scratch("arx-db-")
PORT = 55431
HANG_PORT = 55432


def client(env, *args):
    return subprocess.run([CLIENT, *args], env=env, capture_output=True,
                          text=True, timeout=60)


class Async:
    """db_client async: commands in, lines out (read by a thread)."""
    def __init__(self, env, max_writes=3):
        self.p = subprocess.Popen([CLIENT, "async", str(max_writes)],
                                  env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, *fields):
        self.p.stdin.write("\t".join(fields) + "\n")
        self.p.stdin.flush()

    def until(self, pred, limit=30):
        """Lines until one satisfies pred (all kept in seen); that one."""
        try:
            while True:
                line = self.lines.get(timeout=limit)
                self.seen.append(line)
                if pred(line):
                    return line
        except queue.Empty:
            return None

    def counters(self):
        self.send("counters")
        line = self.until(lambda s: s.startswith("counters"))
        return dict(w.split("=") for w in line.split()[1:]) if line else {}

    def close(self):
        self.send("close")
        self.until(lambda s: s == "closed")
        self.p.wait(timeout=30)
        return self.p.stderr.read()


def check_migrations(pg, env):
    r = client(env, "status")
    expect(r.returncode == 0 and r.stdout.startswith("version=0 known=1"),
           "status on an empty database says version 0: " + r.stdout)
    r = client(env, "migrate", "manager-a")
    expect(r.returncode == 0 and r.stdout == "ok\n",
           "migrate on an empty database: " + r.stdout)
    first = pg["psql"]("SELECT version, applied_at FROM arx_schema")
    expect(first.startswith("1|"), "arx_schema holds version 1: " + first)
    tables = pg["psql"]("SELECT string_agg(tablename, ',' ORDER BY "
                        "tablename) FROM pg_tables WHERE tablename "
                        "LIKE 'arx_%'")
    expect(tables == "arx_agents,arx_blocks,arx_managers,arx_offences,"
           "arx_schema,arx_tokens", "the tables of the spec: " + tables)
    r = client(env, "migrate", "manager-a")
    again = pg["psql"]("SELECT version, applied_at FROM arx_schema")
    expect(r.returncode == 0 and again == first,
           "migrate again is a no-op (arx_schema unchanged)")
    mgr = pg["psql"]("SELECT name, version FROM arx_managers")
    expect(mgr.startswith("manager-a|"), "the manager registered: " + mgr)


def check_functions(pg):
    add = ("SELECT arx_block_add('k1', 'manager-a', 'firewall-drop', "
           "'192.0.2.7', 0::smallint, '', 1000, {d}, {o}, 5712, 'a1')")
    n1 = pg["psql"](add.format(d=2 ** 50, o=2))
    n2 = pg["psql"](add.format(d=2 ** 50, o=5))
    expect(n1.isdigit() and n2 == "",
           "a block's key twice: one id, then NULL (%r, %r)" % (n1, n2))
    off = pg["psql"]("SELECT count FROM arx_offences")
    pg["psql"](add.format(d=2 ** 50, o=1))
    off2 = pg["psql"]("SELECT count FROM arx_offences")
    expect(off == "5" and off2 == "5",
           "offences keep the greatest count (%s, %s)" % (off, off2))
    got = pg["psql"]("SELECT arx_agent_put(7, 'web', 'l1', false), "
                     "arx_agent_put(7, 'web', 'l1', false), "
                     "arx_agent_put(7, 'web', 'l2', true), "
                     "arx_agent_put(7, 'web', 'l3', false)")
    row = pg["psql"]("SELECT line, removed FROM arx_agents WHERE id = 7")
    expect(got == "t|f|t|f" and row == "l2|t",
           "a removed agent stays removed (%s; %s)" % (got, row))
    got = pg["psql"]("SELECT arx_token_put('t1', 'x', false, ''), "
                     "arx_token_put('t1', 'x', true, 'manager-a'), "
                     "arx_token_put('t1', 'x', true, 'manager-b')")
    row = pg["psql"]("SELECT used_by FROM arx_tokens")
    expect(got == "t|t|f" and row == "manager-a",
           "a used token stays used (%s; %s)" % (got, row))


def check_status(env):
    r = client(env, "status")
    expect(r.returncode == 0 and r.stdout.startswith(
        "version=1 known=1 agents=0 removed=1 tokens=1 active=1 blocks=1 "
        "offences=1 managers=manager-a"), "status: " + r.stdout.strip())


def check_lock(pg, env):
    pg["psql"]("CREATE DATABASE arx2 OWNER arx", db="postgres")
    env2 = dict(env, ARX_DB_CONNINFO=env["ARX_DB_CONNINFO"].replace(
        "dbname=arx", "dbname=arx2"))
    ps = [subprocess.Popen([CLIENT, "migrate", "m%d" % i], env=env2,
                           stdout=subprocess.PIPE, text=True)
          for i in range(4)]
    outs = [p.communicate(timeout=60)[0] for p in ps]
    expect(all(p.returncode == 0 for p in ps) and outs == ["ok\n"] * 4,
           "four migrations at once all succeed: %r" % outs)
    n = pg["psql"]("SELECT count(*) FROM arx_schema", db="arx2")
    m = pg["psql"]("SELECT count(*) FROM arx_managers", db="arx2")
    expect(n == "1" and m == "4", "applied once, four managers (%s, %s)"
           % (n, m))
    pg["psql"]("INSERT INTO arx_schema(version, applied_by) "
               "VALUES (99, 'the future')", db="arx2")
    r = client(env2, "migrate", "m0")
    expect(r.returncode == 1 and r.stdout ==
           "error: the database's schema is version 99; this arx knows 1\n",
           "a newer schema is refused: " + r.stdout.strip())


def check_password(env):
    r = client(dict(env, ARX_DB_PASSWORD="not-the-password"), "migrate",
               "manager-a")
    expect(r.returncode == 1 and r.stdout ==
           'error: cannot connect to the database: FATAL: password '
           'authentication failed for user "arx"\n',
           "a wrong password is refused, saying why: " + r.stdout.strip())


CONF_TEXT = """<arx_config>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/control.sock</control_socket></daemon>
  {cluster}
</arx_config>
"""
CLUSTER = """<cluster><name>arx</name><node_name>manager-c</node_name>
    <database>{db}</database><password_file>{pw}</password_file></cluster>"""


def arx_db(conf, *args):
    r = subprocess.run([ARX, "db", "-c", conf, *args], capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def check_arx_db(pg):
    """arx db migrate and status, from a configuration's <cluster>."""
    pg["psql"]("CREATE DATABASE arx3 OWNER arx", db="postgres")
    conf, pwfile = (os.path.join(TMP, n) for n in ("db.conf", "db.pass"))
    with open(conf, "w") as f:
        f.write(CONF_TEXT.format(src=SRC, tmp=TMP, cluster=CLUSTER.format(
            db=pg["conninfo"].replace("dbname=arx", "dbname=arx3"),
            pw=pwfile)))
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, (pg["password"] + "\n").encode())
    os.close(fd)
    rc, out, err = arx_db(conf, "status")
    expect(rc == 0 and out.startswith("schema version 0 (this arx knows 1): "
                                      "older: run arx db migrate\n"),
           "arx db status on an empty database: %r %r" % (out, err))
    rc, out, err = arx_db(conf, "migrate")
    expect(rc == 0 and "manager manager-c registered" in out,
           "arx db migrate: %r %r" % (out, err))
    rc, out, err = arx_db(conf, "status")
    expect(rc == 0 and out.startswith(
        "schema version 1 (this arx knows 1): current\n"
        "agents 0 (0 removed), tokens 0, blocks 0 active of 0, offences 0\n"
        "managers 1:\n  manager-c ") and " seen 20" in out,
           "arx db status after: %r %r" % (out, err))
    rc, out, err = arx_db(conf, "status", "--json")
    try:
        js = json.loads(out)
    except ValueError:
        js = {}
    expect(rc == 0 and js.get("version") == 1 and js.get("state") ==
           "current" and [m["name"] for m in js.get("managers", [])] ==
           ["manager-c"], "arx db status --json: %r" % out)
    os.chmod(pwfile, 0o644)
    rc, out, err = arx_db(conf, "status")
    expect(rc == 1 and pwfile in err and len(err.splitlines()) == 1,
           "a password file others can read is refused: %r" % err)
    os.chmod(pwfile, 0o600)
    with open(pwfile, "w") as f:
        f.write("wrong\n")
    rc, out, err = arx_db(conf, "migrate")
    expect(rc == 1 and err == 'arx db: cannot connect to the database: '
           'FATAL: password authentication failed for user "arx"\n',
           "arx db with a wrong password: %r" % err)
    with open(conf, "w") as f:
        f.write(CONF_TEXT.format(src=SRC, tmp=TMP, cluster=""))
    rc, out, err = arx_db(conf, "status")
    expect(rc == 1 and "has no <cluster> with a <database>" in err,
           "arx db without <cluster>: %r" % err)


def done(id_):
    return lambda s: s.split()[:2] in (["done", id_], ["fail", id_])


def check_order_and_notify(pg, a):
    a.send("q", "w", "1", "CREATE TABLE IF NOT EXISTS t(i integer "
           "PRIMARY KEY, v text)")
    a.until(done("1"))
    for i in range(2, 5):  # max_writes is 3
        a.send("q", "w", str(i), "INSERT INTO t VALUES ($1, $2) "
               "ON CONFLICT DO NOTHING", str(i), "\\N")
    a.send("q", "r", "5", "SELECT count(*) FROM t")
    a.send("q", "r", "6", "SELECT v FROM t WHERE i = 2")
    last = a.until(done("6"))
    ids = [s.split()[1] for s in a.seen if s.startswith(("done", "fail"))]
    expect(ids == ["1", "2", "3", "4", "5", "6"] and
           "done 5 1 3" in a.seen and last == "done 6 1 \\N",
           "statements run in order, the reads see the writes: %r, %r"
           % (a.seen, last))
    a.send("q", "w", "7", "INSERT INTO nosuch VALUES (1)")
    line = a.until(done("7"))
    expect(line == 'fail 7 42P01: relation "nosuch" does not exist',
           "a SQL error is reported: %r" % line)
    pg["psql"]("NOTIFY arx_test, 'from psql'")
    line = a.until(lambda s: s.startswith("notify"))
    expect(line == "notify arx_test from psql", "NOTIFY delivered: %r" % line)


def check_down_and_back(pg, a):
    pg["stop"]()
    line = a.until(lambda s: s.startswith("state down"))
    expect(line == "state down server closed the connection unexpectedly "
           "This probably means the server terminated abnormally before or "
           "while processing the request.",
           "the loss is reported, with libpq's reason: %r" % line)
    a.send("q", "r", "20", "SELECT 1")
    line = a.until(done("20"))
    expect(line == "fail 20 database unavailable",
           "a read while down fails at once: %r" % line)
    for i in range(21, 26):
        a.send("q", "w", str(i), "INSERT INTO t VALUES ($1, 'held')", str(i))
    d1, d2 = a.until(done("21")), a.until(done("22"))
    c = a.counters()
    expect(d1 == "fail 21 dropped" and d2 == "fail 22 dropped" and
           c.get("db_dropped") == "2" and c.get("db_queued") == "3" and
           c.get("db_up") == "0",
           "beyond max_writes the oldest are dropped and counted: %r %r %r"
           % (d1, d2, c))
    pg["start"]()
    up = a.until(lambda s: s == "state up")
    ends = [a.until(done(i)) for i in ("23", "24", "25")]
    rows = pg["psql"]("SELECT string_agg(i::text, ',' ORDER BY i) FROM t "
                      "WHERE v = 'held'")
    expect(up is not None and ends == ["done 23 0 \\N", "done 24 0 \\N",
                                       "done 25 0 \\N"] and rows ==
           "23,24,25", "held writes run in order when it is back: %r %s"
           % (ends, rows))


def check_lost_in_flight(pg, a):
    a.send("q", "w", "30", "INSERT INTO t SELECT 30, 'slow' FROM "
           "pg_sleep(3) ON CONFLICT DO NOTHING")
    running = wait(lambda: pg["psql"](
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
        "'INSERT INTO t SELECT 30%'") == "1", 20)
    expect(running, "the slow write is running")
    pg["stop"]()
    a.until(lambda s: s.startswith("state down"))
    pg["start"]()
    line = a.until(done("30"))
    row = pg["psql"]("SELECT v FROM t WHERE i = 30")
    expect(line == "done 30 0 \\N" and row == "slow",
           "a write lost in flight runs again after the reconnect: %r %r"
           % (line, row))
    c = a.counters()
    expect(c.get("db_lost") == "2" and c.get("db_connects") == "3" and
           c.get("db_errors") == "1" and c.get("db_notifications") == "1"
           and c.get("db_up") == "1", "the counters: %r" % c)
    pg["stop"]()
    a.until(lambda s: s.startswith("state down"))
    a.send("q", "w", "40", "INSERT INTO t VALUES (40, 'never')")
    err = a.close()
    expect("fail 40 dropped" in a.seen, "pg_close drops what waits")
    expect(err.count("database connection lost") == 3 and
           err.count("database connection is back") == 2,
           "a loss and a return logged once each:\n" + err)
    pg["start"]()


def check_no_answer(env):
    """A server that accepts and never answers: the loop goes on, and
    the connect is given up after its deadline."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", HANG_PORT))
    ls.listen(8)
    a = Async(dict(env, ARX_DB_CONNINFO="host=127.0.0.1 port=%d dbname=arx "
                   "user=arx" % HANG_PORT))
    a.send("q", "r", "1", "SELECT 1")
    first = a.until(lambda s: True)
    down = a.until(lambda s: s.startswith("state down"))
    expect(first == "fail 1 database unavailable",
           "the loop answers while the connect waits: %r" % first)
    expect(down == "state down no answer within 5 s",
           "the connect is given up after its deadline: %r" % down)
    a.close()
    ls.close()


def main():
    pg = pg_start(TMP, port=PORT)
    env = dict(os.environ, ARX_DB_CONNINFO=pg["conninfo"],
               ARX_DB_PASSWORD=pg["password"])
    check_migrations(pg, env)
    check_functions(pg)
    check_status(env)
    check_lock(pg, env)
    check_password(env)
    check_arx_db(pg)
    a = Async(env)
    expect(a.until(lambda s: s.startswith("state")) == "state up",
           "the async client is up")
    check_order_and_notify(pg, a)
    check_down_and_back(pg, a)
    check_lost_in_flight(pg, a)
    check_no_answer(env)


finish("integ.db", main, TMP)
