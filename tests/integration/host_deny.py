#!/usr/bin/env python3
"""host-deny on a real file: exact lines only (deleting 192.0.2.1 keeps
192.0.2.10 and every other line), adding twice is one line, twenty
concurrent adds all land (the lock), the file's mode is kept, the JSON
protocol with check_keys works with --file, abort changes nothing, and a
bad address is refused with exit 64.
"""
import json
import os
import subprocess
import sys
import tempfile

HD = sys.argv[1]
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def legacy(cmd, ip, path):
    return subprocess.run([HD, cmd, "-", ip, "1.1", "5712", "x", "-",
                           "--file", path], capture_output=True, text=True,
                          timeout=30)


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def message(command, ip, path):
    return json.dumps({"version": 1, "origin": {"name": "t", "module": "arx"},
                       "command": command,
                       "parameters": {"extra_args": ["--file", path],
                                      "alert": {"data": {"srcip": ip}},
                                      "program": "host-deny"}}) + "\n"


def json_add(ip, path, answer):
    p = subprocess.Popen([HD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    p.stdin.write(message("add", ip, path))
    p.stdin.flush()
    keys = json.loads(p.stdout.readline())["parameters"]["keys"]
    p.stdin.write(message(answer, ip, path))
    p.stdin.close()
    return keys, p.wait(timeout=30)


with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "hosts.deny")
    with open(path, "w") as f:
        f.write("# local rules\nsshd: 198.51.100.0/24\nALL:192.0.2.10")
    os.chmod(path, 0o640)

    r = legacy("add", "192.0.2.1", path)
    expect(r.returncode == 0, "add exits 0 (%s)" % r.stderr.strip())
    legacy("add", "192.0.2.1", path)
    expect(lines(path).count("ALL:192.0.2.1") == 1, "two adds, one line")
    expect(lines(path)[:3] == ["# local rules", "sshd: 198.51.100.0/24",
                               "ALL:192.0.2.10"], "other lines kept")
    expect(os.stat(path).st_mode & 0o777 == 0o640, "mode kept")

    procs = [subprocess.Popen([HD, "add", "-", "203.0.113.%d" % i, "1.1",
                               "5712", "x", "-", "--file", path])
             for i in range(1, 21)]
    expect(all(p.wait(timeout=60) == 0 for p in procs),
           "twenty concurrent adds exit 0")
    expect(all("ALL:203.0.113.%d" % i in lines(path) for i in range(1, 21)),
           "twenty concurrent adds all land")

    r = legacy("delete", "192.0.2.1", path)
    expect(r.returncode == 0 and "ALL:192.0.2.1" not in lines(path) and
           "ALL:192.0.2.10" in lines(path),
           "delete removes the exact line only")
    expect(legacy("delete", "192.0.2.1", path).returncode == 0,
           "deleting what is gone succeeds")

    keys, rc = json_add("2001:db8::6", path, "continue")
    expect(keys == ["2001:db8::6"] and rc == 0 and
           "ALL:2001:db8::6" in lines(path), "JSON add with check_keys")
    before = lines(path)
    keys, rc = json_add("198.51.100.9", path, "abort")
    expect(rc == 0 and lines(path) == before, "abort changes nothing")
    r = legacy("add", "192.0.2.1 ALL", path)
    expect(r.returncode == 64 and lines(path) == before,
           "a bad address is refused with exit 64")

print("host-deny: %s" % ("all checks pass" if not failures
                         else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
