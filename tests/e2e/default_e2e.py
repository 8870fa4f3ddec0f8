#!/usr/bin/env python3
"""End to end with the shipped configuration, as a user runs it (issue
18, item 7): etc/arx.conf byte for byte, Debian's rsyslog writing
/var/log/auth.log, Debian's OpenSSH server with UsePAM yes (PAM works in
the namespace: sshd runs as root, so pam_unix reads /etc/shadow itself
and its lines are those of a real host), arxd started detached as root
with its analysis child as user arx, firewall-drop on nftables. Nothing
simulated, no test configuration, no relay. Documentation addresses:

  victim    192.0.2.1   rsyslogd, sshd, arxd, nftables
  attacker  192.0.2.62  sshpass with real passwords for non-existent users
            192.0.2.63  sshpass with wrong passwords for root
  (192.0.2.61 only in auth.log's three-day-old history)

The victim's processes share a private mount namespace (inside its
network namespace) where /var/log and /var/lib are bind mounts of this
test's scratch directory and /run and /dev are fresh tmpfs (/dev/log is
rsyslog's socket there), so the paths etc/arx.conf names and arxd's
defaults (/var/log/arx, /var/lib/arx, /run/arx/control.sock) exist
privately and the host's are never touched. The configuration is a
byte-identical copy in the scratch directory's etc/, beside a link
`ruleset` to the source tree's ruleset, so that its relative
../ruleset resolves. arxd is the build's (its bin directory is the
default <active_response_dir>).

  1  auth.log holds 10 invalid-user lines from 192.0.2.61 stamped three
     days ago; arxd -t passes; arxd (no -f) returns 0 and arx status
     answers at once; the daemon runs as root, its analysis child as arx;
     nobody is blocked for the old attack.
  2  7 attempts with passwords for non-existent users from 192.0.2.62
     block nothing, the 8th blocks it in the kernel (no ping, no TCP 22);
     arx list: offences 1, rules [5712], 590 <= remaining_s <= 600 (the
     shipped 10 minutes); alerts.log has 5712 once for it and 5763
     never; active-responses.log has one add. 7 wrong passwords for root
     from 192.0.2.63 block nothing, the 8th blocks it (5763, offences 1).
  3  One source: arxd's own syslog messages (facility daemon, in
     /var/log/syslog as Debian's rules put them) say the journald
     <localfile> is not read because /var/log/auth.log is being written;
     arx status: analysis.duplicate_lines == 0.
  4  nft flush ruleset in the victim: within a look or two (2 s each)
     both addresses are in
     arx's set again and 192.0.2.62 cannot ping; arx status counts it.
  5  SIGTERM to the daemon: it and its child exit, arxd logs its stop,
     and no sanitizer wrote a report (ASAN_OPTIONS/UBSAN_OPTIONS
     log_path: a detached daemon's stderr is /dev/null once ready).

Everything the test made (namespaces, links, processes, mounts, the
table inside the victim) goes at the end, also on failure. Needs root,
rsyslog, openssh-server, sshpass, nftables, iproute2, iputils-ping and
the user arx (make check installs and creates them).
"""
import datetime
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import sshnet  # noqa: E402
from sshnet import ns, pings, sh, ssh_password, tcp22  # noqa: E402
from harness import PROCS, expect, failures, finish, scratch, wait  # noqa

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
PID = os.getpid()
SW, V, A = ("arx%s%d" % (n, PID) for n in ("S", "V", "A"))
TMP = scratch("arx-default-")
CONF = os.path.join(TMP, "etc", "arx.conf")
VARLOG = os.path.join(TMP, "var", "log")   # /var/log in the victim
VARLIB = os.path.join(TMP, "var", "lib")   # /var/lib in the victim
SAN = os.path.join(TMP, "san")             # sanitizer reports
VICTIM, BAD, ROOTER, OLD = "192.0.2.1", "192.0.2.62", "192.0.2.63", \
    "192.0.2.61"
