#!/usr/bin/env python3
"""make bench: arx against its peers on the reference auth.log.

Generates the 1,000,000-line log with ../shared/bench/gen_sshd_log.py
(seed 1337, fixed), installs the peers from Debian's packages when they
are missing (sshguard, fail2ban), and runs, round after round in turns
(A B C D A B C D ...), RUNS rounds (default 3):

  arx-own     arx logtest -a --log-time -c etc/arx.conf (decoders, rules,
              correlation, every alert formatted and written to a file)
  arx-wazuh   the same with the Wazuh ruleset of ../shared/testdata/wazuh
  sshg-parser sshguard's parser, one line per attack written to a file
  f2b-regex   fail2ban-regex with the sshd filter, on the first 200,000
              lines (it is too slow for the whole log in a bench run)

For each it reports the median wall time, lines/s, CPU seconds (user +
system, from wait4) and peak RSS, and checks that it found a plausible
number of failures (so a tool that matched nothing cannot look fast):
the sshd attack templates of truth.json that each tool's rules count.
Also: start-up time and memory on the first 1,000 lines, arx-own
pinned to one core (taskset) and free on all cores, and instructions
per line of each tool, counted by valgrind's callgrind on the first
1,000 and the first 20,000 lines (the difference over 19,000 lines is
the cost of a line, start-up apart; these machines have no hardware
counters, and an instruction count does not depend on how busy the
machine is). Then
bench/latency.py measures line-to-block in a network namespace.
Results go to build/bench/results.json; docs/BENCHMARKS.md records them.
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(TOP, "build", "bench")
ARX = os.path.join(TOP, "build", "release", "bin", "arx")
GEN = os.path.join(TOP, "..", "shared", "bench", "gen_sshd_log.py")
WAZUH = os.path.join(TOP, "..", "shared", "testdata", "wazuh")
SSHG = "/usr/libexec/sshguard/sshg-parser"
LOG = os.path.join(OUT, "auth.log")
LOG200K = os.path.join(OUT, "auth-200k.log")
LOG1K = os.path.join(OUT, "auth-1k.log")
LOG20K = os.path.join(OUT, "auth-20k.log")
TRUTH = os.path.join(OUT, "truth.json")
RUNS = int(os.environ.get("RUNS", "3"))


def prepare():
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(LOG) or not os.path.exists(TRUTH):
        subprocess.run([sys.executable, GEN, "--out", LOG, "--seed", "1337",
                        "--truth", TRUTH], check=True,
                       stdout=subprocess.DEVNULL)
    for path, n in ((LOG200K, 200000), (LOG20K, 20000), (LOG1K, 1000)):
        if not os.path.exists(path):
            with open(LOG) as src, open(path, "w") as dst:
                for i, line in enumerate(src):
                    if i == n:
                        break
                    dst.write(line)
    subprocess.run([os.path.join(TOP, "scripts", "deps.sh"), "sshguard",
                    "fail2ban", "time", "valgrind"], check=True)


def count_alerts(path, lo=5700, hi=5799):
    """Alerts of sshd rules (5700-5799) in an alerts.log-format file."""
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Rule: "):
                rid = int(line[6:].split(" ", 1)[0])
                n += lo <= rid <= hi
    return n


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def f2b_matched(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Lines:"):
                return int(line.split(",")[2].split()[0])
    return 0


def variants(log, log_f2b):
    """name: (argv, stdin path, lines read, counter of failures found)."""
    n = count_lines(log)
    return {
        "arx-own": ([ARX, "logtest", "-a", "--log-time", "-c",
                     os.path.join(TOP, "etc", "arx.conf")], log, n,
                    count_alerts),
        "arx-wazuh": ([ARX, "logtest", "-a", "--log-time", "--ruleset",
                       WAZUH], log, n, count_alerts),
        "sshg-parser": ([SSHG], log, n, count_lines),
        "f2b-regex": (["fail2ban-regex", log_f2b, "sshd"], None,
                      count_lines(log_f2b), f2b_matched),
    }


def run_one(argv, stdin, out, prefix=()):
    """Wall s, CPU s, peak RSS KiB of one run, output to out. GNU time
    measures it: a child of this Python process would count Python's
    own memory (before its exec) in its peak."""
    stats = os.path.join(OUT, "time.txt")
    with open(out, "w") as o, open(stdin or os.devnull) as i:
        t0 = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", stats,
                            *prefix, *argv], stdin=i, stdout=o,
                           stderr=subprocess.DEVNULL)
        wall = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError("%s exited %d" % (argv[0], r.returncode))
    user, sys_s, rss = open(stats).read().split()[-3:]
    return wall, float(user) + float(sys_s), int(rss)


def expected_failures(truth, lines_read, total):
    """Failure lines every tool's sshd rules count (invalid users and
    failed passwords), scaled to the lines the tool read."""
    k = truth["kinds"]
    base = (k["failed_password_valid"] + k["failed_password_invalid"] +
            k["invalid_user"])
    return base * lines_read / total


def bench_rounds(vs, truth, total):
    res = {name: [] for name in vs}
    found = {}
    for r in range(RUNS):
        order = list(vs) if r % 2 == 0 else list(reversed(vs))
        for name in order:
            argv, stdin, n, counter = vs[name]
            out = os.path.join(OUT, "%s.out" % name)
            wall, cpu, rss = run_one(argv, stdin, out)
            res[name].append((wall, cpu, rss))
            found[name] = counter(out)
            print("  round %d %-12s %7.2f s wall %7.2f s cpu %8d KiB"
                  % (r, name, wall, cpu, rss), flush=True)
    table = {}
    for name, runs in res.items():
        argv, stdin, n, counter = vs[name]
        wall = statistics.median(w for w, _, _ in runs)
        exp = expected_failures(truth, n, total)
        table[name] = {
            "lines": n, "wall_s": round(wall, 3),
            "lines_per_s": round(n / wall),
            "cpu_s": round(statistics.median(c for _, c, _ in runs), 3),
            "peak_rss_kib": max(m for _, _, m in runs),
            "failures_found": found[name],
            "failures_expected_at_least": round(exp),
            "plausible": found[name] >= 0.95 * exp,
            "runs_wall_s": [round(w, 3) for w, _, _ in runs],
        }
    return table


def startup(vs):
    """Each tool on the first 1,000 lines: fixed cost of starting."""
    out = {}
    for name, (argv, stdin, n, counter) in vs.items():
        if name == "f2b-regex":
            argv = ["fail2ban-regex", LOG1K, "sshd"]
        wall, cpu, rss = run_one(argv, LOG1K if stdin else None,
                                 os.path.join(OUT, "start.out"))
        out[name] = {"wall_s": round(wall, 3), "peak_rss_kib": rss}
    return out


def cores(vs):
    """arx-own pinned to one core, and free (it is one thread)."""
    argv, stdin, n, _ = vs["arx-own"]
    out = {}
    for label, prefix in (("1 core", ["taskset", "-c", "0"]),
                          ("all cores", [])):
        walls = [run_one(argv, stdin, os.path.join(OUT, "cores.out"),
                         prefix)[0] for _ in range(RUNS)]
        out[label] = round(n / statistics.median(walls))
    return out


def callgrind(argv, log):
    """Instructions (callgrind's Ir) of argv reading log."""
    with open(log) as i:
        r = subprocess.run(["valgrind", "--tool=callgrind",
                            "--callgrind-out-file=/dev/null", *argv],
                           stdin=i, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or m is None:
        raise RuntimeError("callgrind of %s failed" % argv[0])
    return int(m.group(1))


def instructions(vs):
    """Instructions per line and at start-up, for the tools that are one
    native process: from runs on 1,000 and 20,000 lines."""
    out = {}
    for name in ("arx-own", "arx-wazuh", "sshg-parser"):
        argv = vs[name][0]
        small, big = callgrind(argv, LOG1K), callgrind(argv, LOG20K)
        per_line = (big - small) / 19000
        out[name] = {"per_line": round(per_line),
                     "start_up": round(small - 1000 * per_line)}
    return out


def main():
    if not os.access(ARX, os.X_OK):
        sys.exit("bench: build the release preset first (make bench does)")
    prepare()
    truth = json.load(open(TRUTH))
    total = truth["lines"]
    vs = variants(LOG, LOG200K)
    cpu = [l for l in open("/proc/cpuinfo") if l.startswith("model name")]
    machine = "%s, %d cores, %s, kernel %s" % (
        cpu[0].split(":", 1)[1].strip() if cpu else "?", os.cpu_count(),
        platform.freedesktop_os_release().get("PRETTY_NAME", "?"),
        platform.release())
    print("bench: %s" % machine)
    print("bench: %d lines (f2b-regex: first 200,000), %d rounds in turns"
          % (total, RUNS))
    table = bench_rounds(vs, truth, total)
    results = {"machine": machine, "runs": RUNS, "table": table,
               "startup_1k_lines": startup(vs), "arx_own_lines_per_s":
               cores(vs), "instructions_per_line": instructions(vs)}
    print()
    print("| tool | lines | median wall | lines/s | CPU s | peak RSS | "
          "failures found (expected at least) |")
    print("|---|---|---|---|---|---|---|")
    for name, t in table.items():
        print("| %s | %d | %.2f s | %d | %.2f | %.1f MiB | %d (%d)%s |" % (
            name, t["lines"], t["wall_s"], t["lines_per_s"], t["cpu_s"],
            t["peak_rss_kib"] / 1024, t["failures_found"],
            t["failures_expected_at_least"],
            "" if t["plausible"] else " IMPLAUSIBLE"))
    own = table["arx-own"]["lines_per_s"]
    for peer in ("sshg-parser", "f2b-regex"):
        print("arx-own / %s: %.1fx lines/s" %
              (peer, own / table[peer]["lines_per_s"]))
    print("arx-wazuh / sshg-parser: %.2fx lines/s" %
          (table["arx-wazuh"]["lines_per_s"] /
           table["sshg-parser"]["lines_per_s"]))
    print("start-up on 1,000 lines: %s" % ", ".join(
        "%s %.2f s %.1f MiB" % (k, v["wall_s"], v["peak_rss_kib"] / 1024)
        for k, v in results["startup_1k_lines"].items()))
    print("arx-own lines/s: %s" % ", ".join(
        "%s %d" % kv for kv in results["arx_own_lines_per_s"].items()))
    print("instructions (callgrind) per line, and at start-up: %s" %
          ", ".join("%s %d, %.2f G" % (k, v["per_line"], v["start_up"] / 1e9)
                    for k, v in results["instructions_per_line"].items()))
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    bad = [n for n, t in table.items() if not t["plausible"]]
    if bad:
        sys.exit("bench: implausible failure counts: %s" % ", ".join(bad))


if __name__ == "__main__":
    main()
