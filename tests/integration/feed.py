#!/usr/bin/env python3
"""The blocklist feed over HTTPS (issue 23, item 2), with the real curl
and a certificate made by the real openssl command.

arxd runs as root with the analysis child as user arx and a <feed> on
loopback with <certificate> and <key> (a test CA signs the server's
certificate for 127.0.0.1). Three blocks are put in place through the
control socket (`arx block`: two IPv4 addresses and an IPv6 one; the
recorder takes no networks, unit.analysis.feedfmt covers those), run
by the test recorder. Then, with curl --cacert:
- every format (/blocklist.txt, /blocklist.json, /mikrotik.rsc,
  /nginx.conf, /apache.conf) answers 401 without credentials and with a
  wrong password, 200 with the right ones, its Content-Type, and the
  blocked addresses in its own syntax;
- TLS 1.2 is accepted, TLS 1.1 refused by the server (curl is let offer
  it: @SECLEVEL=0; arxd runs with an OpenSSL policy that allows TLS 1.0,
  so the refusal is arxd's own minimum), and counted in feed_tls_failed;
- plain HTTP to the TLS port fails cleanly (curl gets no answer), is
  counted once in feed_tls_failed and logged once;
- a client that opens the connection and never sends its ClientHello is
  closed at the 5 s deadline and counted in conn_slow.
arxd -t refuses a key file others can read, and the start refuses it
too. Needs root (user arx).
"""
import json
import os
import socket
import subprocess
import sys
import time

from harness import Arxd, ctl, expect, finish, recorder_dir, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-feed-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
ARDIR = os.path.join(TMP, "ar")
PORT = 47443  # this test's own
BASE = "https://127.0.0.1:%d" % PORT
CA, CRT, KEY, CRED = (os.path.join(TMP, n) for n in
                      ("ca.crt", "feed.crt", "feed.key", "feed.cred"))
# arxd's OpenSSL with a policy that allows TLS 1.0 at security level 0
# (Debian's own refuses TLS 1.1 already): the refusal seen is arxd's.
LAX = os.path.join(TMP, "openssl-lax.cnf")
LAX_TEXT = """openssl_conf = init
[init]
ssl_conf = ssl
[ssl]
system_default = lax
[lax]
MinProtocol = TLSv1
CipherString = DEFAULT:@SECLEVEL=0
"""

CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <feed><port>{port}</port><local_ip>127.0.0.1</local_ip>
    <credentials_file>{cred}</credentials_file>
    <certificate>{crt}</certificate><key>{key}</key></feed>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

# path: (Content-Type, what each blocked address looks like in it)
FORMATS = {
    "/blocklist.txt": ("text/plain", ["\n192.0.2.77\n", "\n198.51.100.9\n",
                                      "\n2001:db8::77\n"]),
    "/blocklist.json": ("application/json",
                        ['"192.0.2.77"', '"198.51.100.9"',
                         '"2001:db8::77"']),
    "/mikrotik.rsc": ("text/plain", [
        "\n/ip firewall address-list remove [find list=arx]\n",
        "\n/ipv6 firewall address-list remove [find list=arx]\n",
        "\n/ip firewall address-list add list=arx address=192.0.2.77 ",
        "\n/ip firewall address-list add list=arx address=198.51.100.9 ",
        "\n/ipv6 firewall address-list add list=arx address=2001:db8::77 "]),
    "/nginx.conf": ("text/plain", ["\ndeny 192.0.2.77;\n",
                                   "\ndeny 198.51.100.9;\n",
                                   "\ndeny 2001:db8::77;\n"]),
    "/apache.conf": ("text/plain", [
        "<RequireAll>\n    Require all granted\n",
        "\n    Require not ip 192.0.2.77\n",
        "\n    Require not ip 198.51.100.9\n",
        "\n    Require not ip 2001:db8::77\n", "</RequireAll>\n"]),
}


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def make_certs():
    """A test CA and a certificate for 127.0.0.1 it signs."""
    ca_key = os.path.join(TMP, "ca.key")
    csr = os.path.join(TMP, "feed.csr")
    ext = os.path.join(TMP, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for argv in (
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
             "-out", CA, "-days", "2", "-subj", "/CN=arx test CA"],
            ["openssl", "req", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", KEY, "-out",
             csr, "-subj", "/CN=127.0.0.1"],
            ["openssl", "x509", "-req", "-in", csr, "-CA", CA, "-CAkey",
             ca_key, "-CAcreateserial", "-out", CRT, "-days", "2",
             "-extfile", ext]):
        r = run(*argv)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr))
    os.chmod(KEY, 0o600)


def curl(path, *opts, user=None, base=BASE):
    """curl's exit code, HTTP status, Content-Type and body."""
    argv = ["curl", "-sS", "--cacert", CA, "--max-time", "20", "-o", "-",
            "-w", "\n%{http_code} %{content_type}", *opts]
    if user is not None:
        argv += ["-u", user]
    r = run(*argv, base + path)
    body, _, tail = r.stdout.rpartition("\n")
    code, _, ctype = tail.partition(" ")
    return r.returncode, code, ctype, body, r.stderr


