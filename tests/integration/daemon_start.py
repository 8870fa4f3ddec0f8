#!/usr/bin/env python3
"""How arxd says whether it starts (issue 18, item 5).

arxd -t on configurations that parse but would not start: (a) a response
program that does not exist, (b) one writable by others and one owned by
another user, (c) a <user> that does not exist, (d) a <rules_id> that no
rule has, (e) a <rule_dir> that does not exist: each exits 78 and names
file:line and the problem, and all of (a)-(d) in one file are all
reported. A <rules_group> that matches no rule is a warning and a log
file not there yet a notice: exit 0. The shipped etc/arx.conf passes.

Detached (no -f): with a missing program arxd exits 78 within seconds,
the reason on stderr; with a ruleset the analysis child cannot load, the
child's own error is on stderr; with a good configuration it returns 0
only once the control socket answers (arx status right after works), and
its stderr is let go (the command does not hang on it). A daemon
killed before it is ready is reported as such (exit 70), even while its
analysis child, stuck opening a FIFO, still holds the pipe. With
$NOTIFY_SOCKET (a path, then an abstract name), arxd -f sends READY=1
once the control socket answers, RELOADING=1 then READY=1 on SIGHUP and
STOPPING=1 on SIGTERM. The analysis child of a detached daemon runs as
arx with an empty capability bounding set, no_new_privs and a seccomp
filter. Needs root (chown, the user arx).
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

from harness import PROCS, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, REC = (os.path.join(BIN, n) for n in ("arxd", "arx", "ar_recorder"))
TMP = scratch("arx-start-")
AR = os.path.join(TMP, "ar")
SOCK = os.path.join(TMP, "run", "control.sock")
DAEMONS = []  # pids of detached daemons, stopped at the end

# Each {slot} is filled per case; the markers name the lines to expect.
CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>{exe}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>{ids}</rules_id><timeout>1h</timeout></active-response>{extra}
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{rules}</rule_dir></ruleset>
  <daemon><active_response_dir>{ar}</active_response_dir>
    <user>{user}</user>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""

PROGS = """
  <command><name>wmode</name><executable>wmode</executable></command>
  <active-response><command>wmode</command><location>local</location>
    <rules_id>5712</rules_id></active-response>
  <command><name>owner</name><executable>owner</executable></command>
  <active-response><command>owner</command><location>local</location>
    <rules_id>5712</rules_id></active-response>"""


def conf(name, exe="rec", ids="5712", extra="", rules=None, user="arx"):
    path = os.path.join(TMP, name)
    text = CONF_TEXT.format(exe=exe, ids=ids, extra=extra, tmp=TMP, src=SRC,
                            rules=rules or SRC + "/ruleset/rules", ar=AR,
                            user=user)
    with open(path, "w") as f:
        f.write(text)
    return path, text


def line(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def test(path):
    r = subprocess.run([ARXD, "-t", "-c", path], capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stderr


def setup():
    os.mkdir(AR)
    for name, mode in (("rec", 0o755), ("wmode", 0o777), ("owner", 0o755)):
        shutil.copy(REC, os.path.join(AR, name))
        os.chmod(os.path.join(AR, name), mode)
    os.chown(os.path.join(AR, "owner"), 65534, 65534)
    open(os.path.join(TMP, "auth.log"), "w").close()
    os.chmod(os.path.join(TMP, "auth.log"), 0o644)
    rules = os.path.join(TMP, "badrules")
    shutil.copytree(SRC + "/ruleset/rules", rules)
    with open(os.path.join(rules, "zz_broken.xml"), "w") as f:
        f.write('<group name="x,">\n<rule id="100500" level="3">\n'
                '<match>x</match>\n</group>\n')
    os.chmod(rules, 0o755)


def check_cases():
    path, text = conf("a.conf", exe="nothere")
    rc, err = test(path)
    expect(rc == 78 and "%s:2: command 'rec': program %s/nothere does not "
           "exist" % (path, AR) in err,
           "(a) a missing program: 78, file:line and 'does not exist'")
    path, text = conf("b.conf", extra=PROGS)
    rc, err = test(path)
    expect(rc == 78 and "%s:%d: command 'wmode': program %s/wmode can be "
           "written by group or others" % (path, line(text, "<name>wmode"),
                                           AR) in err and
           "%s:%d: command 'owner': program %s/owner is not owned by root"
           % (path, line(text, "<name>owner"), AR) in err,
           "(b) a program writable by others and one owned by nobody: 78, "
           "file:line and the reason of each")
    path, text = conf("c.conf", user="nosuchuser")
    rc, err = test(path)
    expect(rc == 78 and "%s:%d: user 'nosuchuser' (<daemon><user>) does "
           "not exist" % (path, line(text, "<user>")) in err,
           "(c) a missing <user>: 78, file:line of <user>")
    path, text = conf("d.conf", ids="5712,99999")
    rc, err = test(path)
    expect(rc == 78 and "%s:%d: <rules_id> 99999: the ruleset has no rule "
           "with this id" % (path, line(text, "<rules_id>")) in err and
           "5712:" not in err,
           "(d) a rules_id no rule has: 78, file:line, that id only")
    path, text = conf("e.conf", rules=TMP + "/nowhere")
    rc, err = test(path)
    expect(rc == 78 and "%s:%d: <rule_dir> %s/nowhere does not exist"
           % (path, line(text, "<rule_dir>"), TMP) in err,
           "(e) a missing <rule_dir>: 78, file:line and 'does not exist'")
    path, text = conf("all.conf", exe="nothere", ids="5712,99999",
                      extra=PROGS, user="nosuchuser")
    rc, err = test(path)
    expect(rc == 78 and all(s in err for s in (
        "nothere does not exist", "can be written", "not owned by root",
        "user 'nosuchuser'", "<rules_id> 99999")) and "5 problems" in err,
        "(a)-(d) in one file: every problem is reported, not the first")


def check_passes():
    path, text = conf("w.conf", extra="""
  <active-response><command>rec</command><location>local</location>
    <rules_group>no_such_group,</rules_group></active-response>
  <localfile><location>%s/later.log</location>
    <log_format>syslog</log_format></localfile>""" % TMP)
    rc, err = test(path)
    expect(rc == 0 and "warning: %s:%d: <rules_group> no_such_group," %
           (path, line(text, "<rules_group>") - 1) in err and
           "%s/later.log does not exist (yet): arxd waits for it" % TMP in err,
           "a rules_group that matches no rule is a warning, a log file "
           "not there yet a notice: exit 0")
    rc, err = test(os.path.join(SRC, "etc", "arx.conf"))
    expect(rc == 0 and "is valid" in err,
           "the shipped etc/arx.conf passes arxd -t: " +
           err.strip().splitlines()[-1])


def peer_pid(path):
    """The pid of the process that holds the control socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return struct.unpack("3i", cred)[0]


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def detached():
    path, _ = conf("miss.conf", exe="nothere")
    t0 = time.time()
    r = subprocess.run([ARXD, "-c", path], capture_output=True, text=True,
                       timeout=30)
    expect(r.returncode == 78 and time.time() - t0 < 5 and
           "program %s/nothere does not exist" % AR in r.stderr,
           "detached with a missing program: 78 within seconds, the reason "
           "on stderr (%.2fs)" % (time.time() - t0))
    path, _ = conf("broken.conf", rules=TMP + "/badrules")
    r = subprocess.run([ARXD, "-c", path], capture_output=True, text=True,
                       timeout=60)
    expect(r.returncode == 78 and "arxd[analysis]: error: " in r.stderr and
           "zz_broken.xml:4:" in r.stderr and
           "the analysis child did not start" in r.stderr,
           "detached with a ruleset that does not load: 78, the analysis "
           "child's own error on stderr")
    path, _ = conf("good.conf")
    r = subprocess.run([ARXD, "-c", path], capture_output=True, text=True,
                       timeout=60)
    st = ctl(ARX, SOCK, "status")
    expect(r.returncode == 0 and st.returncode == 0 and
           st.stdout.startswith("arx "),
           "detached with a good configuration: 0, and arx status answers "
           "at once (%s)" % (r.stderr.strip() or "nothing on stderr"))
    pid = peer_pid(SOCK)
    DAEMONS.append(pid)
    sandboxed(path, pid)
    os.kill(pid, signal.SIGTERM)
    expect(wait(lambda: gone(pid), 30), "the daemon (%d) stops on SIGTERM"
           % pid)


