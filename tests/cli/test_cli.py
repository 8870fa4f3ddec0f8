#!/usr/bin/env python3
"""Command-line tests of arxd and arx: help, version, exit codes
(sysexits), configuration test (-t) with file:line errors and suggestions,
and the round trip of the canonical configuration (-T)."""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

BIN = SRC = None
EX_OK, EX_USAGE, EX_CONFIG = 0, 64, 78


def run(prog, *args):
    p = subprocess.run([os.path.join(BIN, prog), *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class HelpVersion(unittest.TestCase):
    def test_help_and_version(self):
        for prog in ("arxd", "arx"):
            for flag in ("-h", "--help"):
                rc, out, _ = run(prog, flag)
                self.assertEqual(rc, EX_OK)
                self.assertIn("usage: " + prog, out)
            for flag in ("-V", "--version"):
                rc, out, _ = run(prog, flag)
                self.assertEqual(rc, EX_OK)
                self.assertRegex(out, r"^%s \d+\.\d+\.\d+\n$" % prog)

    def test_usage_errors(self):
        self.assertEqual(run("arxd", "-Z")[0], EX_USAGE)
        self.assertEqual(run("arxd", "-t", "extra")[0], EX_USAGE)
        self.assertEqual(run("arx")[0], EX_USAGE)
        rc, _, err = run("arx", "helo")
        self.assertEqual(rc, EX_USAGE)
        self.assertIn("unknown command 'helo'; did you mean 'help'?", err)


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.conf = os.path.join(SRC, "etc", "arx.conf")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_default_config_is_valid(self):
        rc, _, err = run("arxd", "-t", "-c", self.conf)
        self.assertEqual(rc, EX_OK, err)
        self.assertIn("is valid", err)

    def test_misspelt_element(self):
        with open(self.conf) as f:
            text = f.read()
        bad = text.replace("<timeout_allowed>", "<timeout_alowed>", 1)
        bad = bad.replace("</timeout_allowed>", "</timeout_alowed>", 1)
        line = bad[:bad.index("<timeout_alowed>")].count("\n") + 1
        path = self.write("bad.conf", bad)
        rc, _, err = run("arxd", "-t", "-c", path)
        self.assertEqual(rc, EX_CONFIG)
        self.assertIn("%s:%d: unknown element <timeout_alowed> in <command>; "
                      "did you mean <timeout_allowed>?" % (path, line), err)

    def test_bad_value_and_missing_file(self):
        path = self.write("v.conf", "<ossec_config>\n<active-response>\n"
                          "<repeated_offenders>30,x</repeated_offenders>\n"
                          "</active-response>\n</ossec_config>\n")
        rc, _, err = run("arxd", "-t", "-c", path)
        self.assertEqual(rc, EX_CONFIG)
        self.assertIn("%s:3: <repeated_offenders> holds 'x'" % path, err)
        rc, _, err = run("arxd", "-t", "-c", path + ".missing")
        self.assertEqual(rc, EX_CONFIG)
        self.assertIn("cannot read", err)

    def test_malformed_xml_line(self):
        path = self.write("m.conf", "<ossec_config>\n<global>\n"
                          "</ossec_config>\n")
        rc, _, err = run("arxd", "-t", "-c", path)
        self.assertEqual(rc, EX_CONFIG)
        self.assertIn("%s:3: mismatched tag" % path, err)

    def test_dump_round_trip(self):
        fixtures = os.path.join(SRC, "tests", "fixtures")
        for conf in (self.conf, os.path.join(fixtures, "full.conf"),
                     os.path.join(fixtures, "wazuh-style.conf")):
            rc, first, err = run("arxd", "-T", "-c", conf)
            self.assertEqual(rc, EX_OK, err)
            self.assertTrue(first.startswith("<arx_config>\n"))
            path = self.write("dump.conf", first)
            rc, second, err = run("arxd", "-T", "-c", path)
            self.assertEqual(rc, EX_OK, err)
            self.assertEqual(first, second, conf)
            # -t checks the host too (programs, ruleset, user): only the
            # shipped configuration's programs and ruleset are here.
            if conf == self.conf:
                self.assertEqual(run("arxd", "-t", "-c", path)[0], EX_OK)

    def test_dump_values(self):
        rc, out, _ = run("arxd", "-T", "-c", self.conf)
        self.assertEqual(rc, EX_OK)
        for want in ("<white_list>127.0.0.1</white_list>",
                     "<white_list>::1</white_list>",
                     "<rules_id>5712,5763</rules_id>",
                     "<timeout>10m</timeout>",
                     "<repeated_offenders>30m,1h,2h</repeated_offenders>",
                     "<location>/var/log/auth.log</location>",
                     "<log_format>journald</log_format>"):
            self.assertIn(want, out)


class Agents(unittest.TestCase):
    """arx agents on a table of its own: add prints the line with the key,
    a name is given once among active agents, remove keeps the id (never
    given again), list in text and JSON, the file is 0600, bad names and
    sources are refused with a reason."""

    def test_add_list_remove(self):
        with tempfile.TemporaryDirectory() as tmp:
            f = os.path.join(tmp, "agents")
            rc, out, _ = run("arx", "agents", "-f", f, "add", "web01",
                             "--from", "192.0.2.0/24")
            self.assertEqual(rc, EX_OK)
            self.assertRegex(out, r"^1 web01 192.0.2.0/24 [0-9a-f]{64}\n$")
            self.assertEqual(os.stat(f).st_mode & 0o777, 0o600)
            rc, _, err = run("arx", "agents", "-f", f, "add", "web01")
            self.assertEqual(rc, 65)
            self.assertIn("an active agent has this name", err)
            rc, _, err = run("arx", "agents", "-f", f, "add", "a/b")
            self.assertEqual(rc, 65)
            rc, _, err = run("arx", "agents", "-f", f, "add", "x",
                             "--from", "nowhere")
            self.assertEqual(rc, 65)
            self.assertEqual(run("arx", "agents", "-f", f, "remove",
                                 "web01")[0], EX_OK)
            rc, out, _ = run("arx", "agents", "-f", f, "add", "web01")
            self.assertTrue(out.startswith("2 web01 any "), out)
            rc, out, _ = run("arx", "agents", "-f", f, "list", "--json")
            import json
            got = json.loads(out)
            self.assertEqual([(a["id"], a["state"]) for a in got],
                             [(1, "removed"), (2, "active")])
            rc, out, _ = run("arx", "agents", "-f", f, "list")
            self.assertIn("web01", out)
            self.assertEqual(run("arx", "agents", "-f", f, "remove",
                                 "9")[0], 65)
            self.assertEqual(run("arx", "agents", "-f", f, "frob")[0],
                             EX_USAGE)


def main():
    global BIN, SRC
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--source", required=True)
    args, rest = ap.parse_known_args()
    BIN, SRC = args.bin, args.source
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
