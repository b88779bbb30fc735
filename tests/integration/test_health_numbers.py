"""End to end through a private Postfix: failure rates over the sends their NDRs belong to (never
above 100 %), failures of mail the gateway never saw kept out of every rate, first and last
failure and the first send after them surviving a restart, and `auth` saying "not evaluated"
(never 0 %) where no outbound mail was seen."""

import unittest

import harness
from test_bounce_flow import POSTFIX_DSN, require_root, send_raw


def ndr(rcpt, original, ndr_id, status="5.4.300", diag="550 5.4.300 Message expired"):
    """Returns a failed-recipient report for one recipient of the original with that Message-ID."""
    return POSTFIX_DSN.format(sender="alice@example.test", ndr_id=ndr_id, rcpt=rcpt, action="failed",
                              status=status, remote="mx.remote.test", diag=diag, orig=original)


class HealthNumbers(unittest.TestCase):
    """One gateway; the tests run in name order and build on each other."""

    @classmethod
    def setUpClass(cls):
        require_root()
        cls.gw = harness.Gateway(socket_kind="unix")
        cls.gw.extra_config = """\
[stats]
state_file = "{state}"
snapshot_interval = "1h"

[providers]
yahoo = ["yahoo.com", "aol.com"]
""".format(state=cls.gw.path("state", "state.bin"))
        cls.gw.start()
        cls.ids = {}
        cls.before_restart = {}

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def window(self, domain, name):
        return self.gw.ctl_json("domain", domain)["windows"][name]

    def test_1_auth_not_evaluated_before_outbound_mail(self):
        out = self.gw.ctl("auth").stdout
        self.assertIn("not evaluated", out)
        self.assertNotIn("0.0%", out)
        j = self.gw.ctl_json("auth", "example.test")
        self.assertFalse(j["evaluated"])
        self.assertEqual(j["domains"], [{"sender_domain": "example.test", "evaluated": False}])

    def test_2_outbound_then_its_ndrs(self):
        gw, ids = self.gw, self.ids
        ids["A"] = gw.send("alice@example.test", ["u1@yahoo.com", "u2@yahoo.com", "u3@yahoo.com",
                                                  "u4@yahoo.com"], "A")
        ids["B"] = gw.send("alice@example.test", ["x1@aol.com"], "B")
        gw.wait_sink(2)
        send_raw(gw, "alice@example.test", ndr("u1@yahoo.com", ids["A"], "n1@mx.remote.test"))
        send_raw(gw, "alice@example.test", ndr("u2@yahoo.com", ids["A"], "n2@mx.remote.test"))
        # Two reports for B's one recipient with different statuses (not duplicates of each
        # other): the second cannot count against the single recipient sent.
        send_raw(gw, "alice@example.test", ndr("x1@aol.com", ids["B"], "n3@mx.remote.test"))
        send_raw(gw, "alice@example.test", ndr("x1@aol.com", ids["B"], "n4@mx.remote.test",
                                               status="5.1.1", diag="550 5.1.1 User unknown"))
        # Mail this gateway never sent (e.g. straight from Microsoft 365): in no rate.
        send_raw(gw, "alice@example.test", ndr("z1@btinternet.com", "<never-seen@m365.example>",
                                               "n5@mx.remote.test"))
        harness.wait_for(lambda: len(gw.events("bounce.tagged")) >= 5, 60, "5 bounce.tagged events")

        w = self.window("yahoo.com", "total")
        self.assertEqual((w["sends"], w["failed"], w["failed_of_sends"], w["unmatched_failed"]),
                         (4, 2, 2, 0))
        self.assertEqual(w["failure_rate"], 0.5)
        self.assertEqual(w["rate_basis"], "sends")
        # The sends and their NDRs within a quarter hour: the 15m window holds both.
        self.assertEqual(self.window("yahoo.com", "15m")["failure_rate"], 0.5)

        w = self.window("aol.com", "total")
        self.assertEqual((w["sends"], w["failed"], w["failed_of_sends"], w["unmatched_failed"]),
                         (1, 2, 1, 1))
        self.assertEqual(w["failure_rate"], 1.0)  # the old definition said 200 %

        w = self.window("btinternet.com", "total")
        self.assertEqual((w["sends"], w["failed"], w["unmatched_failed"]), (0, 1, 1))
        self.assertIsNone(w["failure_rate"])
        self.assertEqual(w["rate_basis"], "none")

        p = gw.ctl_json("provider", "yahoo")["windows"]["total"]
        self.assertEqual((p["sends"], p["failed"], p["failed_of_sends"], p["unmatched_failed"]),
                         (5, 4, 3, 1))
        self.assertEqual(p["failure_rate"], 0.6)

        for row in gw.ctl_json("top", "50", "--by", "rate", "--window", "total")["rows"]:
            self.assertLessEqual(row["failed_of_sends"], row["outbound_rcpts"], row)
            if row["failure_rate"] is not None:
                self.assertLessEqual(row["failure_rate"], 1.0, row)
        text = gw.ctl("top", "50", "--by", "rate", "--window", "total").stdout
        line = [x for x in text.splitlines() if x.startswith("btinternet.com")][0]
        self.assertIn("n/a", line)

    def test_3_since_when(self):
        gw = self.gw
        d = gw.ctl_json("domain", "yahoo.com")
        self.assertNotEqual(d["first_failed"], "")
        self.assertNotEqual(d["last_failed"], "")
        self.assertLessEqual(d["first_failed"], d["last_failed"])
        self.assertEqual(d["recovered_at"], "")
        # A message sent after the failures: the first send since the last failure.
        self.ids["C"] = gw.send("alice@example.test", ["u5@yahoo.com"], "C")
        harness.wait_for(lambda: gw.ctl_json("domain", "yahoo.com")["recovered_at"] != "", 30,
                         "yahoo.com to show a send after its failures")
        d = gw.ctl_json("domain", "yahoo.com")
        self.assertGreaterEqual(d["recovered_at"], d["last_failed"])
        self.assertIn("recovered since", gw.ctl("domain", "yahoo.com").stdout)
        # The provider has not recovered: aol.com sent nothing since its failures.
        self.assertEqual(gw.ctl_json("provider", "yahoo")["recovered_at"], "")
        for name in ("yahoo.com", "aol.com", "btinternet.com"):
            self.before_restart[name] = gw.ctl_json("domain", name)

    def test_4_survives_a_restart(self):
        gw = self.gw
        self.assertEqual(gw.stop_mxpulse(), 0)
        gw.start_mxpulse()
        for name, before in self.before_restart.items():
            after = gw.ctl_json("domain", name)
            for key in ("first_failed", "last_failed", "recovered_at"):
                self.assertEqual(after[key], before[key], (name, key))
            self.assertEqual(after["windows"]["total"], before["windows"]["total"], name)

    def test_5_auth_evaluated_only_where_mail_went_out(self):
        j = self.gw.ctl_json("auth", "example.test")
        self.assertTrue(j["evaluated"])
        self.assertEqual(j["domains"][0]["windows"]["total"]["messages"], 3)
        j = self.gw.ctl_json("auth", "nosuch.example")
        self.assertFalse(j["evaluated"])
        self.assertIn("not evaluated", self.gw.ctl("auth", "nosuch.example").stdout)


if __name__ == "__main__":
    unittest.main()
