"""End to end through Postfix: every returning NDR kept in the on-disk evidence store, a bundle
that lists all 300 failures or says exactly what it lacks, the originals' Received chain and
sending IP, "not evaluated" authentication, and eml/mbox exports that parse again."""

import email
import json
import email.policy
import mailbox
import os
import re
import time
import unittest

import harness

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "bounces")
DOMAINS = ("yahoo.com", "aol.com", "btinternet.com")
PROVIDERS = """\
[providers]
yahoo = ["yahoo.com", "aol.com", "btinternet.com"]
"""


def require_root():
    """Skips loudly when not root: a private Postfix instance needs it."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("SKIPPED LOUDLY: the Postfix integration tests must run as root")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def socketerror_ndrs(count, tag):
    """Returns (sender, recipients, raw) of count M365 SocketError NDRs, one recipient each, spread
    over Yahoo, AOL and BT, each with its own NDR and original Message-ID."""
    base = fixture("m365-socketerror-received.eml")
    out = []
    for i in range(count):
        rcpt = "u%s%03d@%s" % (tag, i, DOMAINS[i % 3])
        text = base.replace("usuario@yahoo.com", rcpt)
        text = text.replace("<original-m365-socketerror-received@", "<orig-%s%03d@" % (tag, i))
        text = text.replace("<ndr-m365-socketerror-received@", "<ndr-%s%03d@" % (tag, i))
        raw = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        out.append(("", ["sender@contoso.example"], raw))
    return out


def wait_kept(gw, name, failed, timeout=120):
    """Waits until the bundle of name shows that many failed recipients; returns it."""
    last = {}

    def ready():
        nonlocal last
        last = gw.ctl_json("evidence", "--provider", name, "--no-dns", check=False) or {}
        return last.get("kept", {}).get("shown_failed", 0) >= failed

    harness.wait_for(ready, timeout, "%d kept failures for %s" % (failed, name))
    return last


class EvidenceStore(unittest.TestCase):
    """300 NDRs through Postfix; the tests run in name order and build on each other."""

    @classmethod
    def setUpClass(cls):
        require_root()
        cls.gw = harness.Gateway(socket_kind="unix", extra_config=PROVIDERS)
        cls.gw.start()
        cls.gw.send_many(socketerror_ndrs(300, "a"), sessions=4)
        cls.bundle = wait_kept(cls.gw, "yahoo", 300)

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def test_1_all_300_failures_listed(self):
        b = self.bundle
        self.assertEqual(b["scope"], "provider")
        self.assertEqual(b["kept"]["shown_failed"], 300)
        self.assertEqual(b["kept"]["counted_failed"], 300)
        self.assertEqual(b["kept"]["lost_failed"], 0)
        self.assertTrue(b["kept"]["complete"])
        self.assertTrue(b["kept"]["note"].startswith("showing 300 of 300 failed recipients"), b["kept"]["note"])
        self.assertEqual(len(b["ndrs"]), 300)
        self.assertEqual(sum(len(v) for v in b["affected_recipients"].values()), 300)
        self.assertEqual(sorted(b["affected_recipients"]), sorted(DOMAINS))
        self.assertEqual(len(b["message_ids"]["originals"]), 300)
        first = min(n["seen_at_utc"] for n in b["ndrs"])
        self.assertEqual(b["first_seen_utc"], first)
        causes = {c["cause"]: c["count"] for c in b["kept_by_cause"]}
        self.assertEqual(causes, {"550 5.4.300 Message expired <- 421 4.4.2 Connection dropped due to SocketError": 300})
        text = self.gw.ctl("evidence", "--provider", "yahoo", "--no-dns").stdout
        self.assertIn("Every failure (300 failed, 0 delayed)", text)
        for i in range(300):
            self.assertIn("u%s%03d@%s" % ("a", i, DOMAINS[i % 3]), text)
        self.assertEqual(len(os.listdir(self.gw.path("evidence"))), 301)  # 300 files and damaged/

    def test_2_attempts_and_original_received_chain(self):
        n = self.bundle["ndrs"][0]
        k = n["recipients"][0]
        self.assertEqual([(a["server"], a["ip"]) for a in k["attempts"]],
                         [("mta5.am0.yahoodns.net", "198.51.100.45"), ("mta6.am0.yahoodns.net", "198.51.100.46")])
        o = n["original"]
        self.assertTrue(o["present"])
        self.assertEqual(len(o["received"]), 4)
        self.assertEqual([h["ip"] for h in o["hops"]][2:], ["203.0.113.25", "192.168.10.17"])
        self.assertIn("db8eur05ft012.mail.protection.outlook.com", self.bundle["m365_hosts"])
        self.assertEqual(o["sent_at"], "2025-09-15T01:59:00+00:00")
        text = self.gw.ctl("evidence", "aol.com", "--no-dns").stdout
        self.assertIn("Received: from mail.contoso.example (203.0.113.25) by "
                      "DB8EUR05FT012.mail.protection.outlook.com (10.47.1.12)", text)
        self.assertIn("Attempt 2025-09-16T02:03:41", text)

    def test_3_sending_ip_from_the_remote_servers_received(self):
        gw = self.gw
        raw = fixture("yahoo-received-from-m365.eml").replace("\n", "\r\n").encode()
        gw.send_many([("", ["sender@contoso.example"], raw)], sessions=1)
        b = wait_kept(gw, "yahoo", 301)
        self.assertEqual(b["sending_ips"], ["40.107.92.59"])
        text = gw.ctl("evidence", "--provider", "yahoo", "--no-dns").stdout
        self.assertIn("Sending IPs seen by the remote servers: 40.107.92.59", text)

    def test_4_auth_not_evaluated_without_outbound_mail(self):
        b = self.gw.ctl_json("evidence", "--provider", "yahoo", "--no-dns")
        self.assertEqual(list(b["outbound_auth"]), ["contoso.example"])
        self.assertFalse(b["outbound_auth"]["contoso.example"]["evaluated"])
        text = self.gw.ctl("evidence", "--provider", "yahoo", "--no-dns").stdout
        self.assertIn("contoso.example: not evaluated", text)
        auth = text[text.index("Outbound authentication"):]
        self.assertNotIn("%", auth.split("\n\n")[0])

    def test_5_mbox_and_eml_exports_parse_again(self):
        gw = self.gw
        box = gw.path("export.mbox")
        gw.ctl("evidence", "--provider", "yahoo", "--format", "mbox", "--output", box)
        msgs = list(mailbox.mbox(box))
        self.assertEqual(len(msgs), 301)
        ids = sorted(m["Message-ID"] for m in msgs)
        self.assertEqual(len(set(ids)), 301)
        self.assertTrue(all(m.get_content_type() == "multipart/report" for m in msgs))
        analyzed = gw.ctl("--json", "analyze", box).stdout
        # analyze reads a bounded number of messages per mbox; every one it read is a bounce
        lines = [json.loads(l) for l in analyzed.splitlines() if l.strip()]
        self.assertGreater(len(lines), 0)
        self.assertTrue(all(l["is_bounce"] and l["status"] in ("5.4.300", "5.1.1") for l in lines), analyzed[:500])
        out = gw.path("eml")
        gw.ctl("evidence", "--provider", "yahoo", "--format", "eml", "--output", out)
        files = sorted(os.listdir(out))
        self.assertEqual(len(files), 301)
        with open(os.path.join(out, files[0]), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        self.assertEqual(m["X-Mxpulse-Evidence"].split(";")[0], "whole")
        self.assertTrue(m["Message-ID"].startswith("<ndr-a"))
        parts = [p.get_content_type() for p in m.walk()]
        self.assertIn("message/delivery-status", parts)
        self.assertIn("text/rfc822-headers", parts)


class EvidenceBounds(unittest.TestCase):
    """A store bounded to 100 NDRs receives 150: the bundle says exactly what it lacks."""

    @classmethod
    def setUpClass(cls):
        require_root()
        cls.gw = harness.Gateway(socket_kind="unix", extra_config=PROVIDERS + """
