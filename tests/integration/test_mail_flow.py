"""End to end: real mail through a private Postfix and mxpulse, over a unix and an inet milter socket."""

import os
import re
import unittest

import harness


def require_root(test):
    """Skips loudly when not root: a private Postfix instance needs it."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("SKIPPED LOUDLY: the Postfix integration tests must run as root")


class MailFlow:
    """The same scenario for each socket kind; subclasses set SOCKET."""

    SOCKET = "unix"

    @classmethod
    def setUpClass(cls):
        require_root(cls)
        cls.gw = harness.Gateway(socket_kind=cls.SOCKET).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def test_every_message_arrives_is_logged_with_its_queue_id_and_counted(self):
        gw = self.gw
        before = gw.ctl_json("status")["messages"]
        outbound = [gw.send("alice@example.test", ["u%d@yahoo.test" % i, "v%d@aol.test" % i], "out %d" % i)
                    for i in range(3)]
        inbound = [gw.send("bob@remote.test", ["alice@example.test"], "in %d" % i, source="127.0.0.2")
                   for i in range(2)]
        # Addressed to a domain whose transport fails: Postfix generates a bounce to alice.
        bounced = gw.send("alice@example.test", ["nobody@bounce.test"], "will bounce")
        gw.smtp_source(10, 2, "carol@example.test", "dave@btinternet.test")

        # 3 + 2 + 10 relayed, plus the bounce Postfix generated for the 4th message.
        sink = gw.wait_sink(16)
        self.assertEqual(len(sink), 16)
        # smtp-sink creates a file before it has written it: wait until the bounce is complete.
        bounce = harness.wait_for(
            lambda: [m for m in gw.sink_messages()
                     if "Undelivered Mail Returned to Sender" in m and "nobody@bounce.test" in m], 30,
            "the complete bounce at the sink")
        sink = gw.sink_messages()
        self.assertEqual(len(sink), 16)
        self.assertEqual(sum("X-Rcpt-Args: <nobody@bounce.test>" in m for m in sink), 0)
        self.assertEqual(len(bounce), 1, "exactly one bounce reached the sink")

        # mxpulse saw 16 submitted messages plus the bounce.
        harness.wait_for(lambda: len(gw.events("message.seen")) >= 17, 10, "17 message.seen events")
        seen = gw.events("message.seen")
        qids = gw.queue_ids_by_message_id()
        by_mid = {e["message_id"]: e for e in seen if e.get("message_id")}
        for mid in outbound + [bounced]:
            self.assertIn(mid, by_mid, "mxpulse logged %s" % mid)
            self.assertEqual(by_mid[mid]["queue_id"], qids[mid])
            self.assertEqual(by_mid[mid]["direction"], "outbound")
        for mid in inbound:
            self.assertEqual(by_mid[mid]["queue_id"], qids[mid])
            self.assertEqual(by_mid[mid]["direction"], "other")
        self.assertEqual(by_mid[outbound[0]]["rcpt_domains"], "yahoo.test,aol.test")
        self.assertEqual(by_mid[outbound[0]]["rcpt_count"], 2)

        # The bounce Postfix generated passed through the milter (internal_mail_filter_classes).
        dsn = [e for e in seen if e["direction"] == "returning_dsn"]
        self.assertEqual(len(dsn), 1)
        notice = re.search(r"postfix/bounce\[\d+\]: %s: sender non-delivery notification: (\w+)"
                           % qids[bounced], gw.maillog())
        self.assertIsNotNone(notice, "Postfix logged the non-delivery notification")
        self.assertEqual(dsn[0]["queue_id"], notice.group(1))
        self.assertEqual(dsn[0]["sender"], "")

        # Every message event carries a real queue id.
        for e in seen:
            self.assertRegex(e["queue_id"], r"^[0-9A-Za-z]{6,}$")

        after = gw.ctl_json("status")["messages"]
        self.assertEqual(after["outbound"] - before["outbound"], 3 + 1 + 10)
        self.assertEqual(after["other"] - before["other"], 2)
        self.assertEqual(after["returning_dsn"] - before["returning_dsn"], 1)
        self.assertEqual(after["total"] - before["total"], 17)
        self.assertEqual(len(seen), 17)

    def test_daemon_runs_as_the_configured_user(self):
        with open(self.gw.path("run", "mxpulse.pid")) as f:
            pid = int(f.read())
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        uid = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.M)
        import pwd
        self.assertEqual(int(uid.group(1)), pwd.getpwnam("nobody").pw_uid)
        self.assertEqual(int(uid.group(2)), pwd.getpwnam("nobody").pw_uid)


class UnixSocket(MailFlow, unittest.TestCase):
    SOCKET = "unix"


class InetSocket(MailFlow, unittest.TestCase):
    SOCKET = "inet"


if __name__ == "__main__":
    unittest.main()
