#!/usr/bin/env python3
"""<blocklist> subscriptions of a running arxd against the real kernel,
in a network namespace of its own: a local HTTP server (Python's
http.server, in the namespace) serves a Spamhaus DROP-format list (';'
comments, networks, a bad line) and a plain list (one address a line,
'#' comments, a bad line), with an ETag each; a third list is a file in
CIDR format. Checked:

- each list's nftables sets in table inet arx_lists hold exactly its
  entries (`nft -j list set ...`), white-listed entries (one address,
  and a network holding one) are not loaded, an entry inside another of
  the same list is left out, and `arx status` counts them;
- the second read of a URL sends If-None-Match with the ETag; the
  server's 304 keeps the set;
- a changed file (a new ETag) is applied as a diff: what is gone is
  deleted, what is new added, the rest untouched (the counters say how
  many), and a changed CIDR file the same;
- a bad line is logged with its URL:line and counted;
- a reload without one of the lists deletes its sets, the others stay.
Needs root and nftables.
"""
import json
import os
import signal
import subprocess
import sys
import time

from harness import Arxd, expect, failures, finish, scratch, wait  # noqa

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
NS = "arxBL%d" % os.getpid()
PORT = 18573
TMP = scratch("arx-blocklist-")
WWW = os.path.join(TMP, "www")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
LOG = os.path.join(TMP, "requests.log")

DROP1 = """; Spamhaus DROP List 2026/12/07 - (c) 2026 The Spamhaus Project
; Last-Modified: Mon, 07 Dec 2026 10:00:00 GMT
198.51.100.0/24 ; SBL000001
203.0.113.0/25 ; SBL000002
192.0.2.0/28 ; SBL000003
this is not a network ; SBL000004
2001:db8:1::/48 ; SBL000005
"""
# the second version: 198.51.100.0/24 gone, 203.0.113.128/25 new
DROP2 = """; Spamhaus DROP List 2026/12/08
203.0.113.0/25 ; SBL000002
203.0.113.128/25 ; SBL000006
192.0.2.0/28 ; SBL000003
2001:db8:1::/48 ; SBL000005
"""
PLAIN = """# addresses, one a line
198.51.100.77
203.0.113.200   # with a comment
192.0.2.5
bogus-host.example
2001:db8::99
"""
CIDR1 = "203.0.113.0/24\n203.0.113.9\n"
CIDR2 = "203.0.113.0/24\n198.51.100.9\n"

