"""Alerting end to end through a real Postfix: the shipped rules raise once per provider on a burst
of 5.4.300 <- 4.4.2 SocketError bounces for yahoo.com and aol.com, clear after a quiet period (the
test moves mxpulse's clock forward with libfaketime instead of sleeping), stay quiet on a mixed
stream under the thresholds; a flood of 10,000 bounces gives bounded log output whose
log.suppressed summaries account for every line held back; and every JSON line parses and names
an event of the catalogue.

The tests run in order (test_1 ... test_5) on one gateway, each building on the counters before.
"""

import collections
import glob
import json
import os
import subprocess
import time
import unittest
import urllib.request

import harness

# Debian's libfaketime, for threaded programs, in the multiarch directory of this machine.
FAKETIME_LIB = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))), "")
GENDOC = os.path.join(harness.BUILD_DIR, "milter", "mxpulse-gendoc")

FLOOD = 10_000
FLOOD_BURST = 50
FLOOD_DOMAINS = ["yahoo.com", "aol.com", "sky.com", "btinternet.com"]

# The keys alert.raised and alert.cleared carry, as documented in mxpulse(8).
ALERT_KEYS = {"rule", "key", "metric", "window", "value", "threshold", "events", "severity"}

# A Microsoft 365 NDR: the message expired after the remote end dropped the connection.
M365_NDR = """\
From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>
To: <alice@example.test>
Date: Mon, 23 Nov 2026 07:00:00 +0000
Subject: Undeliverable: report {n}
Message-ID: <ndr-{n}@contoso.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1_ndr"

--b1_ndr
Content-Type: text/plain; charset="utf-8"

Delivery has failed to these recipients or groups:

{rcpt}
The message could not be delivered in time.

--b1_ndr
Content-Type: message/delivery-status

Reporting-MTA: dns; AM0PR01MB0001.eurprd01.prod.outlook.com
Arrival-Date: Sat, 21 Nov 2026 07:00:00 +0000

Final-Recipient: rfc822; {rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; {remote}
Diagnostic-Code: smtp; {diag}
Last-Attempt-Date: Mon, 23 Nov 2026 06:59:56 +0000

--b1_ndr
Content-Type: text/rfc822-headers

From: Alice <alice@example.test>
To: {rcpt}
Subject: report {n}
Message-ID: <original-{n}@example.test>

--b1_ndr--
"""

REMOTE = {"yahoo.com": "mta5.am0.yahoodns.net", "aol.com": "mx-aol.mail.gm0.yahoodns.net",
          "sky.com": "mx.sky.com", "btinternet.com": "mx.bt.lon5.cpcloud.co.uk"}
