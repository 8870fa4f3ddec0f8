#!/usr/bin/env python3
"""arxd's metrics endpoint (<metrics>) scraped by a real Prometheus.

arxd reads an auth.log with arx's own ruleset, the recorder as its
response program bound to rule 5712, and serves /metrics on a loopback
port of its own. The test checks the answer's shape (HELP and TYPE once
per family, 404 elsewhere, 405 for other methods), then starts Debian's
prometheus on another loopback port with a scrape interval of 1 s and
its storage in the test's directory, writes eight invalid-user lines
from 192.0.2.67 and asks Prometheus' HTTP API for arx_blocks_active
until it has gone from 0 to 1. At a quiet moment every counter of
`arx status --json` (its "series", and the older keys through the
mapping below) must be in /metrics with the same value, and every
series of /metrics in arx status: a counter the mapping does not know
fails the test.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import PROCS, Arxd, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, REC = (os.path.join(BIN, n) for n in ("arxd", "arx", "ar_recorder"))
PROMETHEUS = "/usr/bin/prometheus"
TMP = scratch("arx-metrics-")
CONF = os.path.join(TMP, "arx.conf")
LOG = os.path.join(TMP, "auth.log")
SOCK = os.path.join(TMP, "run", "control.sock")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MPORT, PPORT, FPORT = free_port(), free_port(), free_port()

# E-mail alerts to a loopback port 25 nothing listens on: every mail
# fails, and the mail counters are compared too. Left out when
# something does listen there (no mail leaves this test).
MAIL = """
  <global><email_notification>yes</email_notification>
    <smtp_server>127.0.0.1</smtp_server>
    <email_from>arx@example.com</email_from>
    <email_to>alerts@example.com</email_to></global>"""


def port25_closed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", 25)) != 0


MAIL_ON = port25_closed()

CONF_TEXT = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <command><name>rec</name><executable>{rec}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <metrics><local_ip>127.0.0.1</local_ip><port>{mport}</port></metrics>
  <feed><local_ip>127.0.0.1</local_ip><port>{fport}</port>
    <credentials_file>{tmp}/feed.cred</credentials_file></feed>{mail}
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{bin}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

# Every counter arx status shows, by its row name, and its metric: a
# gauge keeps its name, a counter gets _total. A row missing here fails.
GAUGES = {"blocks_active", "blocks_max", "offences_remembered",
          "responses_to_agents_waiting",
          "runs_running", "nft_largest", "queue_depth", "files",
          "correlation_buckets", "sessions", "mail_waiting",
          "blocklist_entries"}
COUNTERS = {"ar_triggers", "runs_timed_out", "nft_batches", "nft_ops",
            "journal_errors", "journal_damaged_lines", "kernel_looks",
            "kernel_restore_rounds", "kernel_restored",
            "kernel_restore_failed", "kernel_reapplied", "responses",
            "dropped", "analysis_died", "analysis_violations",
            "responses_to_agents_dropped",
            "lines",
            "cut", "decoded", "fired", "suppressed", "triggers", "too_old",
            "duplicate_lines", "pattern_limits", "bytes", "rotations",
            "truncations", "alerts_written", "alert_errors",
            "correlation_dropped", "sessions_dropped",
            "addresses_from_session", "first_seen_dropped",
            "conn_per_source", "conn_evicted", "conn_slow", "source_lines",
            "alerts", "prechecks", "prechecks_declined", "prechecks_raised", "fleet_offences",
            "agent_duplicates", "mail_sent",
            "mail_failed", "mail_dropped", "mail_capped", "feed_tls_failed",
            "blocklist_changes", "blocklist_fetches"}

# The older keys of arx status --json: (object, key) -> the series, as
# (row name, labels) or ("sum", row name, label, value) over a family.
LEGACY = {
    ("blocks", "active"): ("blocks_active", {}),
    ("blocks", "max"): ("blocks_max", {}),
    ("blocks", "refused_full"): ("dropped", {"table": "blocks"}),
    ("blocks", "history"): ("offences_remembered", {}),
    ("blocks", "history_evicted"): ("dropped", {"table": "offences"}),
    ("responses", "triggers"): ("ar_triggers", {}),
    ("responses", "blocks"): ("sum", "responses", "outcome", "block"),
    ("responses", "extends"): ("sum", "responses", "outcome", "extend"),
    ("responses", "unblocks"): ("sum", "responses", "outcome", "unblock"),
    ("responses", "whitelisted"): ("sum", "responses", "outcome",
                                   "whitelisted"),
    ("responses", "refused"): ("sum", "responses", "outcome", "refused"),
    ("responses", "failed"): ("sum", "responses", "outcome", "failed"),
    ("responses", "notifications"): ("sum", "responses", "outcome",
                                     "notification"),
    ("responses", "running"): ("runs_running", {}),
    ("responses", "queued"): ("queue_depth", {"queue": "runner"}),
    ("responses", "dropped"): ("dropped", {"table": "runs"}),
    ("responses", "timed_out"): ("runs_timed_out", {}),
    ("responses", "nft_batches"): ("nft_batches", {}),
    ("responses", "nft_ops"): ("nft_ops", {}),
    ("responses", "nft_largest"): ("nft_largest", {}),
    ("journal", "errors"): ("journal_errors", {}),
    ("journal", "damaged_lines"): ("journal_damaged_lines", {}),
    ("kernel", "looks"): ("kernel_looks", {}),
    ("kernel", "restored"): ("kernel_restored", {}),
    ("kernel", "restore_rounds"): ("kernel_restore_rounds", {}),
    ("kernel", "restore_failed"): ("kernel_restore_failed", {}),
    ("kernel", "reapplied"): ("kernel_reapplied", {}),
    ("responses", "prechecks"): ("prechecks", {}),
    ("responses", "declined"): ("prechecks_declined", {}),
    ("responses", "raised"): ("prechecks_raised", {}),
}
NOT_COUNTERS = {"ok", "version", "node", "uptime_s", "series"}


def metric_of(name):
    if name in GAUGES:
        return "arx_" + name
    if name in COUNTERS:
        return "arx_" + name + "_total"
    return None


def http(method, path, port=MPORT):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), ""


LINE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def parse(text):
    """The exposition: {(metric, labels as a sorted tuple): value}, the
    families' HELP and TYPE lines, and the lines that do not parse."""
    series, helps, types, bad = {}, [], [], []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.append(line.split()[2])
        elif line.startswith("# TYPE "):
            types.append(line.split()[2])
        else:
            m = LINE.match(line)
            if not m:
                bad.append(line)
                continue
            labels = tuple(sorted((k, unescape(v)) for k, v in
                                  LABEL.findall(m.group(2) or "")))
            series[(m.group(1), labels)] = float(m.group(3))
    return series, helps, types, bad