SERVER = r'''
import hashlib, http.server, sys
root, log = sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            body = open(root + self.path, "rb").read()
        except OSError:
            self.send_response(404); self.end_headers(); return
        tag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        inm = self.headers.get("If-None-Match", "")
        code = 304 if inm == tag else 200
        with open(log, "a") as f:
            f.write("%s %s %s %d\n" % (self.path, inm or "-", tag, code))
        self.send_response(code)
        self.send_header("ETag", tag)
        if code == 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code == 200:
            self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''

CONF_TEXT = """<arx_config>
  <global><white_list>192.0.2.5</white_list></global>
  <blocklist><name>spamhaus-drop</name>
    <url>http://127.0.0.1:{port}/drop.txt</url><format>drop</format>
    <interval>1s</interval></blocklist>
  <blocklist><name>plain</name>
    <url>http://127.0.0.1:{port}/plain.txt</url><format>plain</format>
    <interval>1s</interval></blocklist>
  <blocklist><name>local</name><file>{tmp}/local.txt</file>
    <format>cidr</format><interval>1s</interval></blocklist>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def nsrun(*argv, check=True):
    return subprocess.run(["ip", "netns", "exec", NS, *argv], check=check,
                          capture_output=True, text=True, timeout=30)


def put(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.chmod(path + ".new", 0o644)
    os.rename(path + ".new", path)


def elements(set_name):
    """The set's elements as text ("ADDR" or "NET/LEN")."""
    out = nsrun("nft", "-j", "list", "set", "inet", "arx_lists", set_name,
                check=False).stdout
    try:
        data = json.loads(out)["nftables"]
    except (ValueError, KeyError):
        return None
    got = set()
    for item in data:
        for e in item.get("set", {}).get("elem", []):
            if isinstance(e, dict) and "prefix" in e:
                got.add("%s/%d" % (e["prefix"]["addr"], e["prefix"]["len"]))
            elif isinstance(e, dict) and "range" in e:
                got.add("%s-%s" % tuple(e["range"]))
            else:
                got.add(e)
    return got


def status():
    return subprocess.run([ARX, "status", "-s", SOCK], capture_output=True,
                          text=True, timeout=30).stdout


def status_json():
    out = subprocess.run([ARX, "status", "--json", "-s", SOCK],
                         capture_output=True, text=True, timeout=30).stdout
    try:
        return json.loads(out)
    except ValueError:
        return {}


def requests():
    try:
        return [ln.split() for ln in open(LOG)]
    except OSError:
        return []


def first_load(d):
    want4 = {"198.51.100.0/24", "203.0.113.0/25"}
    expect(wait(lambda: elements("spamhaus_drop_v4") == want4, 20),
           "the DROP list's IPv4 set holds its networks, without the "
           "white-listed 192.0.2.0/28: %s" % elements("spamhaus_drop_v4"))
    expect(elements("spamhaus_drop_v6") == {"2001:db8:1::/48"},
           "the DROP list's IPv6 set holds its network")
    expect(wait(lambda: elements("plain_v4") ==
                {"198.51.100.77", "203.0.113.200"}, 10),
           "the plain list's set holds its addresses but 192.0.2.5 "
           "(white-listed): %s" % elements("plain_v4"))
    expect(elements("plain_v6") == {"2001:db8::99"},
           "the plain list's IPv6 address is loaded")
    expect(wait(lambda: elements("local_v4") == {"203.0.113.0/24"}, 10),
           "the CIDR file's set holds the network, not the address "
           "inside it: %s" % elements("local_v4"))
    lists = status_json().get("blocklists", {})
    dr = lists.get("spamhaus-drop", {})
    expect(dr.get("loaded") == 3 and dr.get("whitelisted") == 1 and
           dr.get("added") == 3 and dr.get("removed") == 0,
           "arx status counts the DROP list: %s" % dr)
    expect(lists.get("plain", {}).get("whitelisted") == 1,
           "arx status counts the plain list's white-listed address")
    expect(lists.get("local", {}).get("covered") == 1,
           "arx status counts the CIDR file's covered entry")
    expect(wait(lambda: status_json().get("analysis", {}).get(
        "blocklist_bad_lines", 0) >= 2, 10),
           "the bad lines are counted (analysis counters)")
    rules = nsrun("nft", "list", "chain", "inet", "arx_lists", "input",
                  check=False).stdout
    expect("ip saddr @spamhaus_drop_v4 drop" in rules and
           "ip6 saddr @plain_v6 drop" in rules,
           "the input chain drops what the sets hold")
    expect("blocklist spamhaus-drop:" in status(),
           "arx status shows a line per list")


def not_modified():
    expect(wait(lambda: any(r[0] == "/drop.txt" and r[1] != "-" and
                            r[3] == "304" for r in requests()), 10),
           "a second read sends If-None-Match with the ETag and gets 304")
    before = status_json().get("blocklists", {}).get("spamhaus-drop", {})
    n = len(requests())
    wait(lambda: len(requests()) >= n + 4, 10)
    after = status_json().get("blocklists", {}).get("spamhaus-drop", {})
    expect(elements("spamhaus_drop_v4") ==
           {"198.51.100.0/24", "203.0.113.0/25"} and before == after,
           "304s keep the set and its counters")


def diffs():
    put(os.path.join(WWW, "drop.txt"), DROP2)
    want = {"203.0.113.0/25", "203.0.113.128/25"}
    expect(wait(lambda: elements("spamhaus_drop_v4") == want, 10),
           "a new ETag: the set becomes the new list: %s"
           % elements("spamhaus_drop_v4"))
    dr = status_json().get("blocklists", {}).get("spamhaus-drop", {})
    expect(dr.get("added") == 4 and dr.get("removed") == 1 and
           dr.get("loaded") == 3,
           "the change was a diff: one added, one removed: %s" % dr)
    put(os.path.join(TMP, "local.txt"), CIDR2)
    expect(wait(lambda: elements("local_v4") ==
                {"203.0.113.0/24", "198.51.100.9"}, 10),
           "a changed file is applied: %s" % elements("local_v4"))


def reload(d):
    """A reload without the plain list: its sets go, the others stay
    (no fetch empties them in between)."""
    text = CONF_TEXT.format(port=PORT, tmp=TMP, sock=SOCK, src=SRC)
    start = text.index("  <blocklist><name>plain</name>")
    end = text.index("</blocklist>", start) + len("</blocklist>\n")
    with open(CONF, "w") as f:
        f.write(text[:start] + text[end:])
    d.p.send_signal(signal.SIGHUP)
    expect(wait(lambda: elements("plain_v4") is None, 20),
           "a reload without the plain list deletes its sets")
    expect(elements("spamhaus_drop_v4") ==
           {"203.0.113.0/25", "203.0.113.128/25"} and
           elements("local_v4") == {"203.0.113.0/24", "198.51.100.9"},
           "the lists kept keep their sets")
    expect(wait(lambda: "blocklist plain:" not in status() and
                "blocklist spamhaus-drop:" in status(), 10),
           "arx status no longer shows the list removed")


def main():
    os.makedirs(WWW)
    put(os.path.join(WWW, "drop.txt"), DROP1)
    put(os.path.join(WWW, "plain.txt"), PLAIN)
    put(os.path.join(TMP, "local.txt"), CIDR1)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(port=PORT, tmp=TMP, sock=SOCK, src=SRC))
    subprocess.run(["ip", "netns", "add", NS], check=True)
    nsrun("ip", "link", "set", "lo", "up")
    srv = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c",
                            SERVER, str(PORT), WWW, LOG])
    import harness
    harness.PROCS.append(srv)
    d = Arxd(ARXD, CONF, lambda: os.path.exists(SOCK),
             prefix=("ip", "netns", "exec", NS))
    first_load(d)
    not_modified()
    diffs()
    reload(d)
    err = d.stop()
    expect("/drop.txt:6: not an address or network: 'this is not a "
           "network ; SBL000004'" in err,
           "the DROP list's bad line is logged with URL:line")
    expect("/plain.txt:5: not an address: 'bogus-host.example'" in err,
           "the plain list's bad line is logged with URL:line")
    expect(elements("spamhaus_drop_v4") is not None,
           "the sets stay when arxd stops")


finish("integ.blocklist", main, TMP,
       lambda: subprocess.run(["ip", "netns", "del", NS],
                              capture_output=True))