[evidence]
max_count = 100
""")
        cls.gw.start()
        cls.gw.send_many(socketerror_ndrs(150, "b"), sessions=4)

        def counted():
            p = cls.gw.ctl_json("provider", "yahoo", check=False) or {}
            return p.get("windows", {}).get("total", {}).get("failed", 0) >= 150

        harness.wait_for(counted, 120, "150 failures counted")
        cls.bundle = wait_kept(cls.gw, "yahoo", 100)

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def test_says_what_was_removed(self):
        k = self.bundle["kept"]
        self.assertEqual(k["shown_failed"], 100)
        self.assertEqual(k["counted_failed"], 150)
        self.assertEqual(k["lost_failed"], 50)
        self.assertFalse(k["complete"])
        self.assertRegex(k["note"], r"^showing 100 of 150 failed recipients; oldest kept \S+; 50 removed "
                                    r"by the store's bounds or refused \(newest removed \S+\)$")
        self.assertEqual(sum(len(v) for v in self.bundle["affected_recipients"].values()), 100)
        limits = [e for e in self.gw.events("limit.hit") if e["limit"] == "evidence_count"]
        self.assertGreaterEqual(len(limits), 1)
        status = self.gw.ctl_json("status")
        self.assertEqual(status["limits_hit"]["evidence_count"], 50)


if __name__ == "__main__":
    unittest.main()
