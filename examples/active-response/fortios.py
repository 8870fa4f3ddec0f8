#!/usr/bin/python3 -I
"""fortios.py: an arx response program that blocks an address on a
FortiGate by putting it into an address group that a deny policy uses,
through the FortiOS REST API (docs/RESPONSES.md is the contract it
follows).

It speaks both protocols: the OSSEC argv (add|delete user srcip alert_id
rule_id location... filename [options]) and the Wazuh >= 4.2 JSON line on
stdin with the check_keys handshake. An add makes a firewall address
object named arx_<address> (its comment names the rule and the alert,
looked up in alerts.json by the id it was given) and adds it to the
group; a delete takes it out of the group and removes the object.

On the FortiGate: a REST API administrator with a token (System >
Administrators > REST API Admin, write access to Firewall Address), an
address group (addrgrp) used by a deny policy, with one member arx does
not manage (FortiOS may refuse to remove a group's last member), and
for IPv6 an addrgrp6 likewise.

Options, in the <command>'s <extra_args>:
  --url URL           the FortiGate, e.g. https://fw.example:8443 (required)
  --token-file PATH   the API token, one line, mode 0600 (without it:
                      $FORTIOS_API_TOKEN, for runs by hand only: arxd
                      gives its programs no environment)
  --group NAME        the IPv4 address group (required)
  --group6 NAME       the IPv6 address group (IPv6 addresses are skipped
                      without it)
  --vdom NAME         the VDOM (default root)
  --cafile PATH       CA certificate(s) to trust for the FortiGate's
                      own certificate (certificates are always checked)
  --alerts PATH       alerts.json (default /var/log/arx/alerts.json)
  --http-timeout S    give up each call after S seconds (default 10)

Exit status: 0 done (an address already in the group, or already gone,
is done too); 64 bad options or token file; 65 no address to block;
69 the FortiGate could not be reached or refused. Standard library only.
"""
import ipaddress
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

NAME = "fortios.py"
EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 64, 65, 69
OPTIONS = {"url": "", "token-file": "", "group": "", "group6": "", "vdom": "root",
           "cafile": "", "alerts": "/var/log/arx/alerts.json", "http-timeout": "10"}
LINE_MAX = 2 << 20        # the longest stdin line read (arxd's is < 1 MiB)
ALERTS_TAIL = 16 << 20    # how much of the end of alerts.json is searched
ALERTS_WAIT = 2.0         # seconds to wait for the alert to reach the file
FOS_EXISTS = -5           # FortiOS's error for "an entry of that name exists"


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


class FortiOS:
    """Calls to one FortiGate's CMDB API with the token."""

    def __init__(self, opts, token):
        if not opts["url"].startswith(("https://", "http://")):
            fail(EX_USAGE, "--url must be an http(s) URL")
        self.base = opts["url"].rstrip("/") + "/api/v2/cmdb/firewall/"
        self.query = "?" + urllib.parse.urlencode({"vdom": opts["vdom"]})
        self.token = token
        self.timeout = int(opts["http-timeout"])
        self.ctx = ssl.create_default_context(cafile=opts["cafile"] or None)

    def call(self, method, path, body=None, ok_errors=()):
        """One call; returns normally on success or on an error in
        ok_errors (FortiOS error codes, or HTTP 404)."""
        req = urllib.request.Request(
            self.base + path + self.query, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer " + self.token})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.ctx):
                return
        except urllib.error.HTTPError as e:
            try:
                answer = json.loads(e.read(1 << 20))
            except ValueError:
                answer = {}
            if answer.get("error") in ok_errors or (e.code == 404 and 404 in ok_errors):
                return
            fail(EX_UNAVAILABLE, "%s %s: HTTP %d, FortiOS error %s"
                 % (method, path, e.code, answer.get("error")))
        except (OSError, ValueError) as e:
            fail(EX_UNAVAILABLE, "%s %s%s failed: %s" % (method, self.base, path, e))


def quote(name):
    return urllib.parse.quote(name, safe="")


def object_name(net):
    """arx_<address>, or arx_<network>_<length> (no "/" in a name)."""
    if net.prefixlen == net.max_prefixlen:
        return "arx_%s" % net.network_address
    return "arx_%s_%d" % (net.network_address, net.prefixlen)


def block(fos, net, group, comment):
    name = object_name(net)
    if net.version == 4:
        obj = {"name": name, "subnet": "%s %s" % (net.network_address, net.netmask)}
        table, grp = "address", "addrgrp"
    else:
        obj = {"name": name, "ip6": str(net)}
        table, grp = "address6", "addrgrp6"
    fos.call("POST", table, dict(obj, comment=comment[:255]), ok_errors=(FOS_EXISTS,))
    fos.call("POST", "%s/%s/member" % (grp, quote(group)), {"name": name},
             ok_errors=(FOS_EXISTS,))


def unblock(fos, net, group):
    name = object_name(net)
    table, grp = ("address", "addrgrp") if net.version == 4 else ("address6", "addrgrp6")
    fos.call("DELETE", "%s/%s/member/%s" % (grp, quote(group), quote(name)), ok_errors=(404,))
    fos.call("DELETE", "%s/%s" % (table, quote(name)), ok_errors=(404,))


def main():
    cmd, aid, ip, words, alert = read_request()
    opts = parse_options(words)
    if not opts["url"] or not opts["group"]:
        fail(EX_USAGE, "--url and --group are required")
    if not re.fullmatch(r"[0-9]{1,3}", opts["http-timeout"]):
        fail(EX_USAGE, "--http-timeout takes whole seconds")
    try:
        net = ipaddress.ip_network(ip, strict=False)
    except ValueError:
        fail(EX_DATAERR, "no address to block (%r)" % ip)
    group = opts["group"] if net.version == 4 else opts["group6"]
    if not group:
        print("%s: %s skipped: no --group6" % (NAME, net), file=sys.stderr)
        return
    fos = FortiOS(opts, read_secret(opts["token-file"], "FORTIOS_API_TOKEN"))
    if cmd == "delete":
        unblock(fos, net, group)
        return
    found = find_alert(opts["alerts"], aid) or alert
    rule = found.get("rule") or {}
    block(fos, net, group, "arx rule %s alert %s: %s" % (
        rule.get("id", "?"), aid or "-", rule.get("description", "")))


main()
