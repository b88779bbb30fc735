"""A bounce storm through the real path: RFC 3464 reports, each failing many recipients in distinct
domains, sent over SMTP to the private Postfix in front of mxpulse; and the daemon's RSS."""

import time

import harness

# One report; the per-recipient blocks are filled in by ndr().
HEAD = """\
From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)
To: alice@example.test
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 07:00:00 +0000
Message-ID: <storm-{n}@mx.remote.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain

Delivery to the following recipients failed.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test
Arrival-Date: Mon, 23 Nov 2026 06:59:00 +0000
"""

RCPT = """
Final-Recipient: rfc822; user{i}@storm{i}.example
Action: failed
Status: 5.4.300
Remote-MTA: dns; mx{i}.storm{i}.example
Diagnostic-Code: smtp; 550 5.4.300 Message expired -> 421 4.4.2 Connection dropped due to SocketError
Last-Attempt-Date: Mon, 23 Nov 2026 06:59:30 +0000
"""


def ndr(n, first, count):
    """Returns report n failing `count` recipients, domains storm{first}.example onwards."""
    body = HEAD.format(n=n) + "".join(RCPT.format(i=i) for i in range(first, first + count))
    body += "\n--B0UND--\n"
    return body.replace("\n", "\r\n").encode()


def feed(gw, domains, per_report=1000, sessions=4):
    """Sends reports failing one recipient in each of `domains` distinct domains; waits until
    mxpulse tracks min(domains, cap) destinations or evicted the rest. Returns seconds taken."""
    start = time.monotonic()
    messages = []
    for n, first in enumerate(range(0, domains, per_report)):
        messages.append(("", ["alice@example.test"], ndr(n, first, min(per_report, domains - first))))
    gw.send_many(messages, sessions=sessions, source="127.0.0.2")

    def seen():
        status = gw.ctl_json("status", check=False)  # None while a snapshot holds the thread
        if status is None:
            return False
        d = status["destinations"]
        return d["tracked"] + d["evictions"] >= domains
    harness.wait_for(seen, 600, "mxpulse to count %d destinations" % domains)
    return time.monotonic() - start


def rss_kib(pid, field="VmRSS"):
    """Returns a /proc/PID/status field in KiB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (field, pid))
