"""The outbound live path as operators deploy it: Postfix with OpenDKIM signing mail from the
internal network, then mxpulse checking SPF, DKIM and DMARC, and the test DNS server on loopback.

Wiring: one smtpd pass, `smtpd_milters = opendkim, mxpulse`. Postfix hands each milter the
message as modified by the milters before it, so mxpulse sees (and verifies) the DKIM-Signature
OpenDKIM added; no second Postfix hop or content_filter re-injection is needed. That is checked
here, not assumed: test_1 sends mail the client did not sign, so a DKIM pass in mxpulse can only
come from OpenDKIM's signature; and with the order reversed (mxpulse first, last class below)
mxpulse sees no signature although the delivered message carries one. The order in smtpd_milters
is therefore part of the deployment (see conf/postfix-main.cf.snippet).
"""

import os
import re
import shutil
import tempfile
import unittest

import harness
from test_mail_flow import require_root


def dkim_signatures(msg):
    """Returns the DKIM-Signature header fields of a message, unfolded."""
    return [re.sub(r"\r?\n[ \t]+", " ", m.group(0))
            for m in re.finditer(r"^DKIM-Signature:.*(?:\r?\n[ \t].*)*", msg, re.M | re.I)]


class SigningGateway(unittest.TestCase):
    """Starts OpenDKIM (signing example.test for 127.0.0.1) and a gateway with the given order."""

    mxpulse_first = False

    @classmethod
    def setUpClass(cls):
        require_root(cls)
        cls.dir = tempfile.mkdtemp(prefix="mxpulse-odkim-")
        os.chmod(cls.dir, 0o755)  # Postfix reaches the OpenDKIM socket inside
        cls.opendkim = harness.OpenDkim(cls.dir, mode="s", domain="example.test",
                                        internal_hosts="127.0.0.1").start()
        if cls.mxpulse_first:
            cls.gw = harness.Gateway(socket_kind="unix", milters_after=[cls.opendkim.address])
        else:
            cls.gw = harness.Gateway(socket_kind="unix", milters_before=[cls.opendkim.address])
        try:
            cls.gw.start()
        except BaseException:
            cls.opendkim.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.opendkim.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def auth_event(self, mid):
        """Returns the outbound.auth event of the message with that Message-ID."""
        return self.gw.message_event("outbound.auth", mid)



class OpendkimThenMxpulse(SigningGateway):
    def test_1_mail_signed_by_opendkim_passes_dkim_and_dmarc(self):
        # Sent unsigned from the internal network: only OpenDKIM can have signed it.
        mid = self.gw.send("alice@example.test", ["s1@yahoo.test"], "signed by opendkim")
        msg = self.gw.wait_sink_message(mid)
        sigs = dkim_signatures(msg)
        self.assertEqual(len(sigs), 1, msg[:2000])
        self.assertIn("d=example.test", sigs[0])
        self.assertIn("s=" + harness.DKIM_SELECTOR, sigs[0])
        e = self.auth_event(mid)
        self.assertEqual((e["spf"], e["dkim"], e["dmarc"]), ("pass", "pass", "pass"), e)
        self.assertEqual(e["dkim_signatures"], "pass:d=example.test:s=" + harness.DKIM_SELECTOR)
        self.assertTrue(e["dkim_aligned"])
        self.assertEqual(e["policy"], "reject")

    def test_2_unsigned_mail_with_a_foreign_from_fails_alignment(self):
        # OpenDKIM signs example.test only; unsigned.test's SPF does not list the egress address.
        mid = self.gw.send("bob@unsigned.test", ["s2@yahoo.test"], "foreign from")
        msg = self.gw.wait_sink_message(mid)
        self.assertEqual(dkim_signatures(msg), [])
        e = self.auth_event(mid)
        self.assertEqual((e["spf"], e["dkim"], e["dmarc"]), ("fail", "none", "fail"), e)
        self.assertFalse(e["spf_aligned"])
        self.assertFalse(e["dkim_aligned"])

    def test_3_dns_down_is_temperror_within_the_timeout_and_mail_is_delivered(self):
        # Nothing about down.test is cached; with the DNS server gone every lookup times out.
        self.gw.dns.stop()
        try:
            mid = self.gw.send("carol@down.test", ["s3@yahoo.test"], "dns is down")
            e = self.auth_event(mid)
            self.assertEqual(e["spf"], "temperror", e)
            self.assertEqual(e["dmarc"], "temperror", e)
            self.assertLess(e["elapsed_ms"], 6000)  # resolver timeout 1 s per lookup, not a hang
            self.gw.wait_sink_message(mid)
        finally:
            self.gw.dns.start()


class MxpulseThenOpendkim(SigningGateway):
    """The wrong order: mxpulse runs before OpenDKIM has signed."""

    mxpulse_first = True

    def test_mxpulse_before_opendkim_sees_no_signature(self):
        mid = self.gw.send("alice@example.test", ["s4@yahoo.test"], "signed after the check")
        msg = self.gw.wait_sink_message(mid)
        self.assertEqual(len(dkim_signatures(msg)), 1, msg[:2000])  # OpenDKIM did sign
        e = self.auth_event(mid)
        self.assertEqual(e["dkim"], "none", e)  # but after mxpulse had looked
        self.assertEqual(e["dmarc"], "pass", e)  # SPF alone aligns for example.test


if __name__ == "__main__":
    unittest.main()
