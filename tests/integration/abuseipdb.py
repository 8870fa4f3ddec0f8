#!/usr/bin/env python3
"""The abuseipdb response program, for real, against a local HTTP server
that implements the two endpoints of AbuseIPDB's API v2 it uses (POST
/api/v2/report, GET /api/v2/check), checks the Key and Accept headers
and records every request (the real service is not reachable from the
test machines).

- report, run by hand in both protocols: the request's ip, categories
  (from the rule's groups: 18 and 22 for sshd's invalid user; the
  legacy protocol has no groups: 15, or --categories), the comment
  (rule id and description, the log line only with --comment-log) and
  the key; a wrong key is refused (exit 69);
- check as arxd runs it, a <precheck> of a blocking command (the test
  recorder): arxd reads sshd lines from two addresses, one scored 90,
  one 5 by the server; the first is blocked (the recorder ran), the
  second declined (no run, no block, `arx status` and
  active-responses.log say so), and each reported;
- the cache: a check again for both, in either protocol, asks the
  server nothing and answers the same (exit 0 and 3); with a cache-ttl
  of 0 it asks again; a server that fails makes the check exit 69,
  which lets arxd's block go on.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

from harness import Arxd, ctl, expect, finish, recorder_dir, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, PROG = (os.path.join(BIN, n) for n in ("arxd", "arx",
                                                   "abuseipdb"))
TMP = scratch("arx-abuseipdb-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
ARDIR = os.path.join(TMP, "ar")
KEY = "k3y-for-the-test-0123456789abcdef"
KEYFILE = os.path.join(TMP, "abuseipdb.key")
STATE = os.path.join(TMP, "abuseipdb-state")
SCORES = {"203.0.113.10": 90, "203.0.113.20": 5, "198.51.100.7": 60,
          "203.0.113.30": 99}
requests = []
FAIL = [False]


class Api(http.server.BaseHTTPRequestHandler):
    """AbuseIPDB's documented endpoints, as far as the program uses them."""
    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refused(self):
        if FAIL[0]:
            self.answer(503, {"errors": [{"detail": "down"}]})
            return True
        if self.headers.get("Key") != KEY or \
                self.headers.get("Accept") != "application/json":
            self.answer(401, {"errors": [{"detail": "Authentication "
                                          "failed.", "status": 401}]})
            return True
        return False

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        requests.append(("GET", url.path, q, dict(self.headers)))
        if self.refused():
            return
        if url.path != "/api/v2/check" or "ipAddress" not in q:
            self.answer(422, {"errors": [{"detail": "bad request"}]})
            return
        ip = q["ipAddress"][0]
        self.answer(200, {"data": {"ipAddress": ip, "isPublic": True,
                                   "abuseConfidenceScore":
                                   SCORES.get(ip, 0),
                                   "totalReports": 3}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        requests.append(("POST", self.path, form, dict(self.headers)))
        if self.refused():
            return
        if self.path != "/api/v2/report" or "ip" not in form:
            self.answer(422, {"errors": [{"detail": "bad request"}]})
            return
        self.answer(200, {"data": {"ipAddress": form["ip"][0],
                                   "abuseConfidenceScore": 52}})

    def log_message(self, *args):
        pass


SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
API = "http://127.0.0.1:%d/api/v2" % SERVER.server_port
OPTS = "--key-file %s --api-url %s" % (KEYFILE, API)

ALERT = {"rule": {"level": 5, "id": "5710",
                  "description": "sshd: attempt to login using a "
                                 "non-existent user",
                  "groups": ["syslog", "sshd", "authentication_failed",
                             "invalid_login"]},
         "id": "1795349005.77", "location": "/var/log/auth.log",
         "full_log": "Dec  7 10:00:00 host sshd[4242]: Invalid user admin "
                     "from 198.51.100.7 port 5555",
         "data": {"srcip": "198.51.100.7", "srcuser": "admin"}}

CONF_TEXT = """<arx_config>
  <command><name>abuse-check</name><executable>abuseipdb</executable>
    <extra_args>check {opts} --min-score 50 --raise-score 95
      --state-dir {state}</extra_args>
  </command>
  <command><name>abuse-report</name><executable>abuseipdb</executable>
    <extra_args>report {opts}</extra_args></command>
  <command><name>rec</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed>
    <precheck>abuse-check</precheck></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5710</rules_id><timeout>1h</timeout></active-response>
  <active-response><command>abuse-report</command><location>local</location>
    <rules_id>5710</rules_id></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def run_json(command, extra, alert=ALERT):
    """The program as arxd runs it with Wazuh's protocol: the message,
    the check_keys line answered "continue"."""
    msg = {"version": 1, "origin": {"name": "t", "module": "arx"},
           "command": command,
           "parameters": {"extra_args": extra.split(), "alert": alert,
                          "program": "abuseipdb"}}
    p = subprocess.Popen([PROG], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdin.write(json.dumps(msg) + "\n")
    p.stdin.flush()
    if command == "add":
        keys = json.loads(p.stdout.readline())
        expect(keys.get("command") == "check_keys",
               "the add asks check_keys")
        msg["command"] = "continue"
        p.stdin.write(json.dumps(msg) + "\n")
    p.stdin.close()
    err = p.stderr.read()
    return p.wait(timeout=30), err


def run_legacy(addr, rule, *extra):
    p = subprocess.run([PROG, "add", "-", addr, "1795349005.1", rule,
                        *extra], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stderr


def reports(ip):
    return [r for r in requests if r[0] == "POST" and
            r[2].get("ip") == [ip]]


def checks(ip):
    return [r for r in requests if r[0] == "GET" and
            r[2].get("ipAddress") == [ip]]


def test_report():
    rc, err = run_json("add", "report " + OPTS)
    r = reports("198.51.100.7")
    f = r[-1][2] if r else {}
    expect(rc == 0 and len(r) == 1, "JSON: one report (%d %s)" % (rc, err))
    expect(f.get("categories") == ["18,22"],
           "categories from the groups: 18 Brute-Force, 22 SSH (%s)"
           % f.get("categories"))
    expect(f.get("comment") == ["arx rule 5710: sshd: attempt to login "
                                "using a non-existent user"],
           "the comment: rule id and description, no log line (%s)"
           % f.get("comment"))
    expect(r and r[-1][3].get("Key") == KEY and
           r[-1][3].get("Accept") == "application/json",
           "the key and Accept headers")
    expect(KEY not in " ".join(open("/proc/self/cmdline").read()),
           "the key is not on a command line")
    rc, err = run_json("add", "report --comment-log " + OPTS)
    f = reports("198.51.100.7")[-1][2]
    expect(rc == 0 and "Invalid user admin from 198.51.100.7" in
           f.get("comment", [""])[0],
           "--comment-log puts the log line in the comment")
    rc, err = run_json("delete", "report " + OPTS)
    expect(rc == 0 and len(reports("198.51.100.7")) == 2,
           "a delete reports nothing")
    rc, err = run_legacy("198.51.100.8", "5712", "report", *OPTS.split())
    f = reports("198.51.100.8")[-1][2] if reports("198.51.100.8") else {}
    expect(rc == 0 and f.get("categories") == ["15"] and
           f.get("comment") == ["arx rule 5712"],
           "legacy argv: no groups, category 15 (Hacking) (%s)" % f)
    rc, err = run_legacy("198.51.100.8", "5712", "report", "--categories",
                         "18,22", *OPTS.split())
    f = reports("198.51.100.8")[-1][2]
    expect(rc == 0 and f.get("categories") == ["18,22"],
           "--categories sets them (%s)" % f.get("categories"))
    with open(KEYFILE + ".bad", "w") as k:
        k.write("wrong\n")
    os.chmod(KEYFILE + ".bad", 0o600)
    rc, err = run_json("add", "report --key-file %s.bad --api-url %s"
                       % (KEYFILE, API))
    expect(rc == 69 and "HTTP status 401" in err,
           "a wrong key is refused: exit 69 (%d %r)" % (rc, err))
    os.chmod(KEYFILE, 0o644)
    rc, err = run_json("add", "report " + OPTS)
    expect(rc != 0 and "can be read by" in err,
           "a key file others can read is not used (%d %r)" % (rc, err))
    os.chmod(KEYFILE, 0o600)


def line(addr, n):
    return ("Dec  7 10:00:%02d host sshd[%d]: Invalid user admin%d from %s "
            "port 5555\n" % (n, 4000 + n, n, addr))


def test_daemon():
    recorder_dir(BIN, ARDIR)
    shutil.copy(PROG, os.path.join(ARDIR, "abuseipdb"))
    os.chmod(os.path.join(ARDIR, "abuseipdb"), 0o755)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(opts=OPTS, state=STATE, src=SRC,
                                 ardir=ARDIR, tmp=TMP, sock=SOCK))
    open(os.path.join(TMP, "auth.log"), "w").close()
    os.chmod(os.path.join(TMP, "auth.log"), 0o644)
    d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0)
    with open(os.path.join(TMP, "auth.log"), "a") as f:
        f.write(line("203.0.113.10", 1) + line("203.0.113.20", 2) +
                line("203.0.113.30", 3))
    rec = os.path.join(ARDIR, "recorder.log")
    arlog = os.path.join(TMP, "log", "active-responses.log")
    expect(wait(lambda: os.path.exists(rec) and
                "add 203.0.113.10" in open(rec).read(), 20),
           "score 90: the precheck lets the block go on (the recorder ran)")
    expect(wait(lambda: os.path.exists(arlog) and
                "rec declined 203.0.113.20" in open(arlog).read(), 20),
           "score 5: active-responses.log says the block was declined")
    expect("203.0.113.20" not in open(rec).read(),
           "score 5: the blocking program did not run")
    expect(wait(lambda: "add 203.0.113.30" in open(rec).read(), 20),
           "score 99: the block goes on too")
    blocks = {b["address"]: b for b in json.loads(
        ctl(ARX, SOCK, "list", "--json").stdout)["blocks"]
        if b["command"] == "rec"}
    expect(sorted(blocks) == ["203.0.113.10", "203.0.113.30"],
           "only the high-scored addresses are blocked (%s)" % sorted(blocks))
    left = {a: b.get("remaining_s", 0) for a, b in blocks.items()}
    # <timeout> 1h and no <repeated_offenders>: a raise doubles it
    expect(3500 < left.get("203.0.113.10", 0) <= 3600 and
           7100 < left.get("203.0.113.30", 0) <= 7200,
           "score 99 (--raise-score 95): its block lasts twice as long, "
           "score 90 keeps its hour (%s)" % left)
    expect("rec extend 203.0.113.30" in open(arlog).read(),
           "active-responses.log says the raised block was extended")
    st = json.loads(ctl(ARX, SOCK, "status", "--json").stdout)
    resp = st.get("responses", {})
    expect(resp.get("prechecks") == 3 and resp.get("declined") == 1 and
           resp.get("raised") == 1,
           "arx status counts 3 prechecks, 1 declined, 1 raised (%s)" % resp)
    expect(wait(lambda: reports("203.0.113.10") and
                reports("203.0.113.20"), 20),
           "both addresses were reported by the report command")
    f = reports("203.0.113.20")[-1][2] if reports("203.0.113.20") else {}
    expect(f.get("categories") == ["18,22"] and
           f.get("comment", [""])[0].startswith("arx rule 5710: "),
           "arxd's alert gives the groups and description (%s)" % f)
    err = d.stop()
    print(err[-3000:]) if os.environ.get("ARX_DEBUG") else None
    expect("declined by its precheck abuse-check" in err,
           "arxd logs the decline with the precheck's name")
    expect("raised to 7200 s by its precheck abuse-check" in err,
           "arxd logs the raise with the new length")


def test_cache():
    n = len(checks("203.0.113.10")) + len(checks("203.0.113.20")) + \
        len(checks("203.0.113.30"))
    expect(n == 3, "arxd's prechecks asked the server once each (%d)" % n)
    opts = "check %s --state-dir %s" % (OPTS, STATE)
    hi = dict(ALERT, data={"srcip": "203.0.113.10"})
    lo = dict(ALERT, data={"srcip": "203.0.113.20"})
    rc1, err1 = run_json("add", opts + " --min-score 50", hi)
    rc2, err2 = run_legacy("203.0.113.20", "5710", *opts.split(),
                           "--min-score", "50")
    expect(rc1 == 0 and rc2 == 3 and "cached" in err1 and "cached" in err2,
           "a check again: from the cache, the same answer, exit 0 and 3 "
           "(%d %r / %d %r)" % (rc1, err1, rc2, err2))
    expect(len(checks("203.0.113.10")) + len(checks("203.0.113.20")) == 2,
           "the cache spared the server a second request")
    cache = open(os.path.join(STATE, "abuseipdb.cache")).read().split("\n")
    expect(sorted(ln.split()[0] for ln in cache if ln) ==
           ["203.0.113.10", "203.0.113.20", "203.0.113.30"],
           "the cache holds one line per address (%s)" % cache)
    rc, err = run_json("add", opts + " --min-score 91", hi)
    expect(rc == 3, "the threshold decides: 90 is below --min-score 91")
    rc, err = run_json("add", opts + " --cache-ttl 0", hi)
    expect(rc == 0 and len(checks("203.0.113.10")) == 2,
           "with --cache-ttl 0 the server is asked again")
    FAIL[0] = True
    rc, err = run_json("add", opts + " --cache-ttl 0", hi)
    FAIL[0] = False
    expect(rc == 69 and "503" in err,
           "a failing service: exit 69, which lets a block go on (%d)" % rc)


def main():
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()
    with open(KEYFILE, "w") as k:
        k.write(KEY + "\n")
    os.chmod(KEYFILE, 0o600)
    test_report()
    test_daemon()
    test_cache()
    SERVER.shutdown()


finish("integ.abuseipdb", main, TMP)