def stat(name):
    r = ctl(ARX, SOCK, "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


class Stderr:
    """arxd's stderr, read without blocking as the test goes."""
    def __init__(self, p):
        self.p, self.text = p, ""
        os.set_blocking(p.stderr.fileno(), False)

    def count(self, s):
        try:
            chunk = self.p.stderr.read()
        except (OSError, TypeError):  # nothing there yet
            chunk = None
        if chunk:
            self.text += chunk
        return self.text.count(s)


def check_formats():
    for path, (ctype, wants) in FORMATS.items():
        rc, code, _, _, err = curl(path)
        expect(rc == 0 and code == "401",
               "%s without credentials: 401 (%d %s %s)" % (path, rc, code,
                                                          err.strip()))
        rc, code, _, _, _ = curl(path, user="fw:wrong-secret")
        expect(code == "401", "%s with a wrong password: 401 (%s)"
               % (path, code))
        rc, code, _, _, _ = curl(path, user="fw:feed-secre")
        expect(code == "401", "%s with the password cut short: 401 (%s)"
               % (path, code))
        rc, code, got_type, body, err = curl(path, user="fw:feed-secret")
        expect(rc == 0 and code == "200" and got_type.startswith(ctype),
               "%s with the credentials: 200, %s (%d %s %r %s)"
               % (path, ctype, rc, code, got_type, err.strip()))
        body = "\n" + body
        missing = [w for w in wants if w not in body]
        expect(not missing, "%s holds the blocks in its syntax (missing "
               "%r in %r)" % (path, missing, body))
    rc, code, _, body, _ = curl("/blocklist.json", user="fw:feed-secret")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    expect(parsed == ["192.0.2.77", "198.51.100.9", "2001:db8::77"],
           "/blocklist.json is a JSON array of the three, sorted (%r)"
           % body)
    rc, code, _, _, _ = curl("/other.txt", user="fw:feed-secret")
    expect(code == "404", "an unknown path: 404 (%s)" % code)


def check_versions():
    before = stat("feed_tls_failed")
    rc, code, _, _, err = curl("/blocklist.txt", "--tlsv1.2", "--tls-max",
                               "1.2", user="fw:feed-secret")
    expect(rc == 0 and code == "200",
           "TLS 1.2 is accepted (%d %s %s)" % (rc, code, err.strip()))
    rc, code, _, _, err = curl("/blocklist.txt", "--tlsv1.1", "--tls-max",
                               "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0",
                               user="fw:feed-secret")
    expect(rc != 0 and code == "000",
           "TLS 1.1 is refused (curl %d: %s)" % (rc, err.strip()))
    expect(wait(lambda: stat("feed_tls_failed") == before + 1),
           "the server refused it: feed_tls_failed %d -> %d"
           % (before, stat("feed_tls_failed")))


def check_plain(log):
    before = stat("feed_tls_failed")
    time.sleep(1.2)  # the feed's warnings: one a second, the last is older
    rc, code, _, _, err = curl("/blocklist.txt", user="fw:feed-secret",
                               base="http://127.0.0.1:%d" % PORT)
    expect(rc != 0 and code == "000",
           "plain HTTP to the TLS port gets no answer (curl %d: %s)"
           % (rc, err.strip()))
    expect(wait(lambda: stat("feed_tls_failed") == before + 1),
           "it is counted once in feed_tls_failed (%d -> %d)"
           % (before, stat("feed_tls_failed")))
    expect(wait(lambda: log.count("(http request)") == 1),
           "and logged once (%d)" % log.count("(http request)"))


def check_stall():
    before = stat("conn_slow")
    s = socket.create_connection(("127.0.0.1", PORT))
    s.settimeout(30)
    try:
        closed = s.recv(1) == b""
    except OSError:
        closed = True
    s.close()
    expect(closed, "a client that never sends its ClientHello is closed")
    expect(wait(lambda: stat("conn_slow") == before + 1),
           "at the deadline, counted in conn_slow (%d -> %d)"
           % (before, stat("conn_slow")))


def check_key_mode():
    os.chmod(KEY, 0o644)
    r = run(ARXD, "-t", "-c", CONF)
    expect(r.returncode != 0 and "<feed> key %s can be read by others"
           % KEY in r.stderr,
           "arxd -t refuses a key others can read (%d %r)"
           % (r.returncode, r.stderr.strip()[-200:]))
    os.chmod(KEY, 0o600)


def main():
    recorder_dir(BIN, ARDIR)
    make_certs()
    with open(CRED, "w") as f:
        f.write("fw:feed-secret\n")
    os.chmod(CRED, 0o600)
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(port=PORT, cred=CRED, crt=CRT, key=KEY,
                                 src=SRC, ardir=ARDIR, tmp=TMP, sock=SOCK))
    check_key_mode()
    with open(LAX, "w") as f:
        f.write(LAX_TEXT)
    d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0,
             env=dict(os.environ, OPENSSL_CONF=LAX))
    log = Stderr(d.p)
    for a in ("198.51.100.9", "192.0.2.77", "2001:db8::77"):
        r = ctl(ARX, SOCK, "block", a, "-C", "rec")
        expect(r.returncode == 0, "arx block %s (%s)" % (a, r.stderr))
    expect(wait(lambda: "2001:db8::77" in curl(
        "/blocklist.txt", user="fw:feed-secret")[3], 10),
        "the feed lists the blocks")
    check_formats()
    check_versions()
    check_plain(log)
    check_stall()
    d.stop()


finish("integ.feed", main, TMP)
