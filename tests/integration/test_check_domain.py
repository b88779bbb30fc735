"""`mxpulsectl check-domain` against a real DNS server on loopback serving the test zones."""

import json
import os
import shutil
import tempfile
import unittest

import harness


class CheckDomain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mxpulse-cd-")
        cls.dns = harness.DnsServer(cls.dir)
        cls.dns.start()
        cls.conf = os.path.join(cls.dir, "mxpulse.conf")
        with open(cls.conf, "w") as f:
            f.write('[dns]\nnameservers = ["127.0.0.1@%d"]\ntimeout = "1s"\n'
                    '[auth]\negress_addresses = ["192.0.2.25"]\n' % cls.dns.port)

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, *args):
        """Runs check-domain with the test configuration; returns (exit code, JSON report)."""
        p = harness.run([harness.MXPULSECTL, "-c", self.conf, "--json", "check-domain"] + list(args), check=False)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.returncode, json.loads(p.stdout)

    def findings(self, report):
        """Returns {check: severity} from a report."""
        return {f["check"]: f["severity"] for f in report["findings"]}

    def test_a_well_set_up_domain(self):
        rc, report = self.check("example.test", "--selector", harness.DKIM_SELECTOR)
        f = self.findings(report)
        self.assertEqual(rc, 0, report)
        self.assertTrue(all(s != "error" for s in f.values()), report)
        self.assertTrue(any(k.startswith("spf") for k in f), f)
        self.assertTrue(any(k.startswith("dmarc") for k in f), f)

    def test_egress_not_authorised_and_missing_dkim_are_errors(self):
        rc, report = self.check("unsigned.test")
        f = self.findings(report)
        self.assertEqual(rc, 1, report)
        self.assertIn("error", f.values())

    def test_table_for_people(self):
        p = harness.run([harness.MXPULSECTL, "-c", self.conf, "check-domain", "example.test", "--selector",
                         harness.DKIM_SELECTOR], check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("example.test", p.stdout)


if __name__ == "__main__":
    unittest.main()
