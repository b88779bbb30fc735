"""Outbound SPF, DKIM and DMARC on the live path: Postfix, mxpulse, and a real DNS server on
loopback serving the test zones (see harness.DnsServer)."""

import re
import smtplib
import unittest

import harness
from test_mail_flow import require_root


class OutboundAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_root(cls)
        cls.gw = harness.Gateway(socket_kind="unix").start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def set_auth(self, lines):
        """Rewrites the [auth] section's extra lines and reloads mxpulse."""
        self.gw.write_config()  # back to the harness configuration
        self.gw.write_config(self.gw.config_text().replace("[auth]\n", "[auth]\n" + lines))
        self.gw.ctl("reload")

    def auth_event(self, mid):
        """Returns the outbound.auth event of the message with that Message-ID."""
        return self.gw.message_event("outbound.auth", mid)


    def test_1_aligned_signed_mail_passes_everything(self):
        mid = self.gw.send("alice@example.test", ["u1@yahoo.test"], "signed", dkim_domain="example.test")
        e = self.auth_event(mid)
        self.assertEqual((e["spf"], e["dkim"], e["dmarc"]), ("pass", "pass", "pass"), e)
        self.assertTrue(e["spf_aligned"])
        self.assertTrue(e["dkim_aligned"])
        self.assertIn("pass:d=example.test:s=" + harness.DKIM_SELECTOR, e["dkim_signatures"])
        self.assertEqual(e["policy"], "reject")
        d = self.gw.ctl_json("call", "domain", "example.test")
        self.assertGreaterEqual(d["outbound_auth"]["dmarc"]["pass"], 1)

    def test_2_unsigned_foreign_mail_fails_dmarc(self):
        mid = self.gw.send("bob@unsigned.test", ["u2@yahoo.test"], "unsigned")
        e = self.auth_event(mid)
        self.assertEqual(e["spf"], "fail", e)
        self.assertEqual(e["dkim"], "none")
        self.assertEqual(e["dmarc"], "fail")
        self.assertEqual(e["policy"], "quarantine")
        status = self.gw.ctl_json("status")
        self.assertGreaterEqual(status["outbound_auth"]["unsigned.test"]["dmarc"]["fail"], 1)

    def test_3_header_action_adds_authentication_results(self):
        self.set_auth('action = "header"\nauthserv_id = "gw.example.test"\n')
        mid = self.gw.send("alice@example.test", ["u3@aol.test"], "with header", dkim_domain="example.test")
        msg = self.gw.wait_sink_message(mid)
        ar = re.search(r"^Authentication-Results: gw\.example\.test;(.*(?:\n[ \t].*)*)", msg, re.M)
        self.assertIsNotNone(ar, msg[:2000])
        self.assertIn("dmarc=pass", ar.group(1))
        self.assertIn("spf=pass", ar.group(1))
        self.assertIn("dkim=pass", ar.group(1))

    def test_4_reject_is_limited_to_listed_sender_domains(self):
        self.set_auth('action = "reject"\naction_domains = ["unsigned.test"]\n')
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            self.gw.send("bob@unsigned.test", ["u4@yahoo.test"], "must be refused")
        self.assertEqual(refused.exception.smtp_code, 550)
        self.assertIn(b"5.7.1", refused.exception.smtp_error)
        # Aligned mail of another domain still flows.
        mid = self.gw.send("alice@example.test", ["u5@yahoo.test"], "still fine", dkim_domain="example.test")
        self.gw.wait_sink_message(mid)

    def test_5_providers_fold_by_mx(self):
        # yahoo.test and aol.test are served by MX hosts under yahoodns.test (see the test zone).
        for d in ("yahoo.test", "aol.test"):
            self.gw.send("alice@example.test", ["p@" + d], "mx", dkim_domain="example.test")

        def folded():
            for d in ("yahoo.test", "aol.test"):
                self.gw.send("alice@example.test", ["q@" + d], "mx again", dkim_domain="example.test")
            p = self.gw.ctl_json("call", "provider", "yahoodns.test", check=False)
            return p and set(p["domains"]) >= {"yahoo.test", "aol.test"}

        harness.wait_for(folded, 20, "yahoo.test and aol.test under provider yahoodns.test")

    def test_6_dns_down_is_temperror_and_mail_still_flows(self):
        # Nothing about down.test is cached; with the DNS server gone every lookup times out.
        self.set_auth("")
        self.gw.dns.stop()
        try:
            mid = self.gw.send("carol@down.test", ["u6@yahoo.test"], "dns is down")
            e = self.auth_event(mid)
            self.assertEqual(e["spf"], "temperror", e)
            self.assertEqual(e["dmarc"], "temperror", e)
            # Bounded by the resolver timeout (1 s in the harness) per lookup, not a hang.
            self.assertLess(e["elapsed_ms"], 6000)
            # Each lookup that ran out of time is a dns.timeout line with the message's queue id.
            timeouts = [t for t in self.gw.events("dns.timeout") if t["queue_id"] == e["queue_id"]]
            self.assertTrue(timeouts, "no dns.timeout for queue id %s" % e["queue_id"])
            self.assertIn("down.test", " ".join(t["qname"] for t in timeouts))
            self.assertEqual({t["timeout_ms"] for t in timeouts} - {1000}, set(), timeouts)
            self.gw.wait_sink_message(mid)
        finally:
            self.gw.dns.start()


if __name__ == "__main__":
    unittest.main()
