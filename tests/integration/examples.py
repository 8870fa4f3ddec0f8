#!/usr/bin/env python3
"""The response programs of examples/active-response (docs/RESPONSES.md)
against a local HTTP server that plays the Telegram Bot API, TheHive and
a FortiGate's CMDB API, recording every request.

Each example runs both ways, as arxd runs it: with the legacy argv, and
with the JSON message on stdin, the check_keys handshake answered as
arxd answers it. The JSON message carries only the alert's id (as
arxd's lifts and manual blocks do), so what the request says of the rule
(description, level, log line) can only come from alerts.json, where a
decoy line with the same id in a data field must not be taken. Checked:
the path, the credential (the token in the URL, the Bearer header), the
body (rule id, description, source address), the exit status; an abort
sends nothing; a delete lifts the FortiOS block and says nothing in the
notifications; a wrong token is 69, a token file others can read 64.

Then arxd itself (root: its analysis child's user) with telegram.sh
(JSON) and fortios.py (legacy) installed in an <active_response_dir>:
eight invalid-user lines fire rule 5712, the server sees the message and
the address object and group member, the ids are those of alerts.json,
and the timeout's delete takes the address out again. A copy that group
can write is refused at start, naming the reason.
"""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

from harness import Arxd, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
EX = os.path.join(SRC, "examples", "active-response")
TMP = scratch("arx-examples-")
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"}
TOKEN = "123456:ABC-def_ghi"
KEY = "hive-key-s3cret"
FTOKEN = "fos-token-s3cret"
ID = "1796681320.2634"
IP = "192.0.2.66"
DESC = "sshd: brute force trying to get access to the system. Non existent user."
LOG = "Dec  7 22:08:40 vm sshd[108]: Invalid user guest8 from %s port 40008" % IP

received = []  # (method, path, headers, body as dict)
FOS = {"address": {}, "address6": {}, "addrgrp": {"arx-block": {"keep"}},
       "addrgrp6": {"arx-block6": {"keep"}}}


def alert_line(aid, rule, desc, level, data):
    return json.dumps({
        "timestamp": "2026-12-07T22:08:40.995+0000",
        "rule": {"level": level, "description": desc, "id": rule,
                 "mitre": {"id": ["T1110"]}, "groups": ["syslog", "sshd"]},
        "agent": {"id": "000", "name": "vm1"}, "manager": {"name": "vm1"},
        "id": aid, "full_log": LOG, "data": data,
        "location": "/var/log/auth.log"}, separators=(",", ":"))


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw) if raw else {}
        else:  # curl's --data-urlencode
            body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        received.append((self.command, self.path, dict(self.headers), body))
        return body

    def do_POST(self):
        body = self.record()
        path = urllib.parse.urlsplit(self.path).path
        if path.endswith("/sendMessage"):
            ok = path == "/bot%s/sendMessage" % TOKEN
            return self.answer(200 if ok else 401, {"ok": ok, "description":
                                                    None if ok else "Unauthorized"})
        if path in ("/api/v1/alert", "/api/alert"):
            ok = self.headers.get("Authorization") == "Bearer " + KEY
            return self.answer(201 if ok else 401, {"_id": "~4242"} if ok else {})
        self.fortios(path, body)

    def fortios(self, path, body):
        if self.headers.get("Authorization") != "Bearer " + FTOKEN:
            return self.answer(401, {"status": "error", "http_status": 401})
        parts = path.split("/")[5:]  # /api/v2/cmdb/firewall/<table>[/...]
        if self.command == "POST" and len(parts) == 1:
            table = FOS[parts[0]]
            exists = body["name"] in table
            table.setdefault(body["name"], body)
        elif self.command == "POST" and len(parts) == 3:
            group = FOS[parts[0]][urllib.parse.unquote(parts[1])]
            exists = body["name"] in group
            group.add(body["name"])
        else:
            return self.answer(405, {"status": "error"})
        self.answer(500 if exists else 200, {"status": "error", "error": -5}
                    if exists else {"status": "success"})

    def do_DELETE(self):
        self.record()
        parts = [urllib.parse.unquote(p) for p in
                 urllib.parse.urlsplit(self.path).path.split("/")[5:]]
        if self.headers.get("Authorization") != "Bearer " + FTOKEN:
            return self.answer(401, {"status": "error"})
        where = FOS[parts[0]] if len(parts) == 2 else FOS[parts[0]][parts[1]]
        if parts[-1] not in where:
            return self.answer(404, {"status": "error", "error": -3})
        where.remove(parts[-1]) if isinstance(where, set) else where.pop(parts[-1])
        self.answer(200, {"status": "success"})

    def log_message(self, *args):
        pass


SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
URL = "http://127.0.0.1:%d" % SERVER.server_port


def secret(name, value, mode=0o600):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, mode)
    return path


ALERTS = os.path.join(TMP, "alerts.json")
OPTS = {
    "telegram.sh": ["--token-file", secret("tg.token", TOKEN), "--chat-id",
                    "-100777", "--api", URL, "--alerts", ALERTS],
    "thehive.py": ["--url", URL, "--key-file", secret("hive.key", KEY),
                   "--alerts", ALERTS],
    "fortios.py": ["--url", URL, "--token-file", secret("fos.token", FTOKEN),
                   "--group", "arx-block", "--group6", "arx-block6",
                   "--alerts", ALERTS],
}
OPTS["telegram.py"] = OPTS["telegram.sh"]


def message(command, extra, alert):
    """A message as arxd writes it (src/ar/protocol.c)."""
    return json.dumps({"version": 1, "origin": {"name": "vm1", "module": "arx"},
                       "command": command, "parameters": {
                           "extra_args": extra, "alert": alert,
                           "program": "x"}}, separators=(",", ":")) + "\n"


def run_legacy(prog, cmd, ip=IP, aid=ID, opts=None):
    argv = [os.path.join(EX, prog), cmd, "-", ip, aid,
            "5712" if aid != "-" else "0", "(web01)", "192.0.2.9->/var/log/auth.log",
            "-", *(OPTS[prog] if opts is None else opts)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ENV,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stderr, None


def run_json(prog, cmd, ip=IP, aid=ID, answer="continue", opts=None):
    """The JSON protocol, the handshake answered as arxd does; the
    alert in the message is what arxd sends when it has no alerts.json
    object (its id, the rule id and the address only)."""
    alert = {"rule": {"id": "5712"} if aid else {}, "data": {"srcip": ip}}
    if aid:
        alert["id"] = aid
    extra = OPTS[prog] if opts is None else opts
    p = subprocess.Popen([os.path.join(EX, prog)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV)
    p.stdin.write(message(cmd, extra, alert))
    p.stdin.flush()
    keys = None
    if cmd == "add":
        line = p.stdout.readline()
        keys = json.loads(line) if line else {}
        if keys.get("command") == "check_keys":
            p.stdin.write(message(answer, extra, alert))
    p.stdin.close()
    err = p.stderr.read()
    p.stdout.read()
    return p.wait(timeout=60), err, keys


def last(n):
    """The requests since the first n."""
    return received[n:]


def check_notify(prog, run):
    n = len(received)
    rc, err, keys = run(prog, "add")
    new = last(n)
    method, path, headers, body = new[-1] if new else (None, "", {}, {})
    if prog.startswith("telegram"):
        text = body.get("text", "")
        ok = path == "/bot%s/sendMessage" % TOKEN and body.get("chat_id") == "-100777"
    else:
        text = json.dumps(body)
        ok = (path == "/api/v1/alert" and headers.get("Authorization") == "Bearer " + KEY
              and body.get("sourceRef") == ID and body.get("title") == DESC
              and body.get("severity") == 3
              and body.get("observables") == [{"dataType": "ip", "data": IP}])
    expect(rc == 0 and len(new) == 1 and ok and "5712" in text and DESC in text
           and IP in text and "decoy" not in text,
           "%s %s: one request with the credential, rule 5712, its description "
           "from alerts.json and %s (rc %s, %s %s, %s)" % (
               prog, run.__name__, IP, rc, path.replace(TOKEN, "TOKEN"), text[:300],
               err.strip()))
    if keys is not None:
        expect(keys.get("command") == "check_keys" and
               keys.get("parameters", {}).get("keys") == [IP],
               "%s: check_keys names the address (%s)" % (prog, keys))


def check_fortios(run):
    prog = "fortios.py"
    n = len(received)
    rc, err, _ = run(prog, "add")
    obj = FOS["address"].get("arx_" + IP, {})
    new = last(n)
    expect(rc == 0 and obj.get("subnet") == IP + " 255.255.255.255" and
           "5712" in obj.get("comment", "") and DESC[:40] in obj.get("comment", "")
           and "arx_" + IP in FOS["addrgrp"]["arx-block"] and
           all(h.get("Authorization") == "Bearer " + FTOKEN for _, _, h, _ in new) and
           new[0][1] == "/api/v2/cmdb/firewall/address?vdom=root" and
           new[1][1] == "/api/v2/cmdb/firewall/addrgrp/arx-block/member?vdom=root",
           "fortios.py %s: the address object (comment from alerts.json) and the "
           "group member, with the token (rc %s, %s, %s)" % (
               run.__name__, rc, obj, err.strip()))
    rc, err, _ = run(prog, "add")
    expect(rc == 0 and list(FOS["addrgrp"]["arx-block"]).count("arx_" + IP) == 1,
           "fortios.py %s: an add of an address already there is done (%s)"
           % (run.__name__, err.strip()))
    rc, err, _ = run(prog, "delete", aid="-" if run is run_legacy else "")
    expect(rc == 0 and "arx_" + IP not in FOS["address"] and
           FOS["addrgrp"]["arx-block"] == {"keep"},
           "fortios.py %s: a delete takes it out of the group and removes it "
           "(rc %s, %s)" % (run.__name__, rc, err.strip()))


def write_alerts():
    with open(ALERTS, "w") as f:
        f.write(alert_line("1796681320.0", "5710", "an earlier alert", 5,
                           {"srcip": IP}) + "\n")
        f.write(alert_line(ID, "5712", DESC, 10, {"srcip": IP}) + "\n")
        # a later line whose data has the id: not the alert
        f.write(alert_line("1796681321.9000", "31101", "decoy", 14,
                           {"srcip": "198.51.100.9", "id": ID}) + "\n")


def examples():
    write_alerts()
    for run in (run_legacy, run_json):
        for prog in ("telegram.sh", "telegram.py", "thehive.py"):
            check_notify(prog, run)
            n = len(received)
            rc, _, _ = run(prog, "delete", aid="-" if run is run_legacy else "")
            expect(rc == 0 and len(received) == n,
                   "%s %s: a delete sends nothing" % (prog, run.__name__))
        check_fortios(run)
    for prog in OPTS:
        n = len(received)
        rc, _, _ = run_json(prog, "add", answer="abort")
        expect(rc == 0 and len(received) == n, "%s: an abort sends nothing" % prog)
    n = len(received)
    rc, err, _ = run_json("fortios.py", "add", ip="2001:db8::66")
    expect(rc == 0 and "arx_2001:db8::66" in FOS["addrgrp6"]["arx-block6"] and
           FOS["address6"]["arx_2001:db8::66"]["ip6"] == "2001:db8::66/128",
           "fortios.py: IPv6 goes to address6 and addrgrp6 (%s)" % err.strip())
    rc, _, _ = run_legacy("thehive.py", "add", opts=OPTS["thehive.py"] + ["--api", "v0"])
    body = received[-1][3]
    expect(rc == 0 and received[-1][1] == "/api/alert" and
           body.get("artifacts") == [{"dataType": "ip", "data": IP}],
           "thehive.py --api v0: /api/alert with artifacts")
    failures()


def failures():
    for prog, opts in (("telegram.sh", ["--token-file", secret("bad.tg", "9:bad"),
                                        "--chat-id", "1", "--api", URL]),
                       ("telegram.py", ["--token-file", secret("bad.tg", "9:bad"),
                                        "--chat-id", "1", "--api", URL]),
                       ("thehive.py", ["--url", URL, "--key-file", secret("bad.k", "no")]),
                       ("fortios.py", ["--url", URL, "--group", "arx-block",
                                       "--token-file", secret("bad.f", "no")])):
        rc, err, _ = run_legacy(prog, "add", opts=opts + ["--alerts", ALERTS])
        expect(rc == 69, "%s: refused by the server: 69 (%s, %s)" % (prog, rc, err.strip()))
        expect(TOKEN not in err and "9:bad" not in err,
               "%s: the secret is not in what it says" % prog)
        opts = [("open.s" if w.startswith(TMP) else w) for w in opts]
        opts = [secret(w, "x", 0o644) if w == "open.s" else w for w in opts]
        rc, err, _ = run_legacy(prog, "add", opts=opts)
        expect(rc == 64 and "chmod 600" in err,
               "%s: a secret others can read is refused: 64 (%s)" % (prog, err.strip()))


CONF_TEXT = """<arx_config>
  <command><name>telegram</name><executable>telegram.sh</executable>
    <extra_args>{tg}</extra_args><timeout_allowed>yes</timeout_allowed></command>
  <command><name>fortigate</name><executable>fortios.py</executable>
    <protocol>legacy</protocol><extra_args>{fos}</extra_args>
    <timeout_allowed>yes</timeout_allowed><exec_timeout>30</exec_timeout></command>
  <active-response><command>telegram</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <active-response><command>fortigate</command><location>local</location>
    <rules_id>5712</rules_id><timeout>2</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{tmp}/ar</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <node_name>vm1</node_name></daemon>
</arx_config>
"""


def install(name, mode=0o755):
    """name copied into the response directory as the docs say: owned
    by root, not writable by group or others."""
    os.makedirs(os.path.join(TMP, "ar"), mode=0o755, exist_ok=True)
    dst = os.path.join(TMP, "ar", name)
    shutil.copyfile(os.path.join(EX, name), dst)
    os.chown(dst, 0, 0)
    os.chmod(dst, mode)


def with_arxd():
    conf = os.path.join(TMP, "arx.conf")
    alerts = os.path.join(TMP, "log", "alerts.json")
    opts = {"tg": OPTS["telegram.sh"][:-1] + [alerts],
            "fos": OPTS["fortios.py"][:-1] + [alerts]}
    with open(conf, "w") as f:
        f.write(CONF_TEXT.format(tmp=TMP, src=SRC, **{k: " ".join(v)
                                                      for k, v in opts.items()}))
    open(os.path.join(TMP, "auth.log"), "w").close()
    os.chmod(os.path.join(TMP, "auth.log"), 0o644)
    install("telegram.sh", 0o775)
    install("fortios.py")
    r = subprocess.run([os.path.join(BIN, "arxd"), "-f", "-c", conf],
                       capture_output=True, text=True, timeout=60)
    expect(r.returncode != 0 and "telegram.sh can be written by group or others"
           in r.stderr, "arxd refuses a program group can write (%s)"
           % r.stderr.strip()[-200:])
    install("telegram.sh")
    sock = os.path.join(TMP, "run", "control.sock")
    d = Arxd(os.path.join(BIN, "arxd"), conf, lambda: os.path.exists(sock))
    n = len(received)
    with open(os.path.join(TMP, "auth.log"), "a") as f:
        for i in range(8):
            f.write("%s vm sshd[%d]: Invalid user guest%d from %s port %d\n" % (
                time.strftime("%b %e %H:%M:%S"), 100 + i, i, IP, 40000 + i))
    wait(lambda: any(p.endswith("/sendMessage") for _, p, _, _ in last(n)) and
         "arx_" + IP in FOS["addrgrp"]["arx-block"], 30)
    fired = [json.loads(x) for x in open(alerts) if '"id":"5712"' in x]
    aid = fired[-1]["id"] if fired else "?"
    text = next((b.get("text", "") for _, p, _, b in last(n)
                 if p.endswith("/sendMessage")), "")
    expect(DESC in text and aid in text and IP in text,
           "arxd ran telegram.sh: the message has alert %s of alerts.json (%s)"
           % (aid, text[:200]))
    # what the FortiGate was sent (the 2 s block may be over already)
    sent = [(p.split("?")[0], b) for m, p, _, b in last(n) if m == "POST"]
    comment = next((b.get("comment", "") for p, b in sent
                    if p.endswith("/firewall/address")), "")
    expect(("/api/v2/cmdb/firewall/addrgrp/arx-block/member",
            {"name": "arx_" + IP}) in sent and aid in comment and
           DESC[:40] in comment,
           "arxd ran fortios.py (legacy): the address is in the group, its "
           "comment from alerts.json (%s)" % comment)
    wait(lambda: "arx_" + IP not in FOS["addrgrp"]["arx-block"], 30)
    expect(FOS["addrgrp"]["arx-block"] == {"keep"} and "arx_" + IP not in FOS["address"],
           "arxd's delete at the block's end took the address out again")
    d.stop(signal.SIGTERM)
    arlog = open(os.path.join(TMP, "log", "active-responses.log")).read()
    expect("fortigate add %s rule 5712 alert %s" % (IP, aid) in arlog and
           "fortigate delete %s" % IP in arlog and "telegram add %s" % IP in arlog
           and " fail " not in arlog,
           "active-responses.log has the runs and no failure:\n" + arlog)


def main():
    examples()
    if os.geteuid() == 0:
        with_arxd()
    else:
        print("skip arxd: needs root")
    SERVER.shutdown()


finish("integ.examples", main, TMP)
