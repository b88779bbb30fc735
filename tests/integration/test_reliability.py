"""Reliability against the real daemon: damaged state files, memory at the destination cap, and a
control socket that local clients cannot exhaust (issue 14)."""

import os
import unittest

import harness
from test_mail_flow import require_root

# The 9-byte CBOR document {"format": 1}: valid CBOR whose field has the wrong type.
NINE_BYTES = bytes([0xA1, 0x66]) + b"format" + bytes([0x01])


class DamagedStateFile(unittest.TestCase):
    """A state file that cannot be used is set aside, counted and logged; the daemon starts."""

    def setUp(self):
        require_root(self)
        self.gw = harness.Gateway(socket_kind="unix")
        self.addCleanup(self.gw.stop)

    def start_with_state(self, data):
        """Starts mxpulse (no Postfix) with `data` as its state file; returns the state file path."""
        os.makedirs(self.gw.dir, exist_ok=True)
        state = self.gw.path("state.cbor")
        with open(state, "wb") as f:
            f.write(data)
        self.gw.start_without_postfix()
        return state

    def test_nine_byte_wrong_typed_file_is_set_aside_and_the_daemon_serves(self):
        self.assertEqual(len(NINE_BYTES), 9)
        state = self.start_with_state(NINE_BYTES)
        restored = harness.wait_for(lambda: self.gw.events("state.restored"), 10, "state.restored")
        self.assertEqual(restored[0]["outcome"], "set_aside", restored[0])
        self.assertIn("moved to " + state + ".bad-", restored[0]["detail"])
        self.assertFalse(os.path.exists(state))
        aside = [n for n in os.listdir(self.gw.dir) if n.startswith("state.cbor.bad-")]
        self.assertEqual(len(aside), 1, os.listdir(self.gw.dir))
        with open(self.gw.path(aside[0]), "rb") as f:
            self.assertEqual(f.read(), NINE_BYTES)
        status = self.gw.ctl_json("status")
        self.assertEqual(status["state"]["unusable_at_start"], 1)
        self.assertIsNone(self.gw.mxpulse.poll())
        # The next snapshot writes a fresh, loadable file.
        self.gw.ctl_json("snapshot")
        self.assertTrue(os.path.exists(state))
        self.assertEqual(self.gw.ctl_json("status")["state"]["snapshots_written"], 1)


if __name__ == "__main__":
    unittest.main()
