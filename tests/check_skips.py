#!/usr/bin/env python3
"""Fails when CTest skipped a test that should run on this machine (tests/run-all calls it).

Usage: check_skips.py JUNIT_XML SHARED_DIR
A skipped test proves nothing, so every skip must match an entry of ALLOWED below, whose reason
holds on this machine; any other skip fails the run with the test's own output.
"""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET


def mxpulse_installed():
    """True when the mxpulse package is installed here (the install test would purge it)."""
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", "mxpulse"], capture_output=True, text=True)
    return p.returncode == 0 and p.stdout.startswith("install ok")


def allowed(shared_dir):
    """Returns (test name pattern, output pattern, reason) for the skips allowed on this machine."""
    out = [(r"DkimCorpus\.FixedClock$", r"clock is not at any verify_time_unix",
            "at the real clock by design; the same test runs as corpus.dkim_fixed_clock under libfaketime")]
    if mxpulse_installed():
        out.append((r"packaging\.install$", r"already installed",
                    "mxpulse is installed on this machine and the install test would purge it"))
    if not os.path.isdir(os.path.join(shared_dir, "corpus")):
        out.append((r".", r"CORPUS ABSENT", "the shared corpus is not beside this checkout (%s)" % shared_dir))
    return out


def main():
    junit, shared_dir = sys.argv[1], sys.argv[2]
    rules = allowed(shared_dir)
    bad = 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("skipped") is None:
            continue
        name = case.get("name")
        output = case.findtext("system-out") or ""
        reason = next((r for n, o, r in rules if re.search(n, name) and re.search(o, output)), None)
        if reason:
            print("skipped as allowed: %s (%s)" % (name, reason))
            continue
        print("FAIL: %s was skipped, but it should run on this machine. Its output:\n%s" % (name, output))
        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