def scrape():
    return parse(http("GET", "/metrics")[2])[0]


def status():
    r = subprocess.run([ARX, "status", "--json", "-s", SOCK],
                       capture_output=True, text=True, timeout=30)
    return json.loads(r.stdout)


def lines(n, ip):
    with open(LOG, "a") as f:
        for i in range(n):
            stamp = time.strftime("%b %e %H:%M:%S")
            f.write("%s vm sshd[%d]: Invalid user guest%d from %s port %d\n"
                    % (stamp, 2000 + i, i, ip, 40000 + i))


def check_shape():
    code, head, body = http("GET", "/metrics")
    series, helps, types, bad = parse(body)
    expect(code == 200 and head.get("Content-Type", "").startswith(
        "text/plain; version=0.0.4"), "GET /metrics: 200, text format 0.0.4")
    expect(bad == [], "every line parses (%s)" % bad[:3])
    expect(len(helps) == len(set(helps)) and helps == types,
           "one HELP and one TYPE per family, in the same order")
    fams = {m for m, _ in series}
    expect(fams <= set(helps), "every series has its family's HELP")
    expect(series.get(("arx_blocks_active", ())) == 0,
           "arx_blocks_active is 0 before the attack")
    expect(("arx_build_info", (("version", status()["version"]),))
           in series, "arx_build_info carries the version")
    expect(http("GET", "/other")[0] == 404, "another path: 404")
    expect(http("HEAD", "/metrics")[0] == 405 and
           http("POST", "/metrics")[0] == 405, "HEAD and POST: 405")


PROM_CONF = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: arx
    static_configs:
      - targets: ['127.0.0.1:{mport}']
