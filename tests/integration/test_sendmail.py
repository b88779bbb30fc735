"""Sendmail live: a real Sendmail 8 on loopback with mxpulse as its INPUT_MAIL_FILTER; a bounce
sent through it reaches the sink with mxpulse's tag header.

Debian's sendmail-bin conflicts with postfix, so packaging/deps.sh fetches the packages with
apt-get download and unpacks them with dpkg -x into a cache folder (the test never downloads), and
Sendmail runs from there with a private .cf built by m4 (sendmail -C FILE -bD). Sendmail sleeps 60 s at start when the host has no fully qualified
name, so it runs in a private mount namespace whose /etc/hosts gives the host one.
"""

import os
import re
import shutil
import smtplib
import socket
import subprocess
import unittest

import harness
from test_mail_flow import require_root

# Where packaging/deps.sh unpacks sendmail-bin, sendmail-cf and sendmail-base.
CACHE = os.environ.get("MXPULSE_SENDMAIL_ROOT", "/var/cache/mxpulse-tests/sendmail/root")

MC = """\
divert(-1)
divert(0)dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{fqdn}')dnl
define(`QUEUE_DIR', `{dir}/mqueue')dnl
define(`STATUS_FILE', `{dir}/statistics')dnl
define(`confPID_FILE', `{dir}/sendmail.pid')dnl
define(`ALIAS_FILE', `')dnl
define(`confHELP_FILE', `')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confDEF_USER_ID', `nobody:nogroup')dnl
define(`confTO_IDENT', `0s')dnl
define(`confLOG_LEVEL', `14')dnl
define(`confMILTER_LOG_LEVEL', `9')dnl
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {sink}')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {sink}')dnl
define(`confDELIVERY_MODE', `background')dnl
FEATURE(`promiscuous_relay')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(`mxpulse', `S={milter}, F=T, T=C:10s;S:10s;R:10s;E:30s')dnl
MAILER(`smtp')dnl
"""

BOUNCE = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@remote.example.net>
To: alice@example.test
Subject: Returned mail: see transcript for details
Message-ID: <bounce-{tag}@remote.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b0"

--b0
Content-Type: text/plain

The original message was not delivered to bob@remote.example.net.

--b0
Content-Type: message/delivery-status

Reporting-MTA: dns; remote.example.net

Final-Recipient: rfc822; bob@remote.example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.example.net>: user unknown

