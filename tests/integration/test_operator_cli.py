"""An operator's first day with mxpulsectl and mxpulse: help, typos, exit codes, a broken config,
line breaks in arguments, one time format, tables that fit, one instance per pid file, and a test
gateway that coexists with whatever else runs here (the default ports and paths stay free)."""

import json
import os
import re
import shutil
import socket
import tempfile
import unittest

import harness
from test_mail_flow import require_root


class Offline(unittest.TestCase):
    """What needs no daemon."""

    def test_help_lists_the_commands_and_exits_0(self):
        p = harness.run([harness.MXPULSECTL, "help"])
        for command in ("status", "top", "evidence", "alerts", "help"):
            self.assertRegex(p.stdout, r"(?m)^\s+%s\b" % command)
        p = harness.run([harness.MXPULSECTL, "help", "top"])
        self.assertIn("--by", p.stdout)

    def test_a_mistyped_command_gets_a_suggestion_and_exit_64(self):
        for typo, meant in (("stauts", "status"), ("aletrs", "alerts"), ("evidnce", "evidence")):
            p = harness.run([harness.MXPULSECTL, typo], check=False)
            self.assertEqual(p.returncode, 64, p.stderr)
            self.assertIn('unknown command "%s"; did you mean "%s"?' % (typo, meant), p.stderr)
            self.assertIn('try "mxpulsectl help"', p.stderr)
        p = harness.run([harness.MXPULSECTL, "help", "stauts"], check=False)
        self.assertEqual(p.returncode, 64)
        self.assertIn('did you mean "status"?', p.stderr)

    def test_usage_errors_exit_64_not_cli11_codes(self):
        for args in (["top", "--by", "sideways"], ["top", "--frobnicate"], [], ["domain"]):
            p = harness.run([harness.MXPULSECTL] + args, check=False)
            self.assertEqual(p.returncode, 64, "%s: %d %s" % (args, p.returncode, p.stderr))

    def test_config_check_refuses_a_directory(self):
        d = tempfile.mkdtemp(prefix="mxpulse-cli-")
        try:
            p = harness.run([harness.MXPULSE, "-t", "-c", d], check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("is a directory", p.stderr)
            self.assertNotIn("configuration OK", p.stderr)
        finally:
            shutil.rmtree(d)

    def test_a_config_that_is_not_toml_named_with_c_exits_78(self):
        d = tempfile.mkdtemp(prefix="mxpulse-cli-")
        try:
            conf = os.path.join(d, "broken.conf")
            with open(conf, "w") as f:
                f.write("[control\nsocket = \n")
            p = harness.run([harness.MXPULSECTL, "-c", conf, "status"], check=False)
            self.assertEqual(p.returncode, 78, p.stderr)
            self.assertIn(conf + ":1:", p.stderr)
        finally:
            shutil.rmtree(d)


class Running(unittest.TestCase):
    """Against one running gateway; the default metrics port is held by someone else meanwhile."""

    @classmethod
    def setUpClass(cls):
        require_root(cls)
        # Hold 127.0.0.1:9477, as a packaged or quick-start mxpulse would: the gateway must not care.
        cls.squatter = socket.socket()
        cls.squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            cls.squatter.bind(("127.0.0.1", 9477))
            cls.squatter.listen(1)
        except OSError:
            pass  # something here holds it already, which is the same situation
        cls.gw = harness.Gateway(socket_kind="unix").start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.squatter.close()

    def test_the_test_gateway_uses_its_own_ports_and_paths(self):
        conf = self.gw.config_text()
        self.assertNotIn("9477", conf)
        # Every path is inside the gateway's temporary directory, none a packaged default's.
        paths = re.findall(r'"(?:unix:)?(/[^"]*)"', conf)
        self.assertTrue(paths)
        for p in paths:
            self.assertTrue(p.startswith(self.gw.dir + "/"), p)
        self.assertIn('listen = "127.0.0.1:%d"' % self.gw.metrics_port, conf)
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.gw.metrics_port, timeout=10) as r:
            self.assertIn(b"mxpulse_", r.read())

    def test_a_broken_daemon_config_does_not_lock_mxpulsectl_out(self):
        # An unknown option and a bad value: mxpulse -t refuses the file, mxpulsectl needs only
        # control.socket from it.
        conf = self.gw.path("typo.conf")
        with open(conf, "w") as f:
            f.write('[milter]\nsokcet = "unix:/x"\n[limits]\nmax_headers = "many"\n'
                    '[control]\nsocket = "%s"\n' % self.gw.control_socket)
        self.assertNotEqual(harness.run([harness.MXPULSE, "-t", "-c", conf], check=False).returncode, 0)
        p = harness.run([harness.MXPULSECTL, "-c", conf, "ping"], check=False)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "pong"), p.stderr)
        # -s reads no file at all.
        p = harness.run([harness.MXPULSECTL, "-s", self.gw.control_socket, "-c", "/nonexistent", "ping"], check=False)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "pong"), p.stderr)

    def test_a_line_break_in_an_argument_is_refused_not_sent_as_a_second_command(self):
        self.gw.send("alice@example.test", ["x@yahoo.test"])

        def tracked():
            rows = self.gw.ctl_json("top", "--by", "outbound", "--window", "total")["rows"]
            return any(r.get("domain") == "yahoo.test" for r in rows)
        harness.wait_for(tracked, 20, "yahoo.test counted")
        p = self.gw.ctl("domain", "yahoo.test\nreset", check=False)
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn("line break", p.stderr)
        self.assertTrue(tracked(), "a second command (reset) reached the daemon")

    def test_one_time_format(self):
        out = self.gw.ctl("status").stdout
        times = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*", out)
        self.assertTrue(times, out)
        for t in times:
            self.assertRegex(t, r"[+-]\d\d:\d\d$")

    def test_tables_fit_100_columns_and_mark_what_they_cut(self):
        long_domain = ".".join(["averyveryverylongsubdomainlabel%d" % i for i in range(4)]) + ".test"
        self.gw.send("alice@example.test", ["bob@" + long_domain])
        harness.wait_for(lambda: any(r.get("domain") == long_domain
                                     for r in self.gw.ctl_json("top", "--by", "outbound", "--window", "total")["rows"]),
                         30, "the long domain in top")
        out = self.gw.ctl("top", "--by", "outbound", "--window", "total").stdout
        wide = [l for l in out.splitlines() if len(l) > 100]
        self.assertEqual(wide, [], out)
        self.assertIn("\u2026", out)
        self.assertNotIn(long_domain, out)
        self.assertIn(long_domain, json.dumps(self.gw.ctl_json("top", "--by", "outbound", "--window", "total")))

    def test_z_a_second_mxpulse_refuses_to_start_and_leaves_the_first_ones_sockets(self):
        gw = self.gw
        milter_sock = gw.path("run", "milter.sock")
        before = (os.stat(milter_sock).st_ino, os.stat(gw.control_socket).st_ino)
        pid = open(gw.path("run", "mxpulse.pid")).read().strip()
        for args in (["-f"], []):  # in the foreground and detaching: both must say no
            p = harness.run([harness.MXPULSE] + args + ["-c", gw.path("mxpulse.conf")], check=False, timeout=30)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("another mxpulse (pid %s) holds the lock" % pid, p.stderr)
        self.assertEqual((os.stat(milter_sock).st_ino, os.stat(gw.control_socket).st_ino), before)
        self.assertEqual(open(gw.path("run", "mxpulse.pid")).read().strip(), pid)
        self.assertEqual(gw.ctl("ping").stdout.strip(), "pong")
        mid = gw.send("alice@example.test", ["after@yahoo.test"], "after the second start")
        gw.message_event("message.seen", mid)


if __name__ == "__main__":
    unittest.main()
