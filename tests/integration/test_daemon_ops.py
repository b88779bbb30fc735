"""The daemon as operators drive it: config check, reload, control socket errors, graceful stop."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import unittest
import urllib.request

import harness
from test_mail_flow import require_root


class ConfigCheck(unittest.TestCase):
    """`mxpulse -t` needs no Postfix: it checks a file and prints the effective configuration."""

    def setUp(self):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="mxpulse-cfg-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text):
        path = os.path.join(self.dir, "mxpulse.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_unknown_key_is_refused_with_file_and_line(self):
        path = self.write("[milter]\nfailure_action = \"accept\"\nsokcet = \"unix:/x\"\n")
        p = harness.run([harness.MXPULSE, "-t", "-c", path], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("%s:3: unknown option milter.sokcet; did you mean milter.socket?" % path, p.stderr)

    def test_bad_value_is_refused_with_file_and_line(self):
        path = self.write("\n[limits]\nmax_headers = \"many\"\n")
        p = harness.run([harness.MXPULSE, "-t", "-c", path], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("%s:3: limits.max_headers: expected an integer, got a string" % path, p.stderr)

    def test_good_file_prints_the_effective_configuration(self):
        path = self.write("[milter]\nsocket = \"inet:8899@127.0.0.1\"\n")
        p = harness.run([harness.MXPULSE, "-t", "-c", path])
        self.assertIn('socket = "inet:8899@127.0.0.1"', p.stdout)
        self.assertIn('failure_action = "accept"', p.stdout)
        self.assertIn("configuration OK", p.stderr)

    def test_shipped_annotated_config_is_valid(self):
        conf = os.path.join(os.path.dirname(__file__), "..", "..", "conf", "mxpulse.conf")
        harness.run([harness.MXPULSE, "-t", "-c", conf])


class Operations(unittest.TestCase):
    """Reload, control socket behaviour and shutdown against a running gateway."""

    def setUp(self):
        require_root(self)
        self.gw = harness.Gateway(socket_kind="unix").start()

    def tearDown(self):
        self.gw.stop()

    def scrape(self):
        """Returns the gateway's metrics exposition."""
        url = "http://127.0.0.1:%d/metrics" % self.gw.metrics_port
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def test_sighup_with_a_bad_config_keeps_the_old_one_and_a_good_one_is_swapped_in(self):
        gw = self.gw
        good = open(gw.path("mxpulse.conf")).read()
        with open(gw.path("mxpulse.conf"), "a") as f:
            f.write("[limits]\nmax_headers = -5\n")
        gw.mxpulse.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: gw.events("config.rejected"), 10, "config.rejected")
        self.assertIn("limits.max_headers: must be between", gw.events("config.rejected")[0]["error"])
        self.assertIsNone(gw.mxpulse.poll(), "mxpulse kept running")
        self.assertIn("mxpulse_config_last_reload_successful 0\n", self.scrape())
        # Mail still flows under the old configuration.
        gw.send("alice@example.test", ["x@yahoo.test"])
        gw.wait_sink(1)

        with open(gw.path("mxpulse.conf"), "w") as f:
            f.write(good.replace('level = "debug"', 'level = "info"'))
        loads = len(gw.events("config.loaded"))
        gw.mxpulse.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: len(gw.events("config.loaded")) > loads, 10, "config.loaded after SIGHUP")
        self.assertEqual(gw.events("config.loaded")[-1]["reason"], "SIGHUP")
        text = self.scrape()
        self.assertIn("mxpulse_config_last_reload_successful 1\n", text)
        stamp = float(re.search(r"^mxpulse_config_last_reload_success_timestamp_seconds (\S+)$", text, re.M)[1])
        self.assertLess(abs(stamp - time.time()), 60)

        # `mxpulsectl reload` does the same over the control socket.
        p = gw.ctl("reload")
        self.assertIn("reloaded", p.stdout)

    def test_log_file_sink_is_reopened_on_sighup_for_logrotate(self):
        gw = self.gw
        logdir = gw.path("log")
        os.makedirs(logdir)
        os.chmod(logdir, 0o777)  # mxpulse runs as nobody and creates the file anew after rotation
        logfile = os.path.join(logdir, "mxpulse.log")
        text = open(gw.path("mxpulse.conf")).read()
        with open(gw.path("mxpulse.conf"), "w") as f:
            f.write(text.replace('sink = "stderr"', 'sink = "file"\nfile = "%s"' % logfile))
        gw.mxpulse.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: os.path.exists(logfile) and "config.loaded" in open(logfile).read(), 10,
                         "config.loaded in the log file")

        def seen(path, mid):
            return any(json.loads(l).get("message_id") == mid for l in open(path) if l.strip())

        first = gw.send("alice@example.test", ["x@yahoo.test"], "before rotation")
        harness.wait_for(lambda: seen(logfile, first), 20, "message.seen in the log file")
        os.rename(logfile, logfile + ".1")  # what logrotate does, then it sends SIGHUP
        gw.mxpulse.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: os.path.exists(logfile), 10, "a new log file after SIGHUP")
        second = gw.send("alice@example.test", ["x@yahoo.test"], "after rotation")
        harness.wait_for(lambda: seen(logfile, second), 20, "message.seen in the new log file")
        self.assertFalse(seen(logfile, first))
        self.assertTrue(seen(logfile + ".1", first))
        self.assertFalse(seen(logfile + ".1", second))

        # A log file that cannot be opened refuses the reload and keeps the current output.
        with open(gw.path("mxpulse.conf"), "w") as f:
            f.write(text.replace('sink = "stderr"', 'sink = "file"\nfile = "%s/below"' % gw.path("mxpulse.conf")))
        gw.mxpulse.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: "config.rejected" in open(logfile).read(), 10, "config.rejected")
        rejected = [json.loads(l) for l in open(logfile) if "config.rejected" in l][-1]
        self.assertIn("log.file", rejected["error"])
        self.assertIsNone(gw.mxpulse.poll(), "mxpulse kept running")

    def test_control_socket_errors_are_clear(self):
        gw = self.gw
        # Garbage on the socket gets a JSON error, and the daemon keeps serving.
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(gw.control_socket)
            s.sendall(b"\x00\xff\x01 junk\n")
            reply = json.loads(s.makefile().readline())
        self.assertFalse(reply["ok"])
        self.assertIn("non-ASCII", reply["error"])
        # An over-long request is refused and counted.
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(gw.control_socket)
            s.sendall(b"status " + b"x" * 10000 + b"\n")
            reply = json.loads(s.makefile().readline())
        self.assertFalse(reply["ok"])
        self.assertEqual(gw.ctl_json("status")["limits_hit"]["control_request_bytes"], 1)
        # An unknown command names itself.
        p = gw.ctl("call", "frobnicate", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn('unknown command "frobnicate"', p.stderr)

    def test_permission_denied_and_daemon_down_are_told_apart(self):
        gw = self.gw
        # The socket is nobody:nogroup 0660; user postfix is in neither.
        import shutil
        ctl = gw.path("mxpulsectl")
        shutil.copy(harness.MXPULSECTL, ctl)
        os.chmod(ctl, 0o755)
        p = subprocess.run(["setpriv", "--reuid", "postfix", "--regid", "postfix", "--clear-groups",
                            ctl, "-s", gw.control_socket, "status"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn("permission denied", p.stderr)

        self.assertEqual(gw.stop_mxpulse(), 0)
        p = gw.ctl("status", check=False)
        self.assertEqual(p.returncode, 69)
        self.assertIn("not running", p.stderr)

    def test_sigterm_finishes_the_message_in_flight(self):
        gw = self.gw
        # Open an SMTP transaction, stop mxpulse mid-message, then finish the message.
        import smtplib
        s = smtplib.SMTP("127.0.0.1", gw.smtpd_port, timeout=30)
        s.ehlo()
        s.mail("alice@example.test")
        s.rcpt("inflight@yahoo.test")
        s.putcmd("data")
        self.assertEqual(s.getreply()[0], 354)
        s.send(b"Subject: in flight\r\nMessage-ID: <inflight@example.test>\r\n\r\nbody\r\n")
        gw.mxpulse.send_signal(signal.SIGTERM)
        harness.wait_for(lambda: gw.events("daemon.stopping"), 10, "daemon.stopping")
        self.assertIsNone(gw.mxpulse.poll(), "mxpulse waits for the open session")
        s.send(b".\r\n")
        code, _ = s.getreply()
        s.quit()
        self.assertEqual(code, 250)
        harness.wait_for(lambda: gw.mxpulse.poll() is not None, 20, "mxpulse to exit")
        self.assertEqual(gw.mxpulse.returncode, 0)
        seen = [e for e in gw.events("message.seen") if e.get("message_id") == "<inflight@example.test>"]
        self.assertEqual(len(seen), 1)
        self.assertEqual(gw.events("daemon.stopped")[0]["abandoned_sessions"], 0)
        gw.wait_sink(1)


if __name__ == "__main__":
    unittest.main()
