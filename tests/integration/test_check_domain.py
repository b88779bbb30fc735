"""`mxpulsectl check-domain` against a real DNS server on loopback serving the test zones."""

import json
import os
import shutil
import tempfile
import unittest

import harness

EX_TEMPFAIL = 75  # check-domain's exit code when a lookup got no answer (sysexits.h)


def defect_zones():
    """Test domains that are each well set up but for one defect (SPF with the gateway's egress
    address, DKIM selector1 and selector2 as Microsoft 365 expects, DMARC p=reject), plus domains
    whose lookups fail."""
    key = harness.dkim_public_key_b64()

    def domain(name, spf=("v=spf1 ip4:192.0.2.25 -all",), selectors=("selector1", "selector2"),
               dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@%s"):
        records = [(name + ".", "TXT", harness.txt(s)) for s in spf]
        records += [("%s._domainkey.%s." % (s, name), "TXT", harness.txt("v=DKIM1; k=rsa; p=" + key))
                    for s in selectors]
        records.append(("_dmarc.%s." % name, "TXT", harness.txt(dmarc % name if "%s" in dmarc else dmarc)))
        return records

    records = domain("clean.test")
    records += domain("twospf.test", spf=("v=spf1 ip4:192.0.2.25 -all", "v=spf1 ip4:198.51.100.7 -all"))
    # 4 + 3 + 3 + 1 = 11 DNS-querying terms (RFC 7208 4.6.4 allows 10).
    records += domain("lookups.test", spf=("v=spf1 ip4:192.0.2.25 a mx include:i1.lookups.test "
                                           "include:i2.lookups.test -all",))
    records += [("i1.lookups.test.", "TXT", harness.txt("v=spf1 a:h1.lookups.test a:h2.lookups.test "
                                                         "mx:m.lookups.test -all")),
                ("i2.lookups.test.", "TXT", harness.txt("v=spf1 a:h3.lookups.test a:h4.lookups.test "
                                                         "include:i3.lookups.test -all")),
                ("i3.lookups.test.", "TXT", harness.txt("v=spf1 exists:e.lookups.test -all"))]
    records += domain("softfail.test", spf=("v=spf1 ip4:192.0.2.25 ~all",))
    records += domain("onesel.test", selectors=("selector1",))
    records += domain("pnone.test", dmarc="v=DMARC1; p=none; rua=mailto:dmarc@%s")
    # Its SPF record is fine, but an include's lookup fails with SERVFAIL.
    records += domain("badinclude.test", spf=("v=spf1 ip4:192.0.2.25 include:spf.servfail.test -all",))
    # Exists (it has an MX) but publishes no SPF record.
    records += [("nospf.test.", "MX", "10 mx.nospf.test.")]
    # Microsoft 365 hybrid: the MX is Exchange Online's; one record lacks its include, one has it
    # (through a corporate include, as real records often do).
    exo_mx = "0 %s-test.mail.protection.outlook.com."
    records += domain("m365.test", spf=("v=spf1 ip4:192.0.2.25 -all",))
    records += [("m365.test.", "MX", exo_mx % "m365")]
    records += domain("m365ok.test", spf=("v=spf1 ip4:192.0.2.25 include:_spf.m365ok.test -all",))
    records += [("m365ok.test.", "MX", exo_mx % "m365ok"),
                ("_spf.m365ok.test.", "TXT", harness.txt("v=spf1 include:spf.protection.outlook.com -all")),
                ("spf.protection.outlook.com.", "TXT", harness.txt("v=spf1 ip4:203.0.113.0/24 -all"))]
    return records


class CheckDomain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mxpulse-cd-")
        cls.dns = harness.DnsServer(cls.dir, extra_records=defect_zones(), servfail_zones=["servfail.test"],
                                    dropped_zones=["dropped.test"])
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
        self.assertIn(p.returncode, (0, 1, EX_TEMPFAIL), p.stderr)
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

    def finding(self, report, check, containing=""):
        """Returns the one finding with key CHECK whose message contains CONTAINING."""
        found = [f for f in report["findings"] if f["check"] == check and containing in f["message"]]
        self.assertEqual(len(found), 1, (check, containing, report["findings"]))
        return found[0]

    def test_clean_domain_has_no_error_nor_warning(self):
        # The defect domains below differ from this one by one defect each.
        rc, report = self.check("clean.test")
        self.assertEqual(rc, 0, report)
        self.assertEqual([f for f in report["findings"] if f["severity"] in ("error", "warning")], [], report)

    def test_defect_two_spf_records(self):
        rc, report = self.check("twospf.test")
        self.assertEqual(rc, 1, report)
        f = self.finding(report, "spf.single")
        self.assertEqual(f["severity"], "error")
        self.assertIn("2 SPF records", f["message"])
        self.assertEqual(len(report["spf"]["records"]), 2)

    def test_defect_spf_needs_eleven_lookups(self):
        rc, report = self.check("lookups.test")
        self.assertEqual(rc, 1, report)
        self.assertEqual(report["spf"]["lookups"], 11, report)
        f = self.finding(report, "spf.lookups")
        self.assertEqual(f["severity"], "error")
        self.assertIn("11 DNS-querying terms (limit 10)", f["message"])

    def test_defect_softfail_all(self):
        rc, report = self.check("softfail.test")
        self.assertEqual(rc, 0, report)  # a warning, not an error
        f = self.finding(report, "spf.all")
        self.assertEqual(f["severity"], "warning")
        self.assertIn("~all", f["message"])
        self.assertIn('softfail.test. IN TXT "v=spf1 ip4:192.0.2.25 -all"', report["suggestions"])

    def test_defect_missing_dkim_selector(self):
        rc, report = self.check("onesel.test")  # the default expectation: selector1 and selector2
        self.assertEqual(rc, 1, report)
        self.assertEqual(self.finding(report, "dkim.selector", "selector1 ")["severity"], "ok")
        f = self.finding(report, "dkim.selector", "selector2 ")
        self.assertEqual(f["severity"], "error")
        self.assertIn("not published at selector2._domainkey.onesel.test", f["message"])

    def test_defect_dmarc_p_none(self):
        rc, report = self.check("pnone.test")
        self.assertEqual(rc, 0, report)  # a warning, not an error
        f = self.finding(report, "dmarc.policy")
        self.assertEqual(f["severity"], "warning")
        self.assertIn("p=none", f["message"])
        self.assertTrue(any("p=quarantine" in s for s in report["suggestions"]), report)

    def assert_dns_failure(self, report):
        """Every lookup of the domain failed: errors under *.dns, never 'no record'."""
        keys = {f["check"]: f["severity"] for f in report["findings"]}
        self.assertEqual(keys.get("spf.dns"), "error", report)
        self.assertEqual(keys.get("dkim.dns"), "error", report)
        self.assertEqual(keys.get("dmarc.dns"), "error", report)
        for f in report["findings"]:
            self.assertNotIn("no SPF record", f["message"])
            self.assertNotIn("not published", f["message"])
            self.assertNotIn("no DMARC record", f["message"])
        self.assertEqual(report["suggestions"], [], "no zone line to 'fix' a record that may exist")

    def outcomes(self, report):
        """Returns {(type, name): outcome} of the lookups the audit made."""
        return {(l["type"], l["name"]): l["outcome"] for l in report["lookups"]}

    def test_resolver_is_named(self):
        rc, report = self.check("clean.test")
        self.assertEqual(report["resolver"]["origin"], "config", report)
        self.assertEqual(report["resolver"]["addresses"], ["127.0.0.1@%d" % self.dns.port])
        self.assertEqual(report["resolver"]["timeout_ms"], 1000)
        self.assertEqual(report["dns_failures"], 0)
        o = self.outcomes(report)
        self.assertEqual(o[("TXT", "clean.test")], "ok", o)
        self.assertEqual(o[("TXT", "_dmarc.clean.test")], "ok", o)

    def test_nxdomain_is_a_bad_domain_with_nothing_suggested(self):
        rc, report = self.check("nosuch.test")
        self.assertEqual(rc, 1, report)  # an answer came: the domain does not exist
        self.assertEqual(report["dns_failures"], 0, report)
        self.assertEqual(self.outcomes(report)[("TXT", "nosuch.test")], "nxdomain")
        self.assertIn("NXDOMAIN", self.finding(report, "spf.present")["message"])
        self.assertEqual(report["suggestions"], [], "no zone line under a name that does not exist")

    def test_servfail_is_an_error_not_a_missing_record(self):
        rc, report = self.check("servfail.test")
        self.assertEqual(rc, EX_TEMPFAIL, report)
        self.assertTrue(report["errors"])
        self.assert_dns_failure(report)
        o = self.outcomes(report)
        self.assertEqual(o[("TXT", "servfail.test")], "servfail", o)
        self.assertEqual(o[("TXT", "_dmarc.servfail.test")], "servfail", o)
        self.assertIn("servfail", self.finding(report, "spf.dns")["message"])
        self.assertEqual(report["dns_failures"], len([v for v in o.values() if v == "servfail"]))

    def test_timeout_is_an_error_not_a_missing_record(self):
        rc, report = self.check("dropped.test")
        self.assertEqual(rc, EX_TEMPFAIL, report)
        self.assert_dns_failure(report)
        o = self.outcomes(report)
        self.assertEqual(o[("TXT", "dropped.test")], "timeout", o)
        self.assertIn("timeout", self.finding(report, "spf.dns")["message"])

    def test_no_spf_record_and_no_egress_suggests_no_record(self):
        # With neither egress addresses nor expected includes, the only record to suggest would be
        # "v=spf1 -all", which fails every message the domain sends.
        conf = os.path.join(self.dir, "noegress.conf")
        with open(conf, "w") as f:
            f.write('[dns]\nnameservers = ["127.0.0.1@%d"]\ntimeout = "1s"\n' % self.dns.port)
        p = harness.run([harness.MXPULSECTL, "-c", conf, "--json", "check-domain", "nospf.test"], check=False)
        report = json.loads(p.stdout)
        self.assertEqual(p.returncode, 1, report)
        self.assertIn("no SPF record", self.finding(report, "spf.present")["message"])
        self.assertFalse([s for s in report["suggestions"] if "v=spf1" in s], report["suggestions"])

    def test_dead_resolver(self):
        # A resolver address that takes the queries and never answers: every lookup times out.
        import socket
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))
            port = silent.getsockname()[1]
            conf = os.path.join(self.dir, "dead.conf")
            with open(conf, "w") as f:
                f.write('[dns]\nnameservers = ["127.0.0.1@%d"]\ntimeout = "1s"\n' % port)
            p = harness.run([harness.MXPULSECTL, "-c", conf, "--json", "check-domain", "clean.test"], check=False)
            table = harness.run([harness.MXPULSECTL, "-c", conf, "check-domain", "clean.test"], check=False)
        report = json.loads(p.stdout)
        self.assertEqual(p.returncode, EX_TEMPFAIL, report)
        self.assertEqual(table.returncode, EX_TEMPFAIL, table.stdout)
        self.assertEqual(report["resolver"]["addresses"], ["127.0.0.1@%d" % port])
        self.assertIn("Resolver: 127.0.0.1@%d (from dns.nameservers), timeout 1000 ms" % port, table.stdout)
        outcomes = set(self.outcomes(report).values())
        self.assertEqual(outcomes, {"timeout"}, report["lookups"])
        self.assertEqual(report["suggestions"], [])
        self.assertNotIn("v=spf1 -all", table.stdout)
        self.assertNotIn("Suggested zone lines", table.stdout)
        self.assertIn("got no answer", table.stdout)
        for f in report["findings"]:
            self.assertNotIn("no SPF record", f["message"])

    def test_exchange_online_include_missing(self):
        rc, report = self.check("m365.test")
        self.assertEqual(rc, 1, report)
        self.assertIn("is Exchange Online", self.finding(report, "spf.exchange_online")["message"])
        f = self.finding(report, "spf.include", "spf.protection.outlook.com")
        self.assertEqual(f["severity"], "error")
        self.assertIn("Exchange Online's egress is not covered", f["message"])

    def test_exchange_online_include_present(self):
        rc, report = self.check("m365ok.test")
        self.assertEqual(rc, 0, report)
        f = self.finding(report, "spf.include", "spf.protection.outlook.com")
        self.assertEqual(f["severity"], "ok")
        self.assertIn("spf.protection.outlook.com", report["spf"]["includes"])

    def test_servfail_in_an_include_is_an_error(self):
        rc, report = self.check("badinclude.test")
        self.assertEqual(rc, EX_TEMPFAIL, report)
        f = self.finding(report, "spf.dns")
        self.assertEqual(f["severity"], "error")
        self.assertIn("spf.servfail.test", f["message"])

    def test_table_for_people(self):
        p = harness.run([harness.MXPULSECTL, "-c", self.conf, "check-domain", "example.test", "--selector",
                         harness.DKIM_SELECTOR], check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("example.test", p.stdout)


if __name__ == "__main__":
    unittest.main()
