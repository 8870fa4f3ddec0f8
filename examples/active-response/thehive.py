#!/usr/bin/python3 -I
"""thehive.py: an arx response program that opens an alert in TheHive
(docs/RESPONSES.md is the contract it follows).

It speaks both protocols: the OSSEC argv (add|delete user srcip alert_id
rule_id location... filename [options]) and the Wazuh >= 4.2 JSON line on
stdin with the check_keys handshake. Either way it looks the alert up in
alerts.json by the id it was given and sends TheHive its rule, level,
log line and the source address as an observable; the alert id is the
sourceRef, so the same alert is never opened twice. A delete does
nothing.

Options, in the <command>'s <extra_args>:
  --url URL           TheHive, e.g. https://thehive.example:9000 (required)
  --key-file PATH     the API key, one line, mode 0600 (without it:
                      $THEHIVE_API_KEY, for runs by hand only: arxd gives
                      its programs no environment)
  --api v1|v0         v1 (default): POST /api/v1/alert with observables
                      (TheHive 4.1 and 5); v0: POST /api/alert with
                      artifacts (TheHive 3 and 4.0)
  --alerts PATH       alerts.json (default /var/log/arx/alerts.json)
  --http-timeout S    give up after S seconds (default 10)

Exit status: 0 created, or nothing to do; 64 bad options or key file;
69 TheHive could not be reached or refused the alert. Standard library
only.
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

NAME = "thehive.py"
EX_USAGE, EX_UNAVAILABLE = 64, 69
OPTIONS = {"url": "", "key-file": "", "api": "v1", "alerts": "/var/log/arx/alerts.json",
           "http-timeout": "10"}
LINE_MAX = 2 << 20        # the longest stdin line read (arxd's is < 1 MiB)
ALERTS_TAIL = 16 << 20    # how much of the end of alerts.json is searched
ALERTS_WAIT = 2.0         # seconds to wait for the alert to reach the file


def fail(code, why):
    print("%s: %s" % (NAME, why), file=sys.stderr)
    sys.exit(code)


def parse_options(words):
    """--name value pairs into a copy of OPTIONS."""
    opts, it = dict(OPTIONS), iter(words)
    for w in it:
        value = next(it, None)
        if not w.startswith("--") or w[2:] not in opts or value is None:
            fail(EX_USAGE, "bad option %r (known: --%s)" % (w, ", --".join(OPTIONS)))
        opts[w[2:]] = value
    return opts


def handshake(msg, key):
    """JSON add: send check_keys, read arxd's answer; True on continue."""
    print(json.dumps({"version": 1, "origin": {"name": NAME, "module": "active-response"},
                      "command": "check_keys", "parameters": {"keys": [key]}}), flush=True)
    line = sys.stdin.readline(LINE_MAX)
    return bool(line) and json.loads(line).get("command") == "continue"


def read_request():
    """(command, alert id, srcip, options, the alert as far as we know
    it) from the legacy argv or the JSON line on stdin."""
    if len(sys.argv) > 1:  # legacy: options start at the first "--" word
        if len(sys.argv) < 6:
            fail(EX_USAGE, "usage: %s add|delete user srcip alert_id rule_id ..." % NAME)
        cmd, _user, ip, aid, rid = (("" if a == "-" else a) for a in sys.argv[1:6])
        first = next((i for i in range(6, len(sys.argv)) if sys.argv[i].startswith("--")),
                     len(sys.argv))
        alert = {"id": aid, "rule": {"id": rid}, "data": {"srcip": ip}}
        return cmd, aid, ip, sys.argv[first:], alert
    try:
        msg = json.loads(sys.stdin.readline(LINE_MAX))
        cmd, params = msg["command"], msg["parameters"]
        alert = params.get("alert") or {}
    except (ValueError, KeyError, TypeError) as e:
        fail(EX_USAGE, "not a response message on stdin (%s)" % e)
    ip = (alert.get("data") or {}).get("srcip", "")
    if cmd == "add" and not handshake(msg, ip or alert.get("id", "")):
        sys.exit(0)  # abort: arxd says another run already does it
    return cmd, alert.get("id", ""), ip, params.get("extra_args", []), alert


