#!/usr/bin/env python3
"""Checks alerts.log and alerts.json output of the sshd brute-force
scenario field by field against the formats of OSSEC/Wazuh (record
layout, alert id "<epoch>.<offset>", key order, rule.id as a string,
compliance arrays, previous_output), and the two-attacker rule: a second
address crossing the threshold 20 seconds after the first also fires 5712
(event clock from the log's time stamps)."""
import argparse
import json
import re
import subprocess
import sys
import time

AT = int(time.mktime((2026, 11, 18, 10, 0, 0, 0, 0, -1)))


def run(arx, conf, args, lines):
    p = subprocess.run([arx, "logtest", "-c", conf, *args],
                       input=("\n".join(lines) + "\n").encode(),
                       capture_output=True, timeout=120)
    if p.returncode != 0:
        sys.exit(p.stderr.decode())
    return p.stdout.decode()


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        check.failed = True


check.failed = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arx", required=True)
    ap.add_argument("--conf", required=True)
    a = ap.parse_args()
    lines = ["Nov 18 09:59:5%d web1 sshd[81%d]: Invalid user admin%d from "
             "192.0.2.6 port 5012%d" % (i, i, i, i) for i in range(8)]

    log = run(a.arx, a.conf, ["-a", "--at", str(AT)], lines)
    records = log.split("\n\n")[:-1]
    check(len(records) == 8, "8 alerts.log records, got %d" % len(records))
    last = records[-1].split("\n")
    m = re.match(r"^\*\* Alert (\d+)\.(\d+): - (\S+)$", last[0])
    check(m and int(m.group(1)) == AT, "first line: %r" % last[0])
    check(m and int(m.group(2)) == len("\n\n".join(records[:-1])) + 2,
          "alert id offset is the record's position in alerts.log")
    check(m and m.group(3) == "syslog,sshd,authentication_failures,"
          "pci_dss_11.4,pci_dss_10.2.4,pci_dss_10.2.5,", "group string")
    check(re.match(r"^\d{4} Nov 18 10:00:00 web1->stdin$", last[1]),
          "date line: %r" % last[1])
    check(last[2] == "Rule: 5712 (level 10) -> 'sshd: brute force trying "
          "to get access to the system. Non existent user.'", last[2])
    check(last[3] == "Src IP: 192.0.2.6", last[3])
    check(last[4] == "Src Port: 50127", last[4])
    check(last[5] == lines[7], "full log")
    check(last[6] == "session.attempt: new", "dynamic field: %r" % last[6])
    check(last[7:] == list(reversed(lines[:7])), "previous events, newest "
          "first")
    check("User:" not in records[-1], "srcuser is not printed as User")

    js = run(a.arx, a.conf, ["--alerts-json", "--at", str(AT)], lines)
    objs = [json.loads(l) for l in js.splitlines()]
    check(len(objs) == 8, "8 alerts.json records")
    o = objs[-1]
    check(list(o) == ["timestamp", "rule", "agent", "manager", "id",
                      "previous_output", "full_log", "predecoder", "decoder",
                      "data", "location"], "key order %s" % list(o))
    check(re.match(r"^2026-11-18T10:00:00\.000[+-]\d{4}$", o["timestamp"]),
          o["timestamp"])
    r = o["rule"]
    check(r["id"] == "5712" and r["level"] == 10, "rule id/level")
    check(r["frequency"] == 8 and r["firedtimes"] == 1, "frequency/fired")
    check(r["groups"] == ["syslog", "sshd", "authentication_failures"],
          r["groups"])
    check(r["pci_dss"] == ["11.4", "10.2.4", "10.2.5"], "compliance")
    check(r["mitre"]["id"] == ["T1110"], "mitre")
    check(r["mail"] is False, "mail")
    check(o["id"] == "%d.%d" % (AT, len(js) - len(js.splitlines()[-1]) - 1),
          "id")
    check(o["previous_output"].split("\n") == list(reversed(lines[:7])),
          "previous_output")
    check(o["predecoder"] == {"program_name": "sshd",
                              "timestamp": "Nov 18 09:59:57",
                              "hostname": "web1"}, o["predecoder"])
    check(o["decoder"] == {"parent": "sshd", "name": "sshd"}, "decoder")
    check(o["data"] == {"srcip": "192.0.2.6", "srcport": "50127",
                        "srcuser": "admin7",
                        "session": {"attempt": "new"}}, o["data"])
    check(o["location"] == "stdin", "location")

    # Two attackers, the second 20 seconds later, clock from the log.
    two = lines + ["Nov 18 10:00:1%d web1 sshd[91%d]: Invalid user root%d "
                   "from 198.51.100.7 port 4012%d" % (i, i, i, i)
                   for i in range(8)]
    out = run(a.arx, a.conf, ["-j", "--log-time", "--at", str(AT)], two)
    got = [(json.loads(l)["rule"]["id"], json.loads(l)["data"]["srcip"])
           for l in out.splitlines()]
    check(got[7] == ("5712", "192.0.2.6"), "first attacker: %s" % (got[7],))
    check(got[15] == ("5712", "198.51.100.7"),
          "second attacker 20 s later: %s" % (got[15],))
    check(all(g[0] == "5710" for g in got[:7] + got[8:15]), "the others")
    print("alerts: %s" % ("FAILED" if check.failed else "all checks pass"))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
