#!/usr/bin/python3 -I
"""telegram.py: an arx response program that tells a Telegram chat about
an alert (docs/RESPONSES.md is the contract it follows).

It speaks both protocols: the OSSEC argv (add|delete user srcip alert_id
rule_id location... filename [options]) and the Wazuh >= 4.2 JSON line on
stdin with the check_keys handshake. Either way it looks the alert up in
alerts.json by the id it was given, so the message has the rule's
description and the log line even when the legacy argv brought only ids.
A delete (the end of a block) says nothing.

Options, in the <command>'s <extra_args>:
  --token-file PATH   the bot token, one line, mode 0600 (without it:
                      $TELEGRAM_BOT_TOKEN, for runs by hand only: arxd
                      gives its programs no environment)
  --chat-id ID        the chat to write to (required)
  --alerts PATH       alerts.json (default /var/log/arx/alerts.json)
  --api URL           the Bot API (default https://api.telegram.org)
  --http-timeout S    give up after S seconds (default 10)

Exit status: 0 sent, or nothing to do; 64 bad options or token file;
69 the API could not be reached or refused the message. Standard library
only.
"""
import json
import os
import re
import sys
import time
import urllib.request

NAME = "telegram.py"
EX_USAGE, EX_UNAVAILABLE = 64, 69
OPTIONS = {"token-file": "", "chat-id": "", "alerts": "/var/log/arx/alerts.json",
           "api": "https://api.telegram.org", "http-timeout": "10"}
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
        fail(EX_USAGE, "no secret: give --token-file (or $%s)" % env)
    return secret


def text_of(alert, ip):
    rule = alert.get("rule") or {}
    lines = ["arx on %s: rule %s (level %s)" % ((alert.get("agent") or {}).get("name", "?"),
                                                rule.get("id", "?"), rule.get("level", "?")),
             rule.get("description", "(alert not found in alerts.json)"),
             "source %s" % (ip or "-"), "alert %s" % alert.get("id", "-")]
    if alert.get("full_log"):
        lines.append(alert["full_log"][:1000])
    return "\n".join(lines)


def send(opts, token, text):
    api = opts["api"].rstrip("/")
    if not api.startswith(("https://", "http://")):
        fail(EX_USAGE, "--api must be an http(s) URL")
    body = json.dumps({"chat_id": opts["chat-id"], "text": text}).encode()
    req = urllib.request.Request("%s/bot%s/sendMessage" % (api, token), data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=int(opts["http-timeout"])) as r:
            answer = json.loads(r.read(1 << 20) or b"{}")
    except (OSError, ValueError) as e:  # never print the URL: it holds the token
        fail(EX_UNAVAILABLE, "sendMessage to %s failed: %s" % (api, e))
    if not answer.get("ok"):
        fail(EX_UNAVAILABLE, "sendMessage refused: %s" % answer.get("description"))


def main():
    cmd, aid, ip, words, alert = read_request()
    opts = parse_options(words)
    if not re.fullmatch(r"[0-9]{1,3}", opts["http-timeout"]):
        fail(EX_USAGE, "--http-timeout takes whole seconds")
    if cmd != "add":
        return  # a block lifted: nothing to tell
    if not opts["chat-id"]:
        fail(EX_USAGE, "--chat-id is required")
    token = read_secret(opts["token-file"], "TELEGRAM_BOT_TOKEN")
    found = find_alert(opts["alerts"], aid)
    if found is None:
        print("%s: alert %s not in %s; sending what the request says"
              % (NAME, aid or "-", opts["alerts"]), file=sys.stderr)
    send(opts, token, text_of(found or alert, ip))


main()