SOCKET_ERROR = ("failed", "5.4.300", "421 4.4.2 Connection dropped due to SocketError")
USER_UNKNOWN = ("failed", "5.1.1", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown")
DELAYED = ("delayed", "4.4.7", "451 4.4.7 Message delayed")


def ndr(n, rcpt, kind):
    """Returns one NDR (bytes, CRLF) for recipient rcpt of the given (action, status, diag)."""
    action, status, diag = kind
    domain = rcpt.split("@")[1]
    text = M365_NDR.format(n=n, rcpt=rcpt, action=action, status=status, remote=REMOTE[domain],
                           diag=diag.format(rcpt=rcpt))
    return text.replace("\n", "\r\n").encode()


class Alerting(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not FAKETIME_LIB:
            raise AssertionError("libfaketime is missing (bash packaging/deps.sh installs faketime)")
        cls.metrics_port = harness.free_port()
        extra = """\
[alerts]
interval = "1s"

[metrics]
listen = "127.0.0.1:{port}"

[log]
flood_burst = {burst}
flood_interval = "1h"
""".format(burst=FLOOD_BURST, port=cls.metrics_port)
        cls.gw = harness.Gateway(socket_kind="unix", extra_config=extra)
        cls.clock = cls.gw.path("faketime")
        with open(cls.clock, "w") as f:
            f.write("+0\n")
        os.chmod(cls.clock, 0o644)
        cls.gw.mxpulse_env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": cls.clock,
                              "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        cls.gw.start()
        cls.sent_bounces = collections.Counter()  # recipients per domain in NDRs sent so far
        cls.ndr_count = 0

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    # ---- helpers -------------------------------------------------------------------------
    def send_ndrs(self, recipients_kinds, sessions=1):
        """Sends one NDR per (recipient, kind) from outside, null sender, and waits until mxpulse
        has counted them all."""
        cls = type(self)
        before = self.gw.ctl_json("status")["messages"].get("returning_dsn", 0)
        batch = []
        for rcpt, kind in recipients_kinds:
            cls.ndr_count += 1
            cls.sent_bounces[rcpt.split("@")[1]] += 1
            batch.append(("", ["alice@example.test"], ndr(cls.ndr_count, rcpt, kind)))
        self.gw.send_many(batch, sessions=sessions, source="127.0.0.2")
        want = before + len(batch)
        harness.wait_for(lambda: self.gw.ctl_json("status")["messages"].get("returning_dsn", 0) >= want,
                         300, "mxpulse to count %d returning bounces" % want)

    def alert_events(self, name, rule=None):
        return [e for e in self.gw.events(name) if rule is None or e["rule"] == rule]

    def wait_evaluated(self):
        """Lets the alert engine (interval 1s) look at the counters at least twice."""
        time.sleep(2.5)

    # ---- tests ---------------------------------------------------------------------------
    def test_1_mixed_stream_under_the_thresholds_raises_nothing(self):
        gw = self.gw
        gw.smtp_source(50, 5, "alice@example.test", "user@yahoo.com")
        gw.smtp_source(50, 5, "alice@example.test", "user@aol.com")
        harness.wait_for(lambda: gw.ctl_json("status")["messages"].get("outbound", 0) >= 100, 120,
                         "100 outbound messages counted")
        # 3 SocketError expiries (the burst rule needs 5), 1 user unknown: 4 % failed (5 % raises);
        # 2 delay notices: 2 % delayed (5 % raises).
        self.send_ndrs([("u1@yahoo.com", SOCKET_ERROR), ("u2@yahoo.com", SOCKET_ERROR),
                        ("v1@aol.com", SOCKET_ERROR), ("v2@aol.com", USER_UNKNOWN),
                        ("u3@yahoo.com", DELAYED), ("v3@aol.com", DELAYED)])
        self.wait_evaluated()
        self.assertEqual(self.alert_events("alert.raised"), [])
        self.assertEqual(gw.ctl_json("alerts")["active"], [])
        # The MX answers folded both brands into one provider.
        self.assertEqual(gw.ctl_json("domain", "aol.com")["provider"], "yahoodns.net")
        self.assertEqual(gw.ctl_json("domain", "yahoo.com")["provider"], "yahoodns.net")

    def test_2_socketerror_burst_raises_once_for_the_provider(self):
        gw = self.gw
        self.send_ndrs([("u%d@yahoo.com" % i, SOCKET_ERROR) for i in range(10, 13)] +
                       [("v%d@aol.com" % i, SOCKET_ERROR) for i in range(10, 12)])
        self.wait_evaluated()
        # More of the same while it fires: still one line.
        self.send_ndrs([("u%d@yahoo.com" % i, SOCKET_ERROR) for i in range(20, 24)])
        self.wait_evaluated()
        raised = self.alert_events("alert.raised")
        self.assertEqual(len(raised), 1, raised)
        e = raised[0]
        self.assertEqual(e["rule"], "m365-socketerror-burst")
        self.assertEqual(e["key"], "yahoodns.net")
        self.assertEqual(e["metric"], "pattern_count")
        self.assertEqual(e["window"], "15m")
        self.assertEqual(e["severity"], "critical")
        self.assertGreaterEqual(float(e["value"]), 5)
        self.assertEqual(float(e["threshold"]), 5)
        self.assertGreaterEqual(e["events"], 5)
        self.assertEqual(set(e) - {"ts", "level", "event"}, ALERT_KEYS)
        self.assertEqual(e["level"], "warn")
        active = gw.ctl_json("alerts")["active"]
        self.assertEqual([(a["rule"], a["key"]) for a in active], [("m365-socketerror-burst", "yahoodns.net")])
        # The same alert on the Prometheus endpoint.
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=10) as r:
            exposition = r.read().decode()
        self.assertIn('mxpulse_alert_active{rule="m365-socketerror-burst",scope="provider",'
                      'key="yahoodns.net",severity="critical"} 1', exposition)
        self.assertIn('mxpulse_alerts_raised_total{rule="m365-socketerror-burst"} 1', exposition)

    def test_3_quiet_period_clears_it(self):
        gw = self.gw
        self.assertEqual(self.alert_events("alert.cleared"), [])
        # Twenty minutes later, nothing new: the 15-minute window is empty.
        with open(self.clock, "w") as f:
            f.write("+20m\n")
        harness.wait_for(lambda: self.alert_events("alert.cleared", "m365-socketerror-burst"), 30,
                         "alert.cleared after the quiet period")
        self.wait_evaluated()
        cleared = self.alert_events("alert.cleared", "m365-socketerror-burst")
        self.assertEqual(len(cleared), 1, cleared)
        e = cleared[0]
        self.assertEqual(e["key"], "yahoodns.net")
        self.assertEqual(float(e["value"]), 0)
        self.assertEqual(float(e["threshold"]), 1)  # the clear threshold
        self.assertEqual(set(e) - {"ts", "level", "event"}, ALERT_KEYS)
        self.assertNotIn(("m365-socketerror-burst", "yahoodns.net"),
                         [(a["rule"], a["key"]) for a in gw.ctl_json("alerts")["active"]])
        recent = [(r["state"], r["rule"]) for r in gw.ctl_json("alerts")["recent"]]
        self.assertIn(("raised", "m365-socketerror-burst"), recent)
        self.assertIn(("cleared", "m365-socketerror-burst"), recent)

    def test_4_flood_of_bounces_gives_bounded_output_with_a_summary(self):
        gw = self.gw
        lines_before = len(gw.log_text().splitlines())
        kinds = [SOCKET_ERROR, USER_UNKNOWN]
        self.send_ndrs([("f%d@%s" % (i, FLOOD_DOMAINS[i % len(FLOOD_DOMAINS)]), kinds[i % 2])
                        for i in range(FLOOD)], sessions=10)
        status = gw.ctl_json("status")["messages"]
        self.assertGreaterEqual(status["returning_dsn"], FLOOD)
        rc = gw.stop_mxpulse()  # at stop the summaries of running intervals are written
        self.assertEqual(rc, 0)
        events = gw.events()
        new_lines = len(gw.log_text().splitlines()) - lines_before
        # Bounded: per flood-limited event and value at most FLOOD_BURST lines in the one interval,
        # plus the summaries and the few unlimited lines (alerts, stop).
        self.assertLess(new_lines, 12 * FLOOD_BURST, "the flood was not held back")
        lines = collections.Counter((e["event"], e.get("domain") or e.get("direction")) for e in events)
        summaries = collections.defaultdict(int)
        for e in events:
            if e["event"] == "log.suppressed":
                self.assertEqual(set(e) - {"ts", "level", "event"},
                                 {"limited", "key", "value", "suppressed", "written", "interval_s"})
                self.assertEqual(e["interval_s"], 3600)
                self.assertEqual(e["written"], FLOOD_BURST)
                summaries[(e["limited"], e["value"])] += e["suppressed"]
        # Every line held back is accounted for: written + suppressed = what happened.
        for domain in FLOOD_DOMAINS:
            written = lines[("bounce.tagged", domain)]
            self.assertEqual(written, FLOOD_BURST, domain)
            self.assertEqual(written + summaries[("bounce.tagged", domain)], self.sent_bounces[domain], domain)
        dsn_lines = lines[("message.seen", "returning_dsn")]
        self.assertEqual(dsn_lines, FLOOD_BURST)
        self.assertEqual(dsn_lines + summaries[("message.seen", "returning_dsn")], status["returning_dsn"])
        gw.start_mxpulse()  # for the last test and tearDown

    def test_5_every_json_line_parses_and_names_a_catalogued_event(self):
        catalogue = {line.split("\t")[0] for line in
                     subprocess.run([GENDOC, "events"], check=True, capture_output=True, text=True).stdout.splitlines()}
        self.assertIn("alert.raised", catalogue)
        seen = set()
        lines = [l for l in self.gw.log_text().splitlines() if l.strip()]
        self.assertGreater(len(lines), 100)
        for line in lines:
            e = json.loads(line)  # raises on any line that is not one JSON document
            self.assertIn(e.get("event"), catalogue, line)
            self.assertRegex(e["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
            seen.add(e["event"])
            if e["event"] in ("message.seen", "bounce.tagged", "outbound.auth", "limit.hit"):
                self.assertRegex(e["queue_id"], r"^[0-9A-Za-z]+$", line)
        for name in ("message.seen", "bounce.tagged", "alert.raised", "alert.cleared",
                     "log.suppressed", "config.loaded", "daemon.started", "daemon.stopped"):
            self.assertIn(name, seen)


if __name__ == "__main__":
    unittest.main()