def scan_alerts(path, aid):
    """The last alert with id aid among the last ALERTS_TAIL bytes."""
    needle = ('"id":"%s"' % aid).encode()
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, os.SEEK_END) - ALERTS_TAIL))
        lines = f.read(ALERTS_TAIL).split(b"\n")
    for line in reversed(lines):
        if needle in line:
            try:
                alert = json.loads(line)
            except ValueError:
                continue  # the cut first line, or one being written
            if alert.get("id") == aid:
                return alert
    return None


def find_alert(path, aid):
    """The alert in alerts.json, or None. arxd may start us a moment
    before the alert reaches the file, so look again for a while."""
    if not re.fullmatch(r"[0-9]+\.[0-9]+", aid or ""):
        return None
    deadline = time.monotonic() + ALERTS_WAIT
    while True:
        try:
            found = scan_alerts(path, aid)
        except OSError as e:
            print("%s: %s" % (NAME, e), file=sys.stderr)
            return None
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def read_secret(path, env):
    """A secret from a file only root can read, else from env."""
    if path:
        try:
            if os.stat(path).st_mode & 0o077:
                fail(EX_USAGE, "%s can be read by others: chmod 600 it" % path)
            with open(path) as f:
                secret = f.read(4096).strip()
        except OSError as e:
            fail(EX_USAGE, str(e))
    else:
        secret = os.environ.get(env, "")
    if not secret:
        fail(EX_USAGE, "no secret: give --key-file (or $%s)" % env)
    return secret


def severity(level):
    """TheHive's 1 (low) to 4 (critical) from the rule level (0-16)."""
    return 1 if level < 5 else 2 if level < 8 else 3 if level < 12 else 4


def alert_body(alert, ip, api):
    rule = alert.get("rule") or {}
    level = int(rule.get("level", 0) or 0)
    desc = rule.get("description", "arx rule %s" % rule.get("id", "?"))
    text = "Rule %s (level %s) on %s, from %s.\n\n```\n%s\n```" % (
        rule.get("id", "?"), level, (alert.get("agent") or {}).get("name", "?"),
        ip or "-", alert.get("full_log", "")[:4000])
    body = {"type": "arx", "source": "arx", "sourceRef": alert.get("id", ""),
            "title": desc[:256], "description": text, "severity": severity(level),
            "tags": ["arx", "rule:%s" % rule.get("id", "?")] + list(rule.get("groups", []))}
    if ip:
        obs = [{"dataType": "ip", "data": ip.split("/")[0]}]
        body["observables" if api == "v1" else "artifacts"] = obs
    return body


def post(opts, key, body):
    base = opts["url"].rstrip("/")
    if not base.startswith(("https://", "http://")):
        fail(EX_USAGE, "--url must be an http(s) URL")
    path = "/api/v1/alert" if opts["api"] == "v1" else "/api/alert"
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(req, timeout=int(opts["http-timeout"])) as r:
            created = json.loads(r.read(1 << 20) or b"{}")
    except urllib.error.HTTPError as e:
        fail(EX_UNAVAILABLE, "POST %s%s: HTTP %d %s" % (base, path, e.code, e.read(300)))
    except (OSError, ValueError) as e:
        fail(EX_UNAVAILABLE, "POST %s%s failed: %s" % (base, path, e))
    print("%s: TheHive alert %s" % (NAME, created.get("_id", created.get("id", "?"))),
          file=sys.stderr)


def main():
    cmd, aid, ip, words, alert = read_request()
    opts = parse_options(words)
    if not opts["url"] or opts["api"] not in ("v1", "v0"):
        fail(EX_USAGE, "--url is required, --api is v1 or v0")
    if not re.fullmatch(r"[0-9]{1,3}", opts["http-timeout"]):
        fail(EX_USAGE, "--http-timeout takes whole seconds")
    if cmd != "add":
        return  # a block lifted: the case stays as people left it
    key = read_secret(opts["key-file"], "THEHIVE_API_KEY")
    found = find_alert(opts["alerts"], aid)
    if found is None:
        print("%s: alert %s not in %s; sending what the request says"
              % (NAME, aid or "-", opts["alerts"]), file=sys.stderr)
    post(opts, key, alert_body(found or alert, ip, opts["api"]))


main()
