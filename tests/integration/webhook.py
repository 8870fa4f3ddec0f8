#!/usr/bin/env python3
"""webhook, for real, against an HTTP server on loopback: the legacy argv
and the JSON protocol (with its check_keys handshake), each template
(json, slack, telegram, thehive), headers from a file, deletes only with
--notify-delete, an alert without an address, and failures (HTTP 500,
nothing listening, a URL that is not http) reported by the exit status.
"""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

PROG = sys.argv[1]
failures = []
received = []
STATUS = [200]


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(STATUS[0])
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
URL = "http://127.0.0.1:%d/hook" % server.server_port

ALERT = {"timestamp": "2026-11-22T10:00:00.000+0000",
         "rule": {"level": 10, "description": "sshd: brute force trying "
                  "to get access to the system. Non existent user.",
                  "id": "5712"},
         "agent": {"id": "000", "name": "victim"},
         "id": "1732269600.1234", "location": "/var/log/auth.log",
         "full_log": "Nov 22 10:00:00 victim sshd[1]: Invalid user "
                     "admin from 192.0.2.6 port 4242",
         "data": {"srcip": "192.0.2.6", "dstuser": "admin"}}


def message(command, extra, alert=ALERT):
    return json.dumps({"version": 1, "origin": {"name": "t", "module": "arx"},
                       "command": command,
                       "parameters": {"extra_args": extra, "alert": alert,
                                      "program": "webhook"}}) + "\n"


def run_json(command, extra, answer="continue", alert=ALERT):
    p = subprocess.Popen([PROG], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdin.write(message(command, extra, alert))
    p.stdin.flush()
    if command == "add":
        keys = json.loads(p.stdout.readline())
        expect(keys["command"] == "check_keys", "the add asks check_keys")
        p.stdin.write(message(answer, extra, alert))
    p.stdin.close()
    err = p.stderr.read()
    return p.wait(timeout=30), err


def last():
    return received[-1] if received else (None, {}, {})


def main():
    r = subprocess.run([PROG, "add", "-", "192.0.2.6", "1.1", "5712",
                        "/var/log/auth.log", "-", "--url", URL],
                       capture_output=True, text=True, timeout=30)
    path, _, body = last()
    expect(r.returncode == 0 and path == "/hook" and
           body.get("srcip") == "192.0.2.6" and body.get("rule_id") == "5712"
           and body.get("command") == "add",
           "legacy argv posts the json template (%s)" % body)

    rc, err = run_json("add", ["--url", URL, "--template", "slack"])
    text = last()[2].get("text", "")
    expect(rc == 0 and "rule 5712 (level 10): sshd: brute force" in text and
           "source 192.0.2.6" in text and "arx on victim" in text and
           "Invalid user admin" in text, "slack: a text summary (%s)" % text)

    rc, err = run_json("add", ["--url", URL, "--template", "telegram",
                               "--chat-id", "-100123"])
    body = last()[2]
    expect(rc == 0 and body.get("chat_id") == "-100123" and
           "source 192.0.2.6" in body.get("text", ""), "telegram: chat_id and text")
    rc, err = run_json("add", ["--url", URL, "--template", "telegram"])
    expect(rc == 64 and "--chat-id" in err, "telegram without --chat-id is refused")

    with tempfile.NamedTemporaryFile("w", suffix=".headers", delete=False) as f:
        f.write("# TheHive API key\nAuthorization: Bearer s3cret\n")
    n = len(received)
    rc, err = run_json("add", ["--url", URL, "--template", "thehive",
                               "--header-file", f.name])
    os.unlink(f.name)
    _, headers, body = last()
    expect(rc == 0 and len(received) == n + 1 and
           headers.get("Authorization") == "Bearer s3cret" and
           body.get("severity") == 3 and body.get("sourceRef") == "1732269600.1234"
           and body.get("observables") == [{"dataType": "ip", "data": "192.0.2.6"}]
           and body.get("title", "").startswith("sshd: brute force"),
           "thehive: alert with severity, observable and the header (%s)" % body)

    n = len(received)
    rc, _ = run_json("delete", ["--url", URL])
    expect(rc == 0 and len(received) == n, "a delete posts nothing by default")
    rc, _ = run_json("delete", ["--url", URL, "--template", "slack",
                                "--notify-delete"])
    expect(rc == 0 and "(response undone)" in last()[2].get("text", ""),
           "--notify-delete posts the undo")
    n = len(received)
    rc, _ = run_json("add", ["--url", URL], answer="abort")
    expect(rc == 0 and len(received) == n, "an aborted add posts nothing")

    alert = dict(ALERT, data={})
    rc, _ = run_json("add", ["--url", URL], alert=alert)
    expect(rc == 0 and last()[2].get("srcip") == "" and
           last()[2].get("rule_id") == "5712", "an alert without an address is posted")

    STATUS[0] = 500
    rc, err = run_json("add", ["--url", URL])
    expect(rc == 69 and "HTTP status 500" in err, "HTTP 500 is a failure (%s)" % err.strip())
    STATUS[0] = 200
    server.shutdown()
    server.server_close()
    rc, err = run_json("add", ["--url", URL, "--http-timeout", "2"])
    expect(rc == 69 and "POST failed" in err, "nothing listening is a failure")
    rc, err = run_json("add", ["--url", "file:///etc/passwd"])
    expect(rc == 64 and "--url" in err, "a URL that is not http(s) is refused")


main()
print("ar.webhook: %s" % ("all checks pass" if not failures
                          else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
