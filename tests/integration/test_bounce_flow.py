"""End to end: outbound mail counted per destination, returning NDRs tagged and correlated, the
control commands, access control, the Prometheus endpoint, and counters surviving a restart."""

import os
import re
import smtplib
import socket
import subprocess
import time
import unittest
import urllib.request

import harness

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "bounces")

# A Postfix-style RFC 3464 report, as found in bounce corpora; filled in per recipient.
POSTFIX_DSN = """\
From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)
To: {sender}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 07:00:00 +0000
Message-ID: <{ndr_id}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain

This is the mail system at host mx.remote.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test
Arrival-Date: Mon, 23 Nov 2026 06:59:00 +0000

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; {remote}
Diagnostic-Code: smtp; {diag}
Last-Attempt-Date: Mon, 23 Nov 2026 06:59:30 +0000

--B0UND
Content-Type: text/rfc822-headers

From: Alice <{sender}>
To: {rcpt}
Subject: out
Message-ID: {orig}

--B0UND--
"""

ACL_READ_UID = 12346
ACL_DENIED_UID = 12345
ACL_ADMIN_GID = 12347


def require_root():
    """Skips loudly when not root: a private Postfix instance needs it."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("SKIPPED LOUDLY: the Postfix integration tests must run as root")


def fixture_ndr(name, rcpt, original_id, ndr_id):
    """Returns a fixture NDR rewritten for one recipient and the Message-ID of a real original."""
    with open(os.path.join(FIXTURES, name), "rb") as f:
        text = f.read().decode("utf-8")
    text = text.replace("usuario@yahoo.com", rcpt)
    text = re.sub(r"(?m)^Message-ID: <original-[^>]*>", "Message-ID: " + original_id, text)
    text = re.sub(r"(?m)^Message-ID: <ndr-[^>]*>", "Message-ID: <%s>" % ndr_id, text)
    return text


def send_raw(gw, rcpt, text, source="127.0.0.2"):
    """Sends a raw message with the null sender from an outside address."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    with smtplib.SMTP("127.0.0.1", gw.smtpd_port, source_address=(source, 0), timeout=30) as s:
        s.sendmail("", [rcpt], data)


def header_fields(value):
    """Parses an X-MXPulse-Bounce value into (domain, {key: [values]})."""
    parts = [p.strip() for p in value.split(";")]
    fields = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        fields.setdefault(k, []).append(v)
    return parts[0], fields