--b0--
"""


def unpacked_sendmail():
    """Returns the folder holding the unpacked Sendmail packages; fails when deps.sh did not unpack them."""
    binary = os.path.join(CACHE, "usr", "libexec", "sendmail", "sendmail")
    cf = os.path.join(CACHE, "usr", "share", "sendmail", "cf", "m4", "cf.m4")
    for need in (binary, cf):
        if not os.path.exists(need):
            raise AssertionError("%s is missing: run `bash packaging/deps.sh`, which unpacks Sendmail there "
                                 "(this test downloads nothing)" % need)
    return CACHE


class Sendmail(unittest.TestCase):
    """Mail through Sendmail with mxpulse attached is seen and logged with Sendmail's queue id."""

    @classmethod
    def setUpClass(cls):
        require_root(cls)
        for tool in ("m4", "unshare", "mount"):
            if not shutil.which(tool):
                raise AssertionError("%s is not installed: run `bash packaging/deps.sh`" % tool)
        cls.root = unpacked_sendmail()
        cls.gw = harness.Gateway(socket_kind="inet").start_without_postfix()
        try:
            cls._start_sendmail()
        except BaseException:
            cls._stop_sendmail()
            cls.gw.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._stop_sendmail()
        cls.gw.stop()

    @classmethod
    def _start_sendmail(cls):
        gw = cls.gw
        cls.port = harness.free_port()
        cls.dir = gw.path("sendmail")
        os.makedirs(os.path.join(cls.dir, "mqueue"), mode=0o700)
        open(os.path.join(cls.dir, "statistics"), "w").close()
        cf_dir = os.path.join(cls.root, "usr", "share", "sendmail", "cf")
        cls.fqdn = "mx.example.test"
        mc = MC.format(fqdn=cls.fqdn, dir=cls.dir, sink=gw.sink_port, port=cls.port, milter=gw.milter_spec()[0])
        with open(os.path.join(cls.dir, "test.mc"), "w") as f:
            f.write(mc)
        cf = os.path.join(cls.dir, "test.cf")
        p = harness.run(["m4", "-D_CF_DIR_=%s/" % cf_dir, os.path.join(cf_dir, "m4", "cf.m4"),
                         os.path.join(cls.dir, "test.mc")])
        with open(cf, "w") as f:
            f.write(p.stdout)
        # The host's name, qualified, in a private /etc/hosts: else Sendmail sleeps 60 s at start.
        hosts = os.path.join(cls.dir, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 %s %s localhost\n" % (cls.fqdn, socket.gethostname()))
        sendmail = os.path.join(cls.root, "usr", "libexec", "sendmail", "sendmail")
        cls.log = open(os.path.join(cls.dir, "sendmail.log"), "w")
        cls.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$1" /etc/hosts && exec "$2" -C "$3" -bD', "sh", hosts, sendmail, cf],
            stdout=cls.log, stderr=subprocess.STDOUT)
        harness.wait_for(lambda: gw._port_open(cls.port) or cls.proc.poll() is not None, 20,
                         "sendmail to listen on 127.0.0.1:%d" % cls.port)
        if cls.proc.poll() is not None:
            raise AssertionError("sendmail exited %s:\n%s" % (cls.proc.returncode, cls.sendmail_log()))

    @classmethod
    def _stop_sendmail(cls):
        proc = getattr(cls, "proc", None)
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if getattr(cls, "log", None):
            cls.log.close()

    @classmethod
    def sendmail_log(cls):
        with open(os.path.join(cls.dir, "sendmail.log"), errors="replace") as f:
            return f.read()

    def send(self, sender, recipients, data):
        """Sends one message to Sendmail; returns the queue id from its 250 reply."""
        with smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.example.test", timeout=60) as s:
            s.mail(sender)
            for r in recipients:
                code, msg = s.rcpt(r)
                self.assertEqual(code, 250, msg)
            code, msg = s.data(data.encode())
        self.assertEqual(code, 250, msg)
        m = re.search(r"\b([0-9A-Za-z]{14})\b", msg.decode())
        self.assertIsNotNone(m, "no queue id in Sendmail's reply %r" % msg)
        return m.group(1)

    def seen(self, queue_id):
        """Waits for mxpulse's message.seen line for queue_id and returns it."""
        harness.wait_for(lambda: any(e.get("queue_id") == queue_id for e in self.gw.events("message.seen")), 30,
                         "message.seen for Sendmail queue id %s\nmxpulse log:\n%s\nsendmail log:\n%s"
                         % (queue_id, self.gw.log_text(), self.sendmail_log()))
        return [e for e in self.gw.events("message.seen") if e.get("queue_id") == queue_id][0]

    def test_outbound_message_is_seen_with_sendmails_queue_id_and_delivered(self):
        data = ("From: alice@example.test\r\nTo: bob@remote.example.net\r\nSubject: via sendmail\r\n"
                "Message-ID: <sm-out@example.test>\r\n\r\nHello through Sendmail.\r\n")
        qid = self.send("alice@example.test", ["bob@remote.example.net"], data)
        e = self.seen(qid)
        self.assertEqual(e["direction"], "outbound")  # 127.0.0.1 is an internal network in the harness config
        self.assertEqual(e["sender"], "alice@example.test")
        self.assertEqual(e["rcpt_count"], 1)
        harness.wait_for(lambda: any("Hello through Sendmail." in m for m in self.gw.sink_messages()), 30,
                         "the message at smtp-sink")

    def test_bounce_passes_the_filter_with_a_null_sender(self):
        data = BOUNCE.format(tag="1").replace("\n", "\r\n")
        qid = self.send("<>", ["alice@example.test"], data)
        e = self.seen(qid)
        self.assertEqual(e["sender"], "")
        self.assertEqual(e["direction"], "returning_dsn")
        self.assertEqual(e["message_id"], "<bounce-1@remote.example.net>")
        harness.wait_for(lambda: any("bounce-1@remote.example.net" in m for m in self.gw.sink_messages()), 30,
                         "the bounce at smtp-sink")
        delivered = [m for m in self.gw.sink_messages() if "bounce-1@remote.example.net" in m][0]
        tags = re.findall(r"^X-MXPulse-Bounce: *(.*)$", delivered, re.M | re.I)
        self.assertTrue(tags, "no X-MXPulse-Bounce tag header at the sink:\n" + delivered)
        self.assertIn("remote.example.net", tags[0])
        tagged = [t for t in self.gw.events("bounce.tagged") if t.get("queue_id") == qid]
        self.assertEqual([t["recipient"] for t in tagged], ["bob@remote.example.net"])


if __name__ == "__main__":
    unittest.main()
