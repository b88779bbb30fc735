"""`mxpulsectl analyze` as a user runs it: files and stdin in, JSON lines or a table out, no daemon."""

import json
import os
import subprocess
import unittest

import harness

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "bounces")
KEYS = {"file", "is_bounce", "recipient", "action", "status", "reply_code", "reason", "family",
        "cause_status", "cause_reply_code", "cause_text", "cause_chain", "patterns", "remote_mta",
        "remote_ip", "diagnostic", "last_attempt", "attempts", "rule_line", "original_message_id"}


class Analyze(unittest.TestCase):
    def test_json_lines_have_exactly_the_documented_keys(self):
        path = os.path.join(FIXTURES, "m365-separate-fields.eml")
        p = harness.run([harness.MXPULSECTL, "analyze", "--json", path])
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertGreaterEqual(len(lines), 1)
        for rec in lines:
            self.assertEqual(set(rec), KEYS)
            self.assertTrue(rec["is_bounce"])
        self.assertIn("m365-socketerror", lines[0]["patterns"])
        self.assertEqual(lines[0]["status"], "5.4.300")
        self.assertEqual(lines[0]["cause_status"], "4.4.2")

    def test_unreadable_file_is_reported_and_the_run_continues(self):
        good = os.path.join(FIXTURES, "m365-text-only.eml")
        p = harness.run([harness.MXPULSECTL, "analyze", "--json", "/nonexistent/x.eml", good], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("/nonexistent/x.eml", p.stderr)
        self.assertTrue(any(json.loads(l)["file"] == good for l in p.stdout.splitlines()))

    def test_stdin_and_non_bounce(self):
        msg = b"From: a@example.test\nTo: b@example.test\nSubject: hello\n\nJust a note.\n"
        p = subprocess.run([harness.MXPULSECTL, "analyze", "--json", "-"], input=msg, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"file": "-", "is_bounce": False})

    def test_table_output_for_people(self):
        path = os.path.join(FIXTURES, "m365-admin-history.eml")
        p = harness.run([harness.MXPULSECTL, "analyze", path])
        self.assertIn("REASON", p.stdout)
        self.assertIn("expired", p.stdout)


if __name__ == "__main__":
    unittest.main()
