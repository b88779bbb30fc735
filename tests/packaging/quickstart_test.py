#!/usr/bin/env python3
"""README command 1 as a newcomer runs it: `packaging/quickstart` starts its private demo (its own
directory and free ports, so it runs beside whatever else runs here, another quick start
included), tells the seeds' story through top, provider, evidence and alerts, leaves the system
Postfix's main.cf and master.cf byte-identical, and `--stop` removes all of it.

Usage: quickstart_test.py   (as root; exits 77 otherwise)
"""

import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
QUICKSTART = os.path.join(ROOT, "packaging", "quickstart")
SKIP = 77


def system_postfix():
    """Returns the SHA-256 of the system Postfix's main.cf and master.cf (None when absent)."""
    out = {}
    for name in ("main.cf", "master.cf"):
        try:
            with open(os.path.join("/etc/postfix", name), "rb") as f:
                out[name] = hashlib.sha256(f.read()).hexdigest()
        except FileNotFoundError:
            out[name] = None
    return out


def recorded_pids(directory):
    """Returns the pids the demo recorded (its helpers, mxpulse, Postfix's master)."""
    pids = []
    for f in glob.glob(os.path.join(directory, "pids", "*.pid")) + [
            os.path.join(directory, "run", "mxpulse.pid"),
            os.path.join(directory, "queue", "pid", "master.pid")]:
        try:
            with open(f) as fh:
                digits = "".join(c for c in fh.read() if c.isdigit())
        except OSError:
            continue
        if digits:
            pids.append(int(digits))
    return pids


def expect(condition, what, output):
    if not condition:
        raise SystemExit("FAIL: %s\n--- quick start output ---\n%s" % (what, output[-6000:]))


def check_story(out):
    """The seeds' story as the transcript shows it: 12 messages to three Yahoo-hosted domains,
    9 of them back as Microsoft 365 SocketError NDRs, grouped by their MX under yahoodns.net."""
    for domain, sent, failed in (("yahoo.com", 5, 4), ("aol.com", 4, 3), ("btinternet.com", 3, 2)):
        expect(re.search(r"^%s\s+yahoodns\.net\s+%d\s+%d\s" % (re.escape(domain), sent, failed), out, re.M),
               "top shows %s under yahoodns.net with %d sent and %d failed" % (domain, sent, failed), out)
    expect(re.search(r"^patterns\s+m365-socketerror=9$", out, re.M), "provider counts 9 SocketError NDRs", out)
    expect("Cause chains: 550 5.4.300 Message expired <- 451 4.4.397" in out and
           "421 4.4.2 Connection dropped due to SocketError (9)" in out,
           "the evidence bundle gives the whole cause chain", out)
    expect("Completeness: showing 9 of 9 failed recipients" in out, "the bundle says it is complete", out)
    expect(re.search(r"^    ok  spf\.present  SPF record published$", out, re.M) and
           re.search(r"^    ok  dmarc\.present  DMARC record at _dmarc\.example\.com$", out, re.M),
           "the bundle shows the sender domain's SPF and DMARC from the demo's DNS server", out)
    expect(re.search(r"^m365-socketerror-burst\s+yahoodns\.net\s+critical", out, re.M),
           "the burst alert is active when the transcript shows the alerts", out)


def main():
    if os.geteuid() != 0:
        print("SKIPPED LOUDLY: the quick start runs as root (it installs packages, starts Postfix)")
        return SKIP
    directory = tempfile.mkdtemp(prefix="mxpulse-quickstart-test-", dir="/var/tmp")
    os.rmdir(directory)  # the quick start creates (and --stop removes) its own directory
    env = dict(os.environ, MXPULSE_QUICKSTART_DIR=directory)
    before = system_postfix()
    pids = []
    try:
        p = subprocess.run(["bash", QUICKSTART], env=env, capture_output=True, text=True, timeout=1200)
        out = p.stdout + p.stderr
        expect(p.returncode == 0, "packaging/quickstart exited %d" % p.returncode, out)
        pids = recorded_pids(directory)
        expect(len(pids) >= 3, "the demo recorded its processes (%s)" % pids, out)
        check_story(p.stdout)
        expect(system_postfix() == before, "the system Postfix's main.cf and master.cf are unchanged", out)
    finally:
        stop = subprocess.run(["bash", QUICKSTART, "--stop"], env=env, capture_output=True, text=True,
                              timeout=300)
    expect(stop.returncode == 0, "quickstart --stop exited %d" % stop.returncode, stop.stdout + stop.stderr)
    expect(not os.path.exists(directory), "--stop removed %s" % directory, stop.stdout)
    alive = [pid for pid in pids if os.path.exists("/proc/%d" % pid)]
    expect(not alive, "--stop left no process of the demo running (%s)" % alive, stop.stdout)
    print("quick start: story shown, system Postfix unchanged, %d processes stopped, %s removed"
          % (len(pids), directory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
