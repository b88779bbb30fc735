"""End to end: Postfix's deferred queue read with postqueue -j. Two destinations of one provider
whose server answers 421 [TSS04]: the deferred messages per domain and provider, the oldest age
and the classified delay reason in `mxpulsectl queue --json` and the metrics; after delivery
resumes the queue view empties; a queue_deferred alert is raised and then cleared."""

import os
import re
import unittest
import urllib.request

import harness
from test_postfix_log import ThrottlingSink


class PostfixQueueTest(unittest.TestCase):
    def setUp(self):
        self.sink = ThrottlingSink()
        self.gw = harness.Gateway(transports=[
            "yahoo.test=smtp:[127.0.0.1]:%d" % self.sink.port,
            "aol.test=smtp:[127.0.0.1]:%d" % self.sink.port])
        # postqueue -c of a private instance needs root (or the directory listed in
        # alternate_config_directories of /etc/postfix/main.cf, which a test must not touch): this
        # mxpulse keeps root. In a packaged install postqueue reads the default instance as
        # daemon.user.
        self.gw.extra_config = """
[daemon]
user = "root"
group = "root"

[postfix_log]
path = "%s"

[postfix_queue]
command = "/usr/sbin/postqueue"
config_dir = "%s"
interval = "1s"

[providers]
yahoo = ["yahoo.test", "aol.test"]

[alerts]
interval = "1s"

[[alert]]
name = "yahoo-deferred"
metric = "queue_deferred"
scope = "provider"
window = "1h"
raise = 2
clear = 1
""" % (self.gw.path("maillog"), self.gw.path("postfix"))
        self.gw.start()

    def tearDown(self):
        self.gw.stop()
        self.sink.close()

    def queue(self, by="domain"):
        return self.gw.ctl_json("queue", "--by", by, check=False) or {}

    def row(self, view, key):
        by = view.get("by", "domain")
        return next((r for r in view.get("rows", []) if r.get(by) == key), None)

    def wait_row(self, by, key, predicate, what):
        return harness.wait_for(
            lambda: (lambda r: r if r and predicate(r) else None)(self.row(self.queue(by), key)),
            60, what)

    def metric(self, name, provider):
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.gw.metrics_port,
                                      timeout=5).read().decode()
        m = re.search(r'^%s\{provider="%s"\} (\S+)$' % (name, provider), text, re.M)
        return float(m.group(1)) if m else None

    def test_deferred_queue_per_domain_and_provider(self):
        self.gw.send("alice@example.test", ["ann@yahoo.test"], subject="to yahoo")
        self.gw.send("alice@example.test", ["bob@aol.test"], subject="to aol")

        d = self.wait_row("domain", "yahoo.test",
                          lambda r: r["deferred"] == 1 and r["oldest_age_s"] > 0 and r["reasons"],
                          "a deferred message to yahoo.test with its reason")
        self.assertEqual(d["provider"], "yahoo")
        self.assertIn("[TSS04]", d["example"])
        self.assertEqual(d["patterns"].get("yahoo-tss04"), 1, d)
        self.assertTrue(re.match(r"\d{4}-\d\d-\d\dT", d["oldest_arrival"]), d)
        # The reason is the one the same reply gets from the DSN classifier in Postfix's log.
        deliveries = harness.wait_for(
            lambda: (self.gw.ctl_json("domain", "yahoo.test", check=False) or {}).get("deliveries"),
            30, "the log's deferrals")
        self.assertIn(d["reasons"][0]["reason"], deliveries["reasons"])
        self.assertNotEqual(d["reasons"][0]["reason"], "unknown")

        p = self.wait_row("provider", "yahoo",
                          lambda r: r["deferred"] == 2 and r["oldest_age_s"] > 0,
                          "both messages deferred under provider yahoo")
        self.assertEqual(p["patterns"].get("yahoo-tss04"), 2, p)
        self.assertEqual(sum(p["ages"]), 2)
        view = self.queue("provider")
        self.assertEqual(view["error"], "")
        self.assertEqual(view["scan"]["malformed"], 0)
        self.assertFalse(view["scan"]["truncated"])
        harness.wait_for(lambda: (self.metric("mxpulse_queue_deferred_messages", "yahoo") or 0) >= 1,
                         30, "the deferred queue metric")
        self.assertGreater(self.metric("mxpulse_queue_oldest_age_seconds", "yahoo"), 0)
        table = self.gw.ctl("queue", "--by", "provider").stdout
        print("\n--- mxpulsectl queue --by provider ---\n%s\n--- domain row ---\n%s" % (table, d))
        self.assertRegex(table, r"(?m)^PROVIDER\s+DEFERRED")
        self.assertRegex(table, r"(?m)^yahoo\s+[12]\s")

        raised = harness.wait_for(
            lambda: [e for e in self.gw.events("alert.raised") if e["rule"] == "yahoo-deferred"],
            30, "the deferral alert")
        self.assertEqual(raised[0]["key"], "yahoo")
        self.assertGreaterEqual(raised[0]["value"], 2)
        self.assertFalse([e for e in self.gw.events("alert.cleared") if e["rule"] == "yahoo-deferred"])

        # Delivery resumes: the deferred queue empties and the alert clears.
        self.sink.deferring.clear()
        harness.run(["postqueue", "-c", self.gw.path("postfix"), "-f"])
        harness.wait_for(lambda: self.row(self.queue("provider"), "yahoo") is None, 60,
                         "the deferred queue to empty")
        harness.wait_for(lambda: self.metric("mxpulse_queue_deferred_messages", "yahoo") is None,
                         30, "the metric row to go")
        cleared = harness.wait_for(
            lambda: [e for e in self.gw.events("alert.cleared") if e["rule"] == "yahoo-deferred"],
            30, "the deferral alert to clear")
        self.assertEqual(cleared[0]["key"], "yahoo")
        self.assertEqual(len([e for e in self.gw.events("alert.raised")
                              if e["rule"] == "yahoo-deferred"]), 1)


if __name__ == "__main__":
    unittest.main()