HOLDER = [None]  # a process in the victim's mount namespace
DAEMON = [None]  # the detached arxd's pid

HOSTS = {V: (["192.0.2.1/24"], ["2001:db8::1/64"]),
         A: (["192.0.2.62/24", "192.0.2.63/24"], ["2001:db8::62/64"])}

# Debian 12's /etc/rsyslog.conf without imklog (the host's kernel log),
# the include directory and the wall to logged-in users; its work
# directory in the scratch directory.
RSYSLOG_CONF = """module(load="imuxsock")
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DirCreateMode 0755
$Umask 0022
$WorkDirectory {tmp}/spool
*.*;auth,authpriv.none		-/var/log/syslog
auth,authpriv.*			/var/log/auth.log
cron.*				-/var/log/cron.log
kern.*				-/var/log/kern.log
mail.*				-/var/log/mail.log
user.*				-/var/log/user.log
"""

# The victim's private mounts, then a process that holds them (the
# others join its namespaces with nsenter).
VICTIM_WRAP = """set -e
mount --bind {varlog} /var/log
mount --bind {varlib} /var/lib
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -m 755 /run/sshd
mount -t tmpfs -o mode=755 tmpfs /dev
for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" \
    "tty 5 0"; do
  set -- $n; mknod -m 666 /dev/$1 c $2 $3
done
echo $$ > {tmp}/holder.pid
exec sleep 3600
"""


# ---- the victim's namespace ----