"""


def prom_query(q):
    try:
        code, _, body = http("GET", "/api/v1/query?query=" +
                             urllib.parse.quote(q), port=PPORT)
    except OSError:  # not listening yet
        return None
    if code != 200:
        return None
    res = json.loads(body)["data"]["result"]
    return float(res[0]["value"][1]) if res else None


def start_prometheus():
    conf = os.path.join(TMP, "prometheus.yml")
    with open(conf, "w") as f:
        f.write(PROM_CONF.format(mport=MPORT))
    log = open(os.path.join(TMP, "prometheus.log"), "w")
    p = subprocess.Popen([PROMETHEUS, "--config.file=" + conf,
                          "--storage.tsdb.path=" + os.path.join(TMP, "tsdb"),
                          "--web.listen-address=127.0.0.1:%d" % PPORT],
                         stdout=log, stderr=log)
    PROCS.append(p)
    return p


def check_prometheus():
    prom = start_prometheus()
    seen0 = wait(lambda: prom_query("arx_blocks_active") == 0, 60, 0.5)
    expect(seen0, "Prometheus scraped arx_blocks_active = 0")
    expect(prom_query('up{job="arx"}') == 1, "Prometheus: up is 1")
    lines(8, "192.0.2.67")
    rose = wait(lambda: (prom_query("arx_blocks_active") or 0) >= 1, 60, 0.5)
    expect(rose, "Prometheus saw arx_blocks_active rise to 1 after the "
           "attack (%s)" % prom_query("arx_blocks_active"))
    expect(prom_query('arx_alerts_total{rule="5712",level="10"}') == 1,
           "Prometheus: arx_alerts_total{rule=5712,level=10} is 1")
    expect(prom_query('arx_responses_total{command="rec",outcome="block"}')
           == 1, "Prometheus: arx_responses_total{command=rec,"
           "outcome=block} is 1")
    prom.send_signal(signal.SIGTERM)
    prom.wait(timeout=30)


def labels_of(row):
    return tuple(sorted(row["labels"].items()))


def legacy_value(series, spec):
    if spec[0] == "sum":
        return sum(r["value"] for r in series if r["name"] == spec[1] and
                   r["labels"].get(spec[2]) == spec[3])
    vals = [r["value"] for r in series
            if r["name"] == spec[0] and r["labels"] == spec[1]]
    return vals[0] if len(vals) == 1 else None


def compare(st, got):
    """What differs between arx status st and the scrape got."""
    wrong, seen = [], set()
    for r in st["series"]:
        metric = metric_of(r["name"])
        key = (metric, labels_of(r))
        if metric is None:
            wrong.append("%s: not mapped" % r["name"])
        elif got.get(key) != r["value"]:
            wrong.append("%s%s: status %s, metrics %s" % (
                metric, r["labels"], r["value"], got.get(key)))
        seen.add(key)
    for key in got:
        if key not in seen and key[0] != "arx_build_info":
            wrong.append("%s%s: in /metrics only" % key)
    for k, v in st.items():
        if isinstance(v, dict) and k != "analysis":
            for kk, vv in v.items():
                spec = LEGACY.get((k, kk))
                if spec is None:
                    wrong.append("%s.%s: not mapped" % (k, kk))
                elif legacy_value(st["series"], spec) != vv:
                    wrong.append("%s.%s: %s, series %s" % (
                        k, kk, vv, legacy_value(st["series"], spec)))
        elif k not in NOT_COUNTERS and k != "analysis":
            wrong.append("%s: not mapped" % k)
    for k, v in st["analysis"].items():
        if k != "running" and legacy_value(st["series"], (k, {})) != v:
            wrong.append("analysis.%s: %s, not in series" % (k, v))
    return wrong


def check_same():
    """At a quiet moment (two scrapes a while apart agree), arx status
    and /metrics hold the same counters with the same values."""
    wrong = ["not compared"]
    for _ in range(20):
        a = scrape()
        time.sleep(2.5)
        st = status()
        b = scrape()
        if a != b:
            continue
        wrong = compare(st, b)
        if not wrong:
            break
    alerts = sum(v for (m, _), v in b.items() if m == "arx_alerts_total")
    expect(alerts == b[("arx_alerts_written_total", ())] > 0,
           "the alerts by rule and level add up to the alerts written "
           "(%s)" % alerts)
    expect(wrong == [], "arx status and /metrics agree on every counter "
           "(%s)" % wrong[:8])
    want = ["arx_conn_slow_total", "arx_prechecks_total"] + \
        (["arx_mail_failed_total", "arx_mail_waiting"] if MAIL_ON else [])
    expect(all((m, ()) in b for m in want),
           "the feed's, the prechecks' and the mail's series are among "
           "them (%s)" % [m for m in want if (m, ()) not in b])


def main():
    os.makedirs(os.path.join(TMP, "run"))
    open(LOG, "w").close()
    cred = os.path.join(TMP, "feed.cred")
    with open(os.open(cred, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("feed:secret\n")
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(rec=REC, log=LOG, src=SRC, tmp=TMP, bin=BIN,
                                 mport=MPORT, sock=SOCK, fport=FPORT,
                                 mail=MAIL if MAIL_ON else ""))
    d = Arxd(ARXD, CONF, lambda: os.path.exists(SOCK) and
             http_ok())
    check_shape()
    check_prometheus()
    check_same()
    d.stop()


def http_ok():
    try:
        return http("GET", "/metrics")[0] == 200
    except OSError:
        return False


finish("metrics", main, TMP)
