"""What the integration and end-to-end scripts share: checks that print
"ok" or "FAIL" and are counted, waiting for a condition, a scratch
directory the analysis child (user arx) can read, the control client,
arxd in the foreground, and the end of a script (kill every process it
started, remove its directory, print the verdict, exit 1 on a failure).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

failures = []
PROCS = []  # every process started, killed at the end whatever happens
STOPS = []  # servers to stop cleanly at the end (before PROCS are killed)


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait(cond, limit=5.0, step=0.05):
    """Poll cond until it holds or limit seconds pass; its last value."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if cond():
            return True
        time.sleep(step)
    return cond()


def scratch(prefix):
    """A temporary directory readable by arxd's analysis child."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)
    return tmp


def recorder_dir(bin_dir, ardir):
    """ardir holding a copy of the test recorder named "recorder": its
    records go to ardir/recorder.log. Returns that log's path."""
    os.makedirs(ardir, mode=0o755)
    with open(os.path.join(bin_dir, "ar_recorder"), "rb") as src, \
            open(os.path.join(ardir, "recorder"), "wb") as dst:
        dst.write(src.read())
    os.chmod(os.path.join(ardir, "recorder"), 0o755)
    return os.path.join(ardir, "recorder.log")


def ctl(arx, sock, *args):
    """`arx ARGS -s SOCK`, its result."""
    return subprocess.run([arx, *args, "-s", sock], capture_output=True,
                          text=True, timeout=30)


class Arxd:
    """arxd -f -c conf (after prefix, e.g. "ip netns exec NS"), waited for
    until ready() holds."""
    def __init__(self, arxd, conf, ready, prefix=(), env=None, limit=15):
        self.p = subprocess.Popen([*prefix, arxd, "-f", "-c", conf],
                                  env=env, stderr=subprocess.PIPE, text=True)
        PROCS.append(self.p)
        if not wait(lambda: self.p.poll() is None and ready(), limit):
            raise RuntimeError("arxd did not start: " +
                               self.stop(signal.SIGKILL))

    def stop(self, sig=signal.SIGTERM):
        """Signal it and return what it wrote to stderr."""
        self.p.send_signal(sig)
        return self.p.communicate(timeout=60)[1]


def finish(name, main, tmp=None, cleanup=None):
    """Run main, then clean up whatever happened, and exit."""
    try:
        main()
    finally:
        for stop in STOPS:
            try:
                stop()
            except Exception as e:  # still kill and remove the rest
                print("stopping a server: %s" % e)
        for p in PROCS:
            if p.poll() is None:
                p.kill()
        if cleanup is not None:
            cleanup()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %s" % (name, "all checks pass" if not failures
                      else "%d failed" % len(failures)))
    sys.exit(1 if failures else 0)


PG_BIN = "/usr/lib/postgresql/15/bin"


def pg_start(tmpdir, listen_addresses="", port=55432, password=None,
             fsync=False):
    """A throwaway PostgreSQL in tmpdir/pg, run as an unprivileged user
    (arx when it exists, else nobody), on a Unix socket in tmpdir/pg/sock
    (and TCP on listen_addresses, e.g. "127.0.0.1", when not ""). The
    superuser postgres is trusted on the socket; role arx logs in with a
    password (scram-sha-256) and owns database arx. Returns a dict:
    conninfo and password (for role arx), sockdir, port, stop() (fast
    shutdown, waited for), start() (again, waited for), psql(sql,
    db="arx") (as postgres: its output, stripped; raises on an error).
    It is stopped at the end of the script (finish) whatever happens."""
    import pwd
    import secrets
    try:
        pw = pwd.getpwnam("arx")
    except KeyError:
        pw = pwd.getpwnam("nobody")
    base = os.path.join(tmpdir, "pg")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock, mode=0o755)
    os.chmod(base, 0o755)
    for d in (base, sock):
        os.chown(d, pw.pw_uid, pw.pw_gid)
    as_user = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[],
                   env=dict(os.environ, LC_ALL="C", HOME=base))
    subprocess.run([PG_BIN + "/initdb", "-D", data, "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, cwd=base, **as_user)
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write("local all postgres trust\n"
                "local all all scram-sha-256\n"
                "host all all 127.0.0.1/32 scram-sha-256\n"
                "host all all ::1/128 scram-sha-256\n")
    password = password or secrets.token_hex(12)
    cmd = [PG_BIN + "/postgres", "-D", data, "-k", sock, "-p", str(port),
           "-c", "listen_addresses=" + listen_addresses,
           "-c", "fsync=" + ("on" if fsync else "off"),
           "-c", "logging_collector=off"]
    logpath = os.path.join(base, "server.log")
    state = {"p": None}

    def psql(sql, db="arx"):
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", sock,
                            "-p", str(port), "-U", "postgres", "-d", db,
                            "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql: " + r.stderr.strip())
        return r.stdout.strip()

    def ready():
        return subprocess.run([PG_BIN + "/pg_isready", "-q", "-h", sock,
                               "-p", str(port)]).returncode == 0

    def start():
        log = open(logpath, "a")
        state["p"] = subprocess.Popen(cmd, stdout=log, stderr=log,
                                      cwd=base, **as_user)
        log.close()
        PROCS.append(state["p"])
        if not wait(lambda: state["p"].poll() is None and ready(), 60):
            raise RuntimeError("postgres did not start: " +
                               open(logpath).read()[-2000:])

    def stop():
        p = state["p"]
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGINT)  # fast shutdown
            p.wait(timeout=60)
        state["p"] = None

    start()
    STOPS.append(stop)
    psql("CREATE ROLE arx LOGIN PASSWORD '%s'" % password, db="postgres")
    psql("CREATE DATABASE arx OWNER arx", db="postgres")
    return dict(conninfo="host=%s port=%d dbname=arx user=arx" % (sock, port),
                password=password, sockdir=sock, port=port, stop=stop,
                start=start, psql=psql)
