"""PostgreSQL for the end-to-end scripts: Debian's server (15) run by the
test in a network namespace, never the system's cluster. Its files live
in a directory of the test owned by an unprivileged user (the server
refuses to run as root); it listens on one documentation address of the
namespace and on a unix socket in that directory, through which the
superuser (trusted there, and only there) makes the role and the
database and answers the test's queries. The test stops it and starts
it again at will (an outage) and removes it at the end."""
import os
import pwd
import shutil
import subprocess

PGBIN = "/usr/lib/postgresql/15/bin"

CONF = """
listen_addresses = '{addr}'
port = {port}
unix_socket_directories = '{sock}'
max_connections = 40
shared_buffers = 16MB
fsync = off
log_connections = on
log_line_prefix = '%m [%p] %u@%d '
"""

HBA = """local all all trust
host {db} {role} {net} scram-sha-256
"""


def installed():
    return os.access(os.path.join(PGBIN, "pg_ctl"), os.X_OK)


def _user():
    """The unprivileged user that owns the files and runs the server."""
    for name in ("arx", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    raise RuntimeError("neither user arx nor nobody exists")


class Postgres:
    """One server: netns, addr:port on the network, its files in d."""
    def __init__(self, netns, addr, port, d, net):
        self.netns, self.addr, self.port, self.net = netns, addr, port, net
        self.d = d
        self.data, self.sock = (os.path.join(d, n) for n in ("data", "sock"))
        self.log = os.path.join(d, "postgres.log")
        self.user = _user()
        self.running = False

    def _as_user(self, *argv, netns=None, timeout=120):
        pre = ("ip", "netns", "exec", netns) if netns else ()
        return subprocess.run([*pre, "runuser", "-u", self.user.pw_name,
                               "--", *argv], capture_output=True, text=True,
                              timeout=timeout, cwd=self.d)

    def create(self, role, password, db):
        """initdb, the configuration, a start, then role (LOGIN with
        password) and db owned by it."""
        os.makedirs(self.sock)
        for p in (self.d, self.sock):
            os.chown(p, self.user.pw_uid, self.user.pw_gid)
            os.chmod(p, 0o700)
        r = self._as_user(os.path.join(PGBIN, "initdb"), "-D", self.data,
                          "-U", "postgres", "--no-locale", "-E", "UTF8",
                          "--auth-local=trust",
                          "--auth-host=scram-sha-256")
        if r.returncode != 0:
            raise RuntimeError("initdb: " + r.stderr)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(CONF.format(addr=self.addr, port=self.port,
                                sock=self.sock))
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write(HBA.format(db=db, role=role, net=self.net))
        self.start()
        self.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (role, password),
                  db="postgres")
        self.psql("CREATE DATABASE %s OWNER %s" % (db, role), db="postgres")

    def start(self):
        r = self._as_user(os.path.join(PGBIN, "pg_ctl"), "-D", self.data,
                          "-l", self.log, "-w", "-t", "60", "start",
                          netns=self.netns)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start: %s %s" % (r.stdout, r.stderr))
        self.running = True

    def stop(self, mode="fast"):
        r = self._as_user(os.path.join(PGBIN, "pg_ctl"), "-D", self.data,
                          "-m", mode, "-w", "-t", "60", "stop",
                          netns=self.netns)
        self.running = False
        return r.returncode == 0

    def psql(self, sql, db="arx"):
        """sql as the superuser over the unix socket; stdout (rows with
        fields joined by |), or None when psql failed (say, a table that
        is not there)."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.sock, "-p",
                            str(self.port), "-U", "postgres", "-d", db, "-c",
                            sql], capture_output=True, text=True, timeout=30)
        return r.stdout if r.returncode == 0 else None

    def rows(self, sql):
        """The rows of a query, each a list of fields; [] on failure."""
        out = self.psql(sql)
        return [ln.split("|") for ln in (out or "").splitlines() if ln]

    def value(self, sql):
        """The first field of the first row, or None."""
        rows = self.rows(sql)
        return rows[0][0] if rows else None

    def remove(self):
        """Stop (immediately) and delete the files, whatever state."""
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.stop("immediate")
        shutil.rmtree(self.d, ignore_errors=True)