def vx(*argv, env=None, timeout=30, check=False):
    """Run argv in the victim (its network and mount namespaces)."""
    return subprocess.run(["nsenter", "-t", str(HOLDER[0]), "-m", "-n",
                           "--", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, check=check)


def vpopen(*argv, env=None):
    p = subprocess.Popen(["nsenter", "-t", str(HOLDER[0]), "-m", "-n",
                          "--", *argv], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, env=env)
    PROCS.append(p)
    return p


def victim_up():
    for d in (VARLOG, VARLIB, os.path.join(TMP, "spool"), SAN,
              os.path.join(TMP, "etc")):
        os.makedirs(d, exist_ok=True)
    os.chmod(SAN, 0o1777)  # the analysis child (arx) writes here too
    p = subprocess.Popen(["ip", "netns", "exec", V, "unshare", "-m",
                          "--propagation", "private", "sh", "-c",
                          VICTIM_WRAP.format(tmp=TMP, varlog=VARLOG,
                                             varlib=VARLIB)],
                         stderr=subprocess.PIPE, text=True)
    PROCS.append(p)
    path = os.path.join(TMP, "holder.pid")
    if not wait(lambda: os.path.exists(path) and
                open(path).read().strip() != "", 10):
        raise RuntimeError("the victim's mount namespace: " +
                           (p.stderr.read() if p.poll() is not None else
                            "no holder"))
    HOLDER[0] = int(open(path).read())


def old_attack():
    """auth.log as rsyslog writes it (RFC 3339, root:adm 0640), holding
    10 invalid-user lines from OLD three days ago."""
    host = socket.gethostname()
    t = datetime.datetime.now().astimezone() - datetime.timedelta(days=3)
    path = os.path.join(VARLOG, "auth.log")
    with open(path, "w") as f:
        for i in range(10):
            stamp = (t + datetime.timedelta(seconds=3 * i)).isoformat(
                timespec="microseconds")
            f.write("%s %s sshd[%d]: Invalid user old%d from %s port %d\n" %
                    (stamp, host, 3100 + i, i, OLD, 40100 + i))
    os.chown(path, 0, grp.getgrnam("adm").gr_gid)
    os.chmod(path, 0o640)


def varlog(name):
    try:
        with open(os.path.join(VARLOG, name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def rsyslog_start():
    conf = os.path.join(TMP, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(RSYSLOG_CONF.format(tmp=TMP))
    p = vpopen("rsyslogd", "-f", conf, "-i", os.path.join(TMP,
                                                          "rsyslogd.pid"),
               "-n")
    ok = wait(lambda: os.path.exists("/proc/%d/root/dev/log" % HOLDER[0]),
              10)
    expect(ok and p.poll() is None,
           "rsyslogd runs in the victim with /dev/log (%s)" %
           ("" if p.poll() is None else p.stderr.read().strip()))


def sshd_start():
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
       os.path.join(TMP, "host_ed25519"))
    with open(os.path.join(TMP, "sshd_config"), "w") as f:
        f.write(sshnet.SSHD_CONFIG.format(dir=TMP).replace(
            "UsePAM no", "UsePAM yes"))
    p = vpopen("/usr/sbin/sshd", "-D", "-f",
               os.path.join(TMP, "sshd_config"))
    expect(wait(lambda: "sshd[" in varlog("auth.log") and
                "Server listening on 0.0.0.0 port 22" in varlog("auth.log"),
                10) and p.poll() is None,
           "sshd (UsePAM yes) runs in the victim and rsyslog writes its "
           "lines to /var/log/auth.log")


# ---- arxd ----

def san_env():
    env = dict(os.environ)
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        old = env.get(var, "")
        env[var] = (old + ":" if old else "") + "log_path=%s/%s" % (
            SAN, var.split("_")[0].lower())
    return env


def arx(*args):
    return vx(ARX, *args)


def status():
    r = arx("status", "--json")
    try:
        return json.loads(r.stdout) if r.returncode == 0 else {}
    except ValueError:
        return {}


def listed(addr=None):
    r = arx("list", "--json")
    try:
        rows = json.loads(r.stdout)["blocks"] if r.returncode == 0 else None
    except (ValueError, KeyError):
        rows = None
    if rows is None:
        return None
    return [b for b in rows if addr is None or b["address"] == addr]


def peer_pid():
    """The pid of the process that holds the control socket."""
    path = "/proc/%d/root/run/arx/control.sock" % HOLDER[0]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return struct.unpack("3i", cred)[0]


def proc_info(pid):
    """(ppid, real uid, argv[0]) of pid, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode()
    except (OSError, ValueError):
        return None
    if st.get("State", "").split()[:1] == ["Z"]:
        return None
    return int(st["PPid"]), int(st["Uid"].split()[0]), argv0


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            info = proc_info(int(d))
            if info is not None and info[0] == pid:
                out.append((int(d), info))
    return out


def arxd_syslog():
    return [l for l in varlog("syslog").splitlines() if " arxd[" in l]


def arxd_start():
    shutil.copyfile(os.path.join(SRC, "etc", "arx.conf"), CONF)
    os.symlink(os.path.join(SRC, "ruleset"), os.path.join(TMP, "ruleset"))
    with open(os.path.join(SRC, "etc", "arx.conf"), "rb") as a, \
            open(CONF, "rb") as b:
        expect(a.read() == b.read(), "the configuration is etc/arx.conf "
               "byte for byte (%s, ../ruleset -> the source's)" % CONF)
    r = vx(ARXD, "-t", "-c", CONF, env=san_env())
    expect(r.returncode == 0, "arxd -t passes on it in the victim (%d: %s)"
           % (r.returncode, r.stderr.strip()[-400:]))
    t0 = time.time()
    r = vx(ARXD, "-c", CONF, env=san_env(), timeout=60)
    took = time.time() - t0
    st = arx("status")
    expect(r.returncode == 0 and st.returncode == 0 and
           st.stdout.startswith("arx "),
           "arxd -c (detached) returns 0 in %.2f s and arx status answers "
           "at once (%s)" % (took, r.stderr.strip() or "nothing on stderr"))
    if st.returncode != 0:
        raise RuntimeError("arxd did not start: %s %s" % (r.stderr,
                                                          st.stderr))
    pid = DAEMON[0] = peer_pid()
    me = proc_info(pid)
    kids = [k for k in children(pid) if k[1][2] == ARXD]
    arx_uid = pwd.getpwnam("arx").pw_uid
    expect(me is not None and me[1] == 0 and me[2] == ARXD and
           me[0] not in (os.getpid(),) and
           len(kids) == 1 and kids[0][1][1] == arx_uid,
           "the daemon (%d) runs as root, detached, its analysis child "
           "(%s) as user arx" % (pid, [k[0] for k in kids]))
    time.sleep(1.0)  # what a first start would do with the old lines
    expect(listed() == [] and OLD not in varlog("arx/alerts.log") and
           "firewall-drop" not in varlog("arx/active-responses.log"),
           "the first start blocks nobody for the three-day-old attack "
           "from %s (list %s)" % (OLD, listed()))


# ---- the attacks and what they leave ----

def fails(src, user=None):
    """sshd's 'Failed password' lines in auth.log from src."""
    key = "from %s port" % src
    text = ("Failed password for %s " % user) if user else \
        "Failed password for invalid user"
    return sum(1 for l in varlog("auth.log").splitlines()
               if text in l and key in l)


def alerts(rule, src):
    """Alerts of rule naming src (Src IP) in /var/log/arx/alerts.log."""
    n = 0
    for block in varlog("arx/alerts.log").split("** Alert ")[1:]:
        if ("\nRule: %d " % rule) in block and \
                ("\nSrc IP: %s\n" % src) in block:
            n += 1
    return n


def arlog_adds(src):
    return varlog("arx/active-responses.log").count(
        "firewall-drop add %s " % src)


def in_set(addr):
    out = vx("nft", "list", "table", "inet", "arx").stdout
    return (" %s" % addr) in out.replace("{", " ").replace(",", " ")


def attempts(src, user, n, first):
    """n connections with a real (wrong) password each, waiting for
    each one's 'Failed password' line."""
    for i in range(first, first + n):
        before = fails(src, None if user is None else user)
        ssh_password(A, src, VICTIM, user or "ghost%d" % i)
        wait(lambda: fails(src, user) > before, 5)


def brute(src, user, rule, what):
    """7 attempts block nothing, the 8th blocks src (rule), once."""
    attempts(src, user, 7, 0)
    n7 = fails(src, user)
    time.sleep(0.5)
    expect(n7 == 7 and not in_set(src) and listed(src) == [] and
           alerts(rule, src) == 0 and pings(A, src, VICTIM, tries=1),
           "%s: 7 attempts from %s (%d 'Failed password' lines) block "
           "nothing" % (what, src, n7))
    pam = sum(1 for l in varlog("auth.log").splitlines()
              if "pam_unix(sshd:auth): authentication failure;" in l and
              "rhost=%s" % src in l)
    expect(pam == 7, "%s: PAM's line for each attempt is in auth.log too "
           "(%d pam_unix authentication failures)" % (what, pam))
    attempts(src, user, 1, 7)
    expect(wait(lambda: in_set(src), 5),
           "%s: the 8th attempt puts %s in the kernel's set" % (what, src))
    time.sleep(1.0)
    expect(not pings(A, src, VICTIM, tries=1) and not tcp22(A, src, VICTIM),
           "%s: %s can no longer ping %s nor open TCP port 22" %
           (what, src, VICTIM))
    rows = listed(src) or [{}]
    b = rows[0]
    expect(len(rows) == 1 and b.get("offences") == 1 and
           b.get("rules") == [rule] and
           590 <= (b.get("remaining_s") or 0) <= 600,
           "%s: arx list: offences 1, rules [%d], remaining_s in "
           "[590, 600] (%s)" % (what, rule, rows))
    other = 5763 if rule == 5712 else 5712
    expect(alerts(rule, src) == 1 and alerts(other, src) == 0,
           "%s: alerts.log has %d once (%d) and %d never (%d) for %s" %
           (what, rule, alerts(rule, src), other, alerts(other, src), src))
    expect(arlog_adds(src) == 1,
           "%s: active-responses.log has one add for %s (%d)" %
           (what, src, arlog_adds(src)))


def one_source():
    said = [l for l in arxd_syslog() if "journald: not read: "
            "/var/log/auth.log is being written" in l]
    expect(len(said) == 1,
           "arxd says (syslog, facility daemon) the journald <localfile> "
           "is left out: %s" % (said[0].split(": ", 1)[-1] if said else
                                 "nothing said"))
    an = status().get("analysis", {})
    expect(an.get("duplicate_lines") == 0,
           "arx status: analysis.duplicate_lines == 0 (%s)" %
           an.get("duplicate_lines"))


def firewall_reload():
    before = status().get("kernel", {})
    r = vx("nft", "flush", "ruleset")
    t0 = time.monotonic()
    expect(r.returncode == 0 and not in_set(BAD),
           "nft flush ruleset in the victim empties arx's set")
    # a look every 2 s, then one batch; room for an ASan build
    back = wait(lambda: in_set(BAD) and in_set(ROOTER), 6.0, 0.02)
    took = time.monotonic() - t0
    expect(back, "within a look or two both addresses are in arx's set "
           "again (%.2f s)" % took)
    expect(not pings(A, BAD, VICTIM, tries=1),
           "%s can no longer ping after the restore" % BAD)
    after = status().get("kernel", {})
    expect(after.get("restored", 0) >= before.get("restored", 0) + 1 and
           after.get("restore_failed") == 0,
           "arx status counts the restore (kernel %s -> %s)" %
           (before, after))


def arxd_stop():
    pid = DAEMON[0]
    kids = [k for k, _ in children(pid)]
    os.kill(pid, signal.SIGTERM)
    expect(wait(lambda: proc_info(pid) is None and
                all(proc_info(k) is None for k in kids), 30),
           "SIGTERM: the daemon (%d) and its children exit" % pid)
    expect(wait(lambda: any("signal 15: stopping" in l
                            for l in arxd_syslog()), 3),
           "arxd logs its stop")
    reports = sorted(os.listdir(SAN))
    expect(reports == [], "no sanitizer report (%s)" % (reports or "none"))
    for name in reports:
        print(open(os.path.join(SAN, name), errors="replace").read()[-4000:])


def main():
    for tool in ("/usr/sbin/sshd", "/usr/bin/sshpass", "/usr/sbin/nft",
                 "/usr/sbin/rsyslogd", "/usr/bin/nsenter"):
        if not os.access(tool, os.X_OK):
            expect(False, "%s is installed (make check installs it)" % tool)
            return
    try:
        pwd.getpwnam("arx")
    except KeyError:
        expect(False, "the user arx exists (make check creates it: "
               "scripts/user.sh)")
        return
    sshnet.net_up(SW, HOSTS, PID)
    victim_up()
    old_attack()
    rsyslog_start()
    sshd_start()
    expect(pings(A, BAD, VICTIM) and tcp22(A, BAD, VICTIM),
           "the attacker reaches the victim before any attack")
    arxd_start()
    brute(BAD, None, 5712, "non-existent users")
    brute(ROOTER, "root", 5763, "root's password")
    one_source()
    firewall_reload()
    print("     arxd's syslog lines:\n       " +
          "\n       ".join(arxd_syslog()), flush=True)
    arxd_stop()
    print("e2e.default: took %.0f s" % (time.time() - T0))


def leftovers():
    if DAEMON[0] is not None and proc_info(DAEMON[0]) is not None:
        os.kill(DAEMON[0], signal.SIGKILL)
    sshnet.net_down((V, A, SW))
    left = [n for n in sh("ip", "netns", "list").stdout.split()
            if n.endswith(str(PID))]
    links = [l for l in sh("ip", "-o", "link").stdout.splitlines()
             if "_%d" % PID in l]
    procs = [p for p in sh("pgrep", "-f", TMP, check=False).stdout.split()
             if wait(lambda: proc_info(int(p)) is None, 3) is False]
    expect(left == [] and links == [] and procs == [],
           "no namespace, interface, process or mount is left behind")


T0 = time.time()
finish("e2e.default", main,
       None if os.environ.get("ARX_E2E_KEEP") else TMP, leftovers)