def sandboxed(path, pid):
    """The analysis child of the daemon pid runs as arx, with no
    capability it could ever get back, no new privileges and a seccomp
    filter."""
    kids = [k for k, ppid in arxd_procs(path) if ppid == pid]
    status = {}
    if kids:
        with open("/proc/%d/status" % kids[0]) as f:
            status = dict(l.rstrip("\n").split(":\t", 1) for l in f
                          if ":\t" in l)
    expect(len(kids) == 1 and not status.get("Uid", "0").startswith("0") and
           status.get("CapBnd") == "0000000000000000" and
           status.get("CapEff") == "0000000000000000" and
           status.get("NoNewPrivs") == "1" and status.get("Seccomp") == "2",
           "the analysis child: not root, an empty bounding set, "
           "no_new_privs, a seccomp filter (%s)" % {
               k: status.get(k) for k in ("Uid", "CapBnd", "CapEff",
                                          "NoNewPrivs", "Seccomp")})


CLIENT_TEXT = """<arx_config>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <client><server><address>127.0.0.1</address></server></client>
  <daemon><state_dir>{tmp}/cstate</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/crun/control.sock</control_socket></daemon>
</arx_config>
"""
FIFO = os.path.join(TMP, "cstate", "agent.key")


def arxd_procs(path):
    """(pid, ppid) of the processes running arxd -c path."""
    found = []
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")[:-1]
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().split(")")[-1].split()[1])
        except (OSError, ValueError):
            continue
        if argv == [ARXD.encode(), b"-c", path.encode()]:
            found.append((int(d), ppid))
    return found