class BounceFlow(unittest.TestCase):
    """One gateway for the whole scenario; tests run in name order and build on each other."""

    @classmethod
    def setUpClass(cls):
        require_root()
        cls.metrics_port = harness.free_port()
        extra = """\
socket_mode = "0666"
allow_users = ["{read}"]
admin_group = "{admin}"

[stats]
state_file = "{{state}}"
snapshot_interval = "1h"

[providers]
yahoo = ["yahoo.com", "aol.com"]

[metrics]
listen = "127.0.0.1:{port}"
top_destinations = 3
max_clients = 2
""".format(read=ACL_READ_UID, admin=ACL_ADMIN_GID, port=cls.metrics_port)
        cls.gw = harness.Gateway(socket_kind="unix")
        cls.gw.extra_config = extra.replace("{state}", cls.gw.path("state", "state.cbor"))
        cls.gw.start()
        cls.ids = {}

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def test_1_outbound_and_bounces_are_tagged(self):
        gw = self.gw
        ids = self.ids
        ids["A"] = gw.send("alice@example.test", ["u1@yahoo.com", "u2@yahoo.com", "v1@aol.com"], "A")
        ids["B"] = gw.send("alice@example.test", ["u3@yahoo.com", "w1@sky.com"], "B")
        ids["C"] = gw.send("alice@example.test", ["x1@btinternet.com"], "C")
        gw.wait_sink(3)

        send_raw(gw, "alice@example.test",
                 fixture_ndr("m365-diag-arrow-ascii.eml", "u1@yahoo.com", ids["A"], "ndr1@contoso.example"))
        send_raw(gw, "alice@example.test",
                 fixture_ndr("m365-separate-fields.eml", "v1@aol.com", ids["A"], "ndr2@contoso.example"))
        send_raw(gw, "alice@example.test", POSTFIX_DSN.format(
            sender="alice@example.test", ndr_id="ndr3@mx.remote.test", rcpt="w1@sky.com",
            action="failed", status="5.1.1", remote="mx.sky.com",
            diag="550 5.1.1 <w1@sky.com>: Recipient address rejected: User unknown",
            orig=ids["B"]))
        send_raw(gw, "alice@example.test", POSTFIX_DSN.format(
            sender="alice@example.test", ndr_id="ndr4@mx.remote.test", rcpt="x1@btinternet.com",
            action="delayed", status="4.4.7", remote="mx.btinternet.com",
            diag="451 4.4.7 Temporary failure, please try again later",
            orig=ids["C"]))
        gw.wait_sink(7)

        def complete_ndrs():
            """Maps each NDR that smtp-sink has written out in full to its tag headers."""
            out = {}
            for m in gw.sink_messages():
                ndr = re.search(r"(?m)^Message-ID: <(ndr\d)@", m)
                if ndr and re.search(r"(?m)^--(B0UND|b1_ndr)--", m):
                    out[ndr.group(1)] = re.findall(r"(?m)^X-MXPulse-Bounce: (.*)$", m)
            return out

        # smtp-sink creates a file before it has written all of it: wait for complete ones.
        harness.wait_for(lambda: len(complete_ndrs()) >= 4, 30, "4 complete NDRs at the sink")
        tagged = complete_ndrs()
        self.assertEqual(sorted(tagged), ["ndr1", "ndr2", "ndr3", "ndr4"])
        for key in tagged:
            self.assertEqual(len(tagged[key]), 1, "one header per failed or delayed recipient: %s %s" % (key, tagged))

        domain, f = header_fields(tagged["ndr1"][0])
        self.assertEqual(domain, "yahoo.com")
        self.assertEqual(f["status"], ["5.4.300"])
        self.assertEqual(f["cause"], ["4.4.2"])
        self.assertEqual(f["reason"], ["expired"])
        self.assertIn("m365-socketerror", f["pattern"])
        self.assertEqual(f["remote-mta"], ["mx-eu.mail.yahoo.com"])
        domain, f = header_fields(tagged["ndr2"][0])
        self.assertEqual(domain, "aol.com")
        self.assertEqual(f["cause"], ["4.4.2"])
        domain, f = header_fields(tagged["ndr3"][0])
        self.assertEqual(domain, "sky.com")
        self.assertEqual(f["status"], ["5.1.1"])
        self.assertEqual(f["remote-mta"], ["mx.sky.com"])
        self.assertNotIn("cause", f)
        domain, f = header_fields(tagged["ndr4"][0])
        self.assertEqual(domain, "btinternet.com")
        self.assertEqual(f["action"], ["delayed"])
        harness.wait_for(lambda: len(gw.events("bounce.tagged")) >= 4, 10, "4 bounce.tagged events")

    def expected_rows(self):
        """The numbers that were sent: outbound, failed, delayed per destination."""
        return {"yahoo.com": (3, 1, 0), "aol.com": (1, 1, 0), "sky.com": (1, 1, 0),
                "btinternet.com": (1, 0, 1)}

    def assert_counts(self):
        """Asserts that top and domain report exactly the numbers that were sent."""
        gw = self.gw
        top = gw.ctl_json("top", "50", "--by", "outbound", "--window", "total")
        rows = {r["domain"]: (r["outbound_rcpts"], r["failed"], r["delayed"]) for r in top["rows"]}
        self.assertEqual(rows, self.expected_rows())
        self.assertEqual(top["rows"][0]["domain"], "yahoo.com")
        top15 = gw.ctl_json("top", "--window", "15m")
        self.assertEqual(top15["rows"][0]["failed"], 1)
        for name, (out, failed, delayed) in self.expected_rows().items():
            d = gw.ctl_json("domain", name)
            self.assertEqual(d["windows"]["total"]["outbound_rcpts"], out, name)
            self.assertEqual(d["windows"]["total"]["failed"], failed, name)
            self.assertEqual(d["windows"]["total"]["delayed"], delayed, name)
        y = gw.ctl_json("domain", "yahoo.com")
        self.assertEqual(y["provider"], "yahoo")
        self.assertEqual(y["statuses"][0]["status"], "5.4.300")
        self.assertEqual(y["patterns"].get("m365-socketerror"), 1)
        p = gw.ctl_json("provider", "yahoo")
        self.assertEqual(p["domains"], ["aol.com", "yahoo.com"])
        self.assertEqual(p["windows"]["total"]["outbound_rcpts"], 4)
        self.assertEqual(p["windows"]["total"]["failed"], 2)
        prov = gw.ctl_json("top", "--scope", "provider", "--window", "total")
        self.assertEqual(prov["rows"][0]["provider"], "yahoo")

    def test_2_top_and_domain_report_exactly_what_was_sent(self):
        self.assert_counts()
        text = self.gw.ctl("top", "--window", "total").stdout
        # DOMAIN PROVIDER OUTBOUND FAILED DELAYED PATTERNS RATE UNMATCHED: the one failure is of a
        # recipient sent (A's u1@yahoo.com), so it is in the rate (1 of 3) and none is unmatched.
        self.assertRegex(text, r"(?m)^yahoo\.com\s+yahoo\s+3\s+1\s+0\s+\d+\s+33\.3%\s+0$")
        self.assertIn("5.4.300", self.gw.ctl("domain", "yahoo.com").stdout)

    def test_3_bounces_are_linked_to_their_originals(self):
        y = self.gw.ctl_json("domain", "yahoo.com")
        sample = y["samples"][-1]
        self.assertEqual(sample["original_message_id"], self.ids["A"])
        self.assertGreaterEqual(sample["time_to_bounce_s"], 0)
        self.assertLess(sample["time_to_bounce_s"], 600)
        self.assertEqual(sample["original_sender"], "alice@example.test")
        self.assertEqual(sample["bounce_message_id"], "<ndr1@contoso.example>")
        tagged = [e for e in self.gw.events("bounce.tagged") if e["domain"] == "yahoo.com"]
        self.assertGreaterEqual(int(tagged[0]["time_to_bounce_s"]), 0)

    def test_4_evidence_bundle(self):
        gw = self.gw
        b = gw.ctl_json("evidence", "yahoo")
        self.assertEqual(b["scope"], "provider")
        self.assertEqual(b["affected_recipients"], {"aol.com": ["v1@aol.com"], "yahoo.com": ["u1@yahoo.com"]})
        self.assertEqual(sorted(b["message_ids"]["originals"]), [self.ids["A"]])
        self.assertEqual(sorted(b["message_ids"]["bounces"]),
                         ["<ndr1@contoso.example>", "<ndr2@contoso.example>"])
        self.assertIn("outbound_auth", b)
        self.assertIn("4.4.2", b["summary"])
        text = gw.ctl("evidence", "yahoo", "--since", "1h").stdout
        for want in ("Time window:", "Remote-MTA: mx-eu.mail.yahoo.com",
                     "Last-Attempt-Date: ", "Original Message-ID: " + self.ids["A"]):
            self.assertIn(want, text)
        csv = gw.ctl("evidence", "sky.com", "--format", "csv").stdout.strip().splitlines()
        self.assertEqual(len(csv), 2)
        self.assertIn("5.1.1", csv[1])

    def test_5_access_control(self):
        gw = self.gw
        p = gw.ctl("status", check=False, user=str(ACL_DENIED_UID))
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn("access denied: uid %d" % ACL_DENIED_UID, p.stderr)
        denied = [e for e in gw.events("control.denied") if int(e["uid"]) == ACL_DENIED_UID]
        self.assertEqual(denied[-1]["reason"], "peer not allowed")
        # An allowed user may read but not reset; the admin group may reset.
        p = gw.ctl("--json", "status", check=False, user=str(ACL_READ_UID))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = gw.ctl("reset", "nowhere.test", check=False, user=str(ACL_READ_UID))
        self.assertEqual(p.returncode, 1)
        self.assertIn("needs admin access", p.stderr)
        cmd = ["setpriv", "--reuid", str(ACL_DENIED_UID), "--regid", str(ACL_ADMIN_GID),
               "--clear-groups", harness.MXPULSECTL, "-s", gw.control_socket, "reset", "nowhere.test"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 destination(s) removed", p.stdout)
        # A supplementary group counts too (SO_PEERGROUPS): admin through the admin group.
        cmd = ["setpriv", "--reuid", str(ACL_DENIED_UID), "--regid", str(ACL_DENIED_UID),
               "--groups", "%d,%d" % (ACL_READ_UID, ACL_ADMIN_GID), harness.MXPULSECTL,
               "-s", gw.control_socket, "snapshot"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("state file written", p.stdout)

    def test_6_metrics_pass_promtool(self):
        url = "http://127.0.0.1:%d/metrics" % self.metrics_port
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            text = r.read().decode()
        check = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn('mxpulse_destination_outbound_recipients_total{destination="yahoo.com"} 3\n', text)
        self.assertIn('mxpulse_provider_failed_recipients_total{provider="yahoo"} 2\n', text)
        # top_destinations = 3: yahoo.com (4 in 24h), then aol.com, btinternet.com and sky.com (2
        # each, ties by name): sky.com folds into "other".
        self.assertNotIn('destination="sky.com"', text)
        self.assertIn('mxpulse_destination_failed_recipients_total{destination="other"} 1\n', text)
        self.assertIn('mxpulse_destination_delayed_recipients_total{destination="btinternet.com"} 1\n', text)
        self.assertIn('mxpulse_messages_total{direction="returning_dsn"} 4\n', text)
        self.assertRegex(text, r'\nmxpulse_build_info\{version="[0-9][^"]*"\} 1\n')
        self.assertIn('mxpulse_config_last_reload_successful 1\n', text)
        self.assertIn('mxpulse_destination_pattern_recipients_total{', text)
        self.assertIn('mxpulse_correlation_entries 3\n', text)
        # Outbound authentication per sender domain: messages A, B and C from example.test, unsigned,
        # SPF-aligned through the egress address.
        a = 'mxpulse_auth_results_total{sender_domain="example.test",method="%s",result="%s"} %d\n'
        self.assertIn(a % ("spf", "pass", 3), text)
        self.assertIn(a % ("dkim", "none", 3), text)
        self.assertIn(a % ("dmarc", "pass", 3), text)
        self.assertIn(a % ("dmarc", "fail", 0), text)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen("http://127.0.0.1:%d/nothing" % self.metrics_port, timeout=10)
        self.assertEqual(e.exception.code, 404)

    def metrics_raw(self, request):
        """Sends REQUEST to the metrics endpoint and returns all it answers before closing."""
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=10) as c:
            c.sendall(request)
            data = b""
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    return data
                data += chunk

    def test_6b_metrics_endpoint_is_bounded_and_answers_bad_requests(self):
        head = self.metrics_raw(b"HEAD /metrics HTTP/1.1\r\nHost: gw\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK\r\n"), head[:80])
        self.assertTrue(head.endswith(b"\r\n\r\n"), "HEAD has no body")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        self.assertGreater(length, 1000)
        post = self.metrics_raw(b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        self.assertTrue(post.startswith(b"HTTP/1.1 405 "), post[:80])
        self.assertIn(b"\r\nAllow: GET, HEAD\r\n", post)
        self.assertTrue(self.metrics_raw(b"hello there\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        big = b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n"
        self.assertTrue(self.metrics_raw(big).startswith(b"HTTP/1.1 431 "))

        # max_clients = 2: two idle connections hold both slots; a third scraper waits in the
        # listen queue, unanswered, and is served as soon as one of them closes.
        idle = [socket.create_connection(("127.0.0.1", self.metrics_port), timeout=10)
                for _ in range(2)]
        waiting = socket.create_connection(("127.0.0.1", self.metrics_port), timeout=1.5)
        try:
            waiting.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
            with self.assertRaises(socket.timeout):
                waiting.recv(65536)
            idle[0].close()
            waiting.settimeout(10)
            answer = b""
            while True:
                chunk = waiting.recv(65536)
                if not chunk:
                    break
                answer += chunk
            self.assertTrue(answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:80])
        finally:
            waiting.close()
            for c in idle:
                c.close()
        time.sleep(0.5)  # their slots freed
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port,
                                    timeout=10) as r:
            text = r.read().decode()
        hits = re.search(r'mxpulse_limit_hits_total\{limit="metrics_clients"\} (\d+)', text)
        self.assertIsNotNone(hits, "the limit is exported")
        # Reached twice: by the second idle connection, and by the waiting scraper taking the
        # slot the first one freed while the second was still open.
        self.assertEqual(int(hits.group(1)), 2)
        limits = [e for e in self.gw.events("limit.hit") if e.get("limit") == "metrics_clients"]
        self.assertEqual(len(limits), 2)
        self.assertEqual({int(e["value"]) for e in limits}, {2})

    def test_7_counters_survive_a_restart(self):
        gw = self.gw
        before = gw.ctl_json("domain", "yahoo.com")
        self.assertEqual(gw.stop_mxpulse(), 0)
        gw.start_mxpulse()
        restored = [e for e in gw.events("state.restored") if e["outcome"] == "loaded"]
        self.assertTrue(restored, "the state file was loaded at start")
        self.assertEqual(int(restored[-1]["destinations"]), 4)
        self.assert_counts()
        after = gw.ctl_json("domain", "yahoo.com")
        self.assertEqual(after["samples"], before["samples"])
        self.assertEqual(after["statuses"], before["statuses"])


if __name__ == "__main__":
    unittest.main()
