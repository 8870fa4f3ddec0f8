"""Two network namespaces joined by a veth pair, for tests of response
programs against the real kernel. Namespace A is the protected host
(192.0.2.1, 2001:db8::1), namespace B the attacker (192.0.2.6,
2001:db8::6). Documentation addresses only; removed by close()."""
import json
import os
import signal
import subprocess
import time

from harness import expect, failures  # noqa: F401 (the tests' own)

PID = os.getpid()
A, B = "arxA%d" % PID, "arxB%d" % PID


def sh(*argv, check=True, **kw):
    return subprocess.run(argv, check=check, capture_output=True, text=True,
                          timeout=30, **kw)


def ns(name, *argv, **kw):
    return sh("ip", "netns", "exec", name, *argv, **kw)


def pings(addr, tries=3):
    """True if B reaches addr in A within tries one-second pings. More
    than one try: after a block is lifted, IPv6 neighbour discovery
    (whose packets the block also dropped) may need a moment."""
    flag = "-6" if ":" in addr else "-4"
    for _ in range(tries):
        if ns(B, "ping", flag, "-c1", "-W1", addr, check=False).returncode == 0:
            return True
    return False


def setup():
    sh("ip", "netns", "add", A)
    sh("ip", "netns", "add", B)
    sh("ip", "link", "add", "vA%d" % PID, "netns", A, "type", "veth",
       "peer", "name", "vB%d" % PID, "netns", B)
    for n, dev, v4, v6 in ((A, "vA%d" % PID, "192.0.2.1/24", "2001:db8::1/64"),
                           (B, "vB%d" % PID, "192.0.2.6/24", "2001:db8::6/64")):
        sh("ip", "-n", n, "addr", "add", v4, "dev", dev)
        sh("ip", "-n", n, "addr", "add", v6, "dev", dev, "nodad")
        sh("ip", "-n", n, "link", "set", dev, "up")
        sh("ip", "-n", n, "link", "set", "lo", "up")


def message(command, ip, extra):
    return json.dumps({"version": 1,
                       "origin": {"name": "test", "module": "arx"},
                       "command": command,
                       "parameters": {"extra_args": extra,
                                      "alert": {"data": {"srcip": ip}},
                                      "program": "firewall-drop"}}) + "\n"


def json_add(prog, ip, answer, extra=None):
    """Send a JSON add to prog in A, read its check_keys line, answer with
    answer ("continue" or "abort"); return the keys message and exit code."""
    extra = ["--timeout", "600"] if extra is None else extra
    p = subprocess.Popen(["ip", "netns", "exec", A, prog],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdin.write(message("add", ip, extra))
    p.stdin.flush()
    keys = json.loads(p.stdout.readline())
    p.stdin.write(message(answer, ip, extra))
    p.stdin.close()
    rc = p.wait(timeout=30)
    return keys, rc


def close():
    for n in (A, B):
        sh("ip", "netns", "del", n, check=False)


class Daemon:
    """arxd -f -c conf in A, its output appended to the file err (a burst
    logs more than a pipe holds); ready when `arx status` answers (as
    systemd's READY=1, which comes once the control socket is bound):
    self.ready is that moment. Every process goes into procs, for the
    test to kill at its end."""
    def __init__(self, arxd, arx, conf, err, procs, limit=60):
        self.conf, self.errpath = conf, err
        self.err = open(err, "a")
        self.p = subprocess.Popen(["ip", "netns", "exec", A, arxd, "-f",
                                   "-c", conf], stdout=self.err,
                                  stderr=self.err)
        procs.append(self.p)
        t0 = time.time()
        while time.time() - t0 < limit:
            if self.p.poll() is None and subprocess.run(
                    [arx, "status", "-c", conf], capture_output=True,
                    timeout=60).returncode == 0:
                self.ready = time.time()
                return
            time.sleep(0.02)
        self.p.kill()
        raise RuntimeError("arxd did not start: " + open(err).read()[-3000:])

    def stop(self, sig=signal.SIGTERM):
        """Signal it, wait for it and for its analysis child (which goes
        with its parent) to be gone."""
        self.p.send_signal(sig)
        self.p.wait(timeout=120)
        self.err.close()
        t0 = time.time()
        while time.time() - t0 < 10 and ns(A, "pgrep", "-f", self.conf,
                                             check=False).returncode == 0:
            time.sleep(0.1)
