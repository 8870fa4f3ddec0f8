"""What the end-to-end scripts share: network namespaces joined by a
bridge (documentation addresses only), Debian's OpenSSH server in one of
them logging through syslog(3) to a socket of the test, and the client
side of the attacks (ssh with invalid users, sshpass with wrong
passwords, ping, a TCP connect), the relay that counts what an sshd
logged on its way to an agent, and what nftables holds in a namespace.
Callers put tests/integration (harness.py) on sys.path first."""
import os
import signal
import socket
import subprocess
import sys
import threading

from harness import wait

SSHD_CONFIG = """Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey {dir}/host_ed25519
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin yes
PidFile none
SyslogFacility AUTH
LogLevel INFO
MaxStartups 100
LoginGraceTime 10
"""

# sshd's own mount namespace: a private /run (for /run/sshd) and /dev
# (a few device nodes and /dev/log pointing at the test's socket).
SSHD_WRAP = """set -e
mount -t tmpfs tmpfs /run
mkdir -m 755 /run/sshd
mount -t tmpfs -o mode=755 tmpfs /dev
for n in "null 1 3" "zero 1 5" "random 1 8" "urandom 1 9" "tty 5 0"; do
  set -- $n; mknod -m 666 /dev/$1 c $2 $3
done
ln -s {log} /dev/log
exec /usr/sbin/sshd -D -f {dir}/sshd_config
"""

SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o",
            "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3",
            "-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2",
            "-o", "LogLevel=ERROR"]


def sh(*argv, check=True, timeout=30, **kw):
    return subprocess.run(argv, check=check, capture_output=True, text=True,
                          timeout=timeout, **kw)


def ns(name, *argv, **kw):
    return sh("ip", "netns", "exec", name, *argv, **kw)


def net_up(switch, hosts, pid):
    """A bridge in namespace switch and, for each host name, a namespace
    with a veth on it holding hosts[name] = ([v4/len], [v6/len])."""
    sh("ip", "netns", "add", switch)
    ns(switch, "ip", "link", "add", "br0", "type", "bridge")
    ns(switch, "ip", "link", "set", "br0", "up")
    for i, (host, (v4, v6)) in enumerate(hosts.items()):
        sh("ip", "netns", "add", host)
        near, far = "e%d_%d" % (i, pid), "p%d_%d" % (i, pid)
        sh("ip", "link", "add", near, "netns", host, "type", "veth",
           "peer", "name", far, "netns", switch)
        ns(switch, "ip", "link", "set", far, "master", "br0", "up")
        for a in v4:
            sh("ip", "-n", host, "addr", "add", a, "dev", near)
        for a in v6:
            sh("ip", "-n", host, "addr", "add", a, "dev", near, "nodad")
        sh("ip", "-n", host, "link", "set", near, "up")
        sh("ip", "-n", host, "link", "set", "lo", "up")


def net_down(names):
    """Kill what runs in each namespace, then delete it."""
    for host in names:
        pids = sh("ip", "netns", "pids", host, check=False).stdout.split()
        for p in pids:
            try:
                os.kill(int(p), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh("ip", "netns", "del", host, check=False)


def sshd_start(host, d, log):
    """Debian's sshd in namespace host, its files in d, logging to the
    datagram socket log. Returns the process (add it to PROCS)."""
    if not os.path.exists(os.path.join(d, "host_ed25519")):
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
           os.path.join(d, "host_ed25519"))
    with open(os.path.join(d, "sshd_config"), "w") as f:
        f.write(SSHD_CONFIG.format(dir=d))
    return subprocess.Popen(["ip", "netns", "exec", host, "unshare", "-m",
                             "--propagation", "private", "sh", "-c",
                             SSHD_WRAP.format(dir=d, log=log)],
                            stderr=subprocess.PIPE, text=True)


def pings(host, src, dst, tries=3):
    """Does dst answer a ping from src (an address of host)? More than
    one try: after a lift, IPv6 neighbour discovery (which the block
    dropped too) may need a moment."""
    flag = "-6" if ":" in dst else "-4"
    for _ in range(tries):
        if ns(host, "ping", flag, "-c1", "-W1", "-I", src, dst,
              check=False).returncode == 0:
            return True
    return False


def tcp22(host, src, dst):
    """Can host (from src) open TCP port 22 on dst within 2 s?"""
    code = ("import socket,sys\n"
            "fam = socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET\n"
            "s = socket.socket(fam); s.settimeout(2); s.bind((sys.argv[1], 0))\n"
            "s.connect((sys.argv[2], 22))\n")
    return ns(host, sys.executable, "-c", code, src, dst,
              check=False).returncode == 0


def ssh_invalid(host, src, dst, i):
    """One connection with an invalid user name (one 'Invalid user'
    line in sshd's log)."""
    subprocess.run(["ip", "netns", "exec", host, "ssh", *SSH_OPTS, "-o",
                    "BatchMode=yes", "-b", src, "nouser%d@%s" % (i, dst),
                    "true"], capture_output=True, timeout=8)


def ssh_password(host, src, dst, user="root"):
    """One wrong password for user (one 'Failed password' line; for a
    user that does not exist also 'Invalid user' and PAM's lines)."""
    subprocess.run(["ip", "netns", "exec", host, "sshpass", "-p", "wrong",
                    "ssh", *SSH_OPTS, "-o", "NumberOfPasswordPrompts=1",
                    "-o", "PreferredAuthentications=password", "-b", src,
                    "%s@%s" % (user, dst), "true"], capture_output=True,
                   timeout=8)


class Relay(threading.Thread):
    """/dev/log for one agent's sshd (relay.sock in d): each line is
    counted and passed on to the agent's syslog socket d/arxd.sock (as
    rsyslog would)."""
    def __init__(self, d):
        super().__init__(daemon=True)
        self.path, self.to = (os.path.join(d, n) for n in ("relay.sock",
                                                          "arxd.sock"))
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        os.chmod(self.path, 0o666)
        self.out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.lines, self.passed = [], 0
        self.lock = threading.Lock()
        self.start()

    def run(self):
        while True:
            try:
                msg = self.s.recv(65536).decode("utf-8", "replace")
            except OSError:
                return
            try:
                self.out.sendto(msg.encode(), self.to)
                ok = True
            except OSError:
                ok = False
            with self.lock:
                self.lines.append(msg)
                self.passed += ok

    def count(self, *words):
        with self.lock:
            return sum(1 for m in self.lines if all(w in m for w in words))


def in_set(host, addr):
    """Does table inet arx of namespace host hold addr?"""
    out = ns(host, "nft", "list", "table", "inet", "arx", check=False).stdout
    return (" %s" % addr) in out.replace("{", " ").replace(",", " ")


def attack(host, relay, src, dst):
    """Invalid users from src (an address of namespace host) on dst
    until its sshd (logging through relay) logged 8 more."""
    start = relay.count("Invalid user", "from %s " % src)
    for i in range(12):
        if relay.count("Invalid user", "from %s " % src) >= start + 8:
            return True
        try:
            ssh_invalid(host, src, dst, i)
        except subprocess.TimeoutExpired:
            pass  # cut off by the block
        wait(lambda: relay.count("Invalid user", "from %s " % src) >
             start + i, 2)
    return relay.count("Invalid user", "from %s " % src) >= start + 8
