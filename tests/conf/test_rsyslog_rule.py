"""conf/rsyslog/30-mxpulse-alerts.conf in a real, private rsyslogd: alert and suppression lines
from mxpulse reach the alerts file in both log formats, other lines and other programs do not."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULE = os.path.join(ROOT, "conf", "rsyslog", "30-mxpulse-alerts.conf")

# Lines as mxpulse writes them with sink = "syslog" (no timestamp: syslog adds its own).
ROUTED = [
    'level=warn event=alert.raised rule=m365-socketerror-burst key=yahoodns.net metric=pattern_count '
    'window=15m value=6 threshold=5 events=6 severity=critical',
    '{"level":"info","event":"alert.cleared","rule":"provider-delays","key":"yahoodns.net",'
    '"metric":"deferral_rate","window":"1h","value":0.01,"threshold":0.02,"events":40,'
    '"severity":"warning"}',
    'level=warn event=log.suppressed limited=bounce.tagged key=domain value=yahoo.com suppressed=9880 '
    'written=100 interval_s=60',
]
NOT_ROUTED = [
    'level=info event=message.seen queue_id=4Xb2Lq0Zk9z1 direction=outbound size=1234',
    'level=info event=bounce.tagged queue_id=4Xb2Lq0Zk9z2 domain=yahoo.com subject="event=alert.raised"',
]


class RsyslogRule(unittest.TestCase):
    def setUp(self):
        if not shutil.which("rsyslogd") or not shutil.which("logger"):
            self.fail("rsyslogd or logger is not installed (bash packaging/deps.sh installs them)")
        self.dir = tempfile.mkdtemp(prefix="mxpulse-rsyslog-")
        self.sock = os.path.join(self.dir, "log.sock")
        self.alerts = os.path.join(self.dir, "alerts.log")
        self.everything = os.path.join(self.dir, "all.log")
        with open(RULE) as f:
            rule = f.read().replace("/var/log/mxpulse/alerts.log", self.alerts)
        self.assertIn(self.alerts, rule, "the rule no longer writes /var/log/mxpulse/alerts.log")
        with open(os.path.join(self.dir, "30-mxpulse-alerts.conf"), "w") as f:
            f.write(rule)
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write('global(workDirectory="{d}")\n'
                    'module(load="imuxsock" SysSock.Use="off")\n'
                    'input(type="imuxsock" Socket="{s}" CreatePath="on")\n'
                    'include(file="{d}/30-mxpulse-alerts.conf")\n'
                    'action(type="omfile" file="{a}")\n'.format(d=self.dir, s=self.sock, a=self.everything))
        check = subprocess.run(["rsyslogd", "-N1", "-f", conf], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, "rsyslogd -N1 refuses the rule:\n" + check.stderr + check.stdout)
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(self.dir, "pid")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(self.sock) and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(self.sock), "rsyslogd did not create its socket")

    def tearDown(self):
        if getattr(self, "proc", None):
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self, tag, line):
        subprocess.run(["logger", "--socket", self.sock, "-t", tag, "-p", "mail.warning", "--", line],
                       check=True)

    def read(self, path):
        try:
            with open(path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def test_alert_lines_go_to_the_alerts_file(self):
        for line in ROUTED + NOT_ROUTED:
            self.log("mxpulse", line)
        self.log("postfix/smtp", ROUTED[0])  # another program saying the same is not routed
        marker = "end-of-test-marker"
        self.log("mxpulse", marker)
        deadline = time.time() + 10
        while marker not in self.read(self.everything) and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(marker, self.read(self.everything), "rsyslogd did not write the catch-all file")
        time.sleep(0.2)
        alerts = self.read(self.alerts).splitlines()
        self.assertEqual(len(alerts), len(ROUTED), "\n".join(alerts))
        for want, got in zip(ROUTED, alerts):
            self.assertTrue(got.endswith(" " + want), "%r does not end with %r" % (got, want))
            # The template puts an RFC 3339 time (with offset) and the host first.
            self.assertRegex(got, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z) \S+ ")


if __name__ == "__main__":
    unittest.main()
