"""End to end: Postfix's own log followed by mxpulse. A destination whose server answers 421
[TSS04] for a while and then accepts: deferrals counted per domain and provider with their reason,
the trace of one message from the milter to its final delivery, rotation mid-stream with no line
lost or counted twice, and a restart that resumes at the saved offset."""

import bz2
import grp
import gzip
import lzma
import os
import pwd
import re
import socket
import subprocess
import threading
import time
import unittest

import harness

TSS04 = ("421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected "
         "volume or user complaints - 4.16.55.1; see https://postmaster.example/error-codes")


class ThrottlingSink:
    """An SMTP server on loopback that answers MAIL FROM with Yahoo's 421 [TSS04] while
    `deferring` is set, and accepts (discarding) the message otherwise."""

    def __init__(self):
        self.port = harness.free_port()
        self.deferring = threading.Event()
        self.deferring.set()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        with conn, conn.makefile("rb") as rf:
            conn.sendall(b"220 mx.yahoo.test ESMTP\r\n")
            in_data = False
            for raw in rf:
                line = raw.decode("latin-1").rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        conn.sendall(b"250 2.0.0 ok dirdel\r\n")
                    continue
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    conn.sendall(b"250 mx.yahoo.test\r\n")
                elif verb == "MAIL" and self.deferring.is_set():
                    conn.sendall((TSS04 + "\r\n").encode())
                    return
                elif verb == "DATA":
                    in_data = True
                    conn.sendall(b"354 go ahead\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self):
        self.server.close()


def lines_of(paths, pattern):
    """Returns the lines of the files matching a regular expression (`postfix logrotate`
    compresses the rotated file with maillog_file_compressor: read it through that)."""
    opener = {".gz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}
    out = []
    for p in paths:
        with opener.get(os.path.splitext(p)[1], open)(p, "rt", errors="replace") as f:
            out += [l for l in f if re.search(pattern, l)]
    return out


class PostfixLogTest(unittest.TestCase):
    def setUp(self):
        self.sink = ThrottlingSink()
        self.gw = harness.Gateway(transports=["yahoo.test=smtp:[127.0.0.1]:%d" % self.sink.port])
        self.maillog = self.gw.path("maillog")
        self.gw.extra_config = """
[postfix_log]
path = "%s"
kind = "maillog_file"

[providers]
yahoo = ["yahoo.test"]
""" % self.maillog
        self.gw.start()
        # The daemon runs as nobody: its state directory is its own, as in a packaged install
        # (the position in Postfix's log is saved beside the state file).
        os.chown(self.gw.dir, pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
        harness.wait_for(lambda: os.path.exists(self.maillog), 20, "postlogd to write the maillog")
        self.readable()

    def tearDown(self):
        self.gw.stop()
        self.sink.close()

    def readable(self):
        """Lets mxpulse (user nobody) read the maillog postlogd writes for root."""
        os.chmod(self.maillog, 0o644)

    def deliveries(self, domain):
        d = self.gw.ctl_json("domain", domain, check=False)
        return (d or {}).get("deliveries")

    def wait_deferred(self, domain, n):
        return harness.wait_for(
            lambda: (self.deliveries(domain) or {}).get("deferred", {}).get("total", 0) >= n and
            self.deliveries(domain), 60, "%d deferrals to %s" % (n, domain))

    def rotated_files(self):
        d = self.gw.dir
        return [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.startswith("maillog.")]

    def test_deferred_then_delivered(self):
        # The log could not be read at start (it did not exist): a clear error, mail still flows.
        errors = self.gw.events("postfix_log.error")
        self.assertTrue(errors, self.gw.log_text()[-2000:])
        self.assertEqual(errors[0]["path"], self.maillog)

        mid = self.gw.send("alice@example.test", ["ann@yahoo.test"], subject="throttled")
        d = self.wait_deferred("yahoo.test", 2)
        self.assertEqual(d["provider"], "yahoo")
        self.assertGreaterEqual(d["patterns"].get("yahoo-tss04", 0), 2, d)
        self.assertTrue(d["reasons"], d)
        self.assertIn("[TSS04]", d["last_reply"])
        p = self.gw.ctl_json("provider", "yahoo")["deliveries"]
        self.assertGreaterEqual(p["deferred"]["total"], 2)
        self.assertIn("yahoo.test", p["domains"])

        # Rotation mid-stream, while Postfix keeps deferring: nothing lost, nothing twice.
        harness.run(["postfix", "-c", self.gw.path("postfix"), "logrotate"])
        harness.wait_for(lambda: os.path.exists(self.maillog), 20, "the new maillog")
        self.readable()
        self.wait_deferred("yahoo.test", d["deferred"]["total"] + 2)

        self.sink.deferring.clear()
        trace = harness.wait_for(
            lambda: (lambda t: t if t and t["messages"][0]["final_state"] == "sent" else None)(
                self.gw.ctl_json("trace", mid, check=False)), 60, "the message to be delivered")
        m = trace["messages"][0]
        print("\n--- mxpulsectl --json trace %s ---\n%s" % (mid, self.gw.ctl("--json", "trace", mid).stdout))
        self.assertEqual(m["message_id"], mid)
        self.assertEqual(m["milter"]["direction"], "outbound")
        self.assertEqual(m["sender"], "alice@example.test")
        statuses = [a["status"] for a in m["attempts"]]
        self.assertEqual(statuses[-1], "sent")
        self.assertGreaterEqual(statuses.count("deferred"), 4)
        self.assertTrue(all(s == "deferred" for s in statuses[:-1]), statuses)
        first = m["attempts"][0]
        self.assertEqual(first["relay_ip"], "127.0.0.1")
        self.assertIn("yahoo-tss04", first["patterns"])
        self.assertTrue(first["time"].endswith("Z") or "+" in first["time"], first["time"])

        files = self.rotated_files() + [self.maillog]
        self.assertGreaterEqual(len(files), 2, files)
        logged = lines_of(files, r"to=<ann@yahoo\.test>.*status=deferred")
        harness.wait_for(lambda: self.deliveries("yahoo.test")["sent"]["total"] == 1, 10, "sent")
        d = self.deliveries("yahoo.test")
        self.assertEqual(d["deferred"]["total"], len(logged))
        self.assertEqual(d["sent"]["total"], 1)
        self.assertTrue(self.gw.events("postfix_log.rotated"))

    def test_restart_resumes_at_the_saved_offset(self):
        first = self.gw.send("alice@example.test", ["bob@yahoo.test"], subject="before")
        self.wait_deferred("yahoo.test", 2)
        self.assertEqual(self.gw.stop_mxpulse(), 0)
        with open(self.gw.path("state.cbor.postfix-log")) as f:
            inode, offset = (int(x) for x in f.read().split())
        self.assertEqual(inode, os.stat(self.maillog).st_ino)
        time.sleep(3)  # Postfix defers again while mxpulse is down
        self.sink.deferring.clear()
        harness.wait_for(lambda: lines_of([self.maillog], r"to=<bob@yahoo\.test>.*status=sent"), 60,
                         "delivery while mxpulse is down")
        self.gw.start_mxpulse()
        harness.wait_for(lambda: (self.deliveries("yahoo.test") or {}).get("sent", {}).get("total") == 1,
                         30, "the sent line read after the restart")
        with open(self.maillog, "rb") as f:
            f.seek(offset)
            after = f.read().decode(errors="replace").splitlines()
        deferred_after = [l for l in after if re.search(r"to=<bob@yahoo\.test>.*status=deferred", l)]
        d = self.deliveries("yahoo.test")
        self.assertEqual(d["deferred"]["total"], len(deferred_after))
        following = self.gw.events("postfix_log.following")
        self.assertEqual(following[-1]["offset"], offset)
        trace = self.gw.ctl_json("trace", "bob@yahoo.test")
        self.assertEqual(trace["messages"][0]["final_state"], "sent")
        # Its cleanup line lies before the saved offset: not read again.
        self.assertEqual(trace["messages"][0]["message_id"], "", first)


class SyslogWrittenTest(unittest.TestCase):
    """The same log written by syslog: Postfix logs through syslog(3) to a private rsyslogd,
    which writes mail lines in its high-precision ISO 8601 format (Debian's /var/log/mail.log);
    mxpulse follows that file with kind = "syslog"."""

    def setUp(self):
        self.sink = ThrottlingSink()
        self.gw = harness.Gateway(transports=["yahoo.test=smtp:[127.0.0.1]:%d" % self.sink.port],
                                  syslog=True)
        self.addCleanup(self.sink.close)
        self.addCleanup(self.gw.stop)
        self.maillog = self.gw.path("maillog")
        self.gw.extra_config = """
[postfix_log]
path = "%s"
kind = "syslog"

[providers]
yahoo = ["yahoo.test"]
""" % self.maillog
        self.gw.start()
        os.chown(self.gw.dir, pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)

    def test_deferred_then_delivered_from_syslog(self):
        mid = self.gw.send("alice@example.test", ["cy@yahoo.test"], subject="throttled, syslog")
        deferred = harness.wait_for(
            lambda: (lambda d: d if d and d.get("deferred", {}).get("total", 0) >= 2 else None)(
                (self.gw.ctl_json("domain", "yahoo.test", check=False) or {}).get("deliveries")),
            60, "2 deferrals read from the syslog file")
        self.assertEqual(deferred["provider"], "yahoo")
        self.assertGreaterEqual(deferred["patterns"].get("yahoo-tss04", 0), 2, deferred)
        with open(self.maillog, errors="replace") as f:
            lines = f.read().splitlines()
        # Written by rsyslog, not postlogd: every line opens with an ISO 8601 time and its zone.
        self.assertTrue(lines)
        iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d \S+ postfix/")
        self.assertEqual([l for l in lines if not iso.match(l)], [])

        self.sink.deferring.clear()
        trace = harness.wait_for(
            lambda: (lambda t: t if t and t["messages"][0]["final_state"] == "sent" else None)(
                self.gw.ctl_json("trace", mid, check=False)), 60, "the message to be delivered")
        m = trace["messages"][0]
        self.assertEqual(m["message_id"], mid)
        self.assertEqual(m["milter"]["direction"], "outbound")
        statuses = [a["status"] for a in m["attempts"]]
        self.assertEqual(statuses[-1], "sent")
        self.assertTrue(all(s == "deferred" for s in statuses[:-1]), statuses)
        logged = lines_of([self.maillog], r"to=<cy@yahoo\.test>.*status=deferred")
        self.assertEqual(statuses.count("deferred"), len(logged))


if __name__ == "__main__":
    unittest.main()