def release_fifo():
    """A writer on the agent key FIFO lets a child stuck on it go."""
    try:
        os.close(os.open(FIFO, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def dies():
    """The daemon killed before it is ready, while its analysis child,
    stuck opening the agent key (a FIFO), still holds the start pipe."""
    os.mkdir(os.path.dirname(FIFO))
    os.mkfifo(FIFO)
    path = os.path.join(TMP, "client.conf")
    with open(path, "w") as f:
        f.write(CLIENT_TEXT.format(tmp=TMP, src=SRC))
    p = subprocess.Popen([ARXD, "-c", path], stderr=subprocess.PIPE,
                         text=True)
    PROCS.append(p)
    daemon = []

    def forked():  # the daemon: its child runs too, it is not p's
        procs = arxd_procs(path)
        daemon[:] = [pid for pid, ppid in procs if ppid != p.pid and
                     pid != p.pid and any(pp == pid for _, pp in procs)]
        return daemon != []

    if not wait(forked, 10):
        expect(False, "the daemon and its stuck child are running")
        return
    os.kill(daemon[0], signal.SIGKILL)
    try:
        err = p.communicate(timeout=10)[1]
    except subprocess.TimeoutExpired:
        err = "no answer within 10 s"
    release_fifo()
    expect(p.returncode == 70 and "the daemon (pid %d) ended before it was "
           "ready" % daemon[0] in err,
           "a daemon killed before it is ready (its child still holding "
           "the pipe): 70 and said: " + err.strip().replace("\n", " | "))


def notified(name):
    """arxd -f with NOTIFY_SOCKET=name; the messages in order."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + name[1:] if name.startswith("@") else name)
    s.settimeout(20)
    path, _ = conf("notify.conf")
    env = dict(os.environ, NOTIFY_SOCKET=name)
    p = subprocess.Popen([ARXD, "-f", "-c", path], env=env,
                         stderr=subprocess.DEVNULL)
    PROCS.append(p)
    got = []
    try:
        got.append(s.recv(4096).decode())
        got.append("status %d" % ctl(ARX, SOCK, "status").returncode)
        p.send_signal(signal.SIGHUP)
        got += [s.recv(4096).decode(), s.recv(4096).decode()]
        p.send_signal(signal.SIGTERM)
        got.append(s.recv(4096).decode())
    except socket.timeout:
        got.append("timeout")
    p.wait(timeout=60)
    s.close()
    return got


def notify():
    for name in (os.path.join(TMP, "notify.sock"), "@arx-notify-%d" %
                 os.getpid()):
        got = notified(name)
        expect(len(got) == 5 and got[0].startswith("READY=1\nSTATUS=") and
               got[1] == "status 0" and got[2] == "RELOADING=1" and
               got[3].startswith("READY=1\nSTATUS=configuration reloaded")
               and got[4] == "STOPPING=1",
               "NOTIFY_SOCKET %s: READY=1 once arx status answers, "
               "RELOADING=1 and READY=1 on SIGHUP, STOPPING=1: %r"
               % (name, got))


def stop_daemons():
    for pid in DAEMONS:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)
    release_fifo()


def main():
    setup()
    check_cases()
    check_passes()
    detached()
    dies()
    notify()


if __name__ == "__main__":
    finish("integ.daemon.start", main, TMP, cleanup=stop_daemons)
