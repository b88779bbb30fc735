"""Benchmark: mxpulse's RSS with 100,000 destinations tracked (the default cap), reached through
the real path (RFC 3464 reports for 120,000 domains sent to a private Postfix), before and after a
snapshot, and after a restart and a snapshot; snapshot time and state file size.

Run: sudo MXPULSE_BUILD_DIR=build /usr/bin/python3 tests/bench/state_memory.py [DOMAINS]
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402
import ndr_storm  # noqa: E402


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def snapshot(gw):
    """Writes a snapshot through the control socket; returns its wall time in seconds."""
    t0 = time.monotonic()
    gw.ctl_json("snapshot")
    return time.monotonic() - t0


def main():
    if os.geteuid() != 0:
        print("state_memory: needs root for a private Postfix; skipped")
        return 0
    domains = int(sys.argv[1]) if len(sys.argv) > 1 else 120000
    gw = harness.Gateway(socket_kind="unix", extra_config='[log]\nlevel = "warn"\n[metrics]\nlisten = "127.0.0.1:%d"\n' % harness.free_port())
    # The daemon runs as nobody: its state directory is its own, as in a packaged install.
    import grp
    import pwd
    os.chown(gw.dir, pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
    with gw:
        pid = gw.mxpulse.pid
        base = ndr_storm.rss_kib(pid)
        took = ndr_storm.feed(gw, domains)
        st = gw.ctl_json("status")["destinations"]
        print("state_memory: %d domains fed in %.1f s; tracked %d, evicted %d" %
              (domains, took, st["tracked"], st["evictions"]))
        before = ndr_storm.rss_kib(pid)
        s1 = snapshot(gw)
        after = ndr_storm.rss_kib(pid)
        size = os.path.getsize(gw.path("state.cbor"))
        print("state_memory: RSS at start %s, at the cap %s, after a snapshot %s (peak %s)" %
              (mib(base), mib(before), mib(after), mib(ndr_storm.rss_kib(pid, "VmHWM"))))
        print("state_memory: snapshot %.2f s (ctl round trip; daemon says %s ms), state file %.1f MiB" %
              (s1, gw.ctl_json("status")["state"]["last_snapshot_ms"], size / 1048576.0))
        t0 = time.monotonic()
        gw.stop_mxpulse()
        gw.start_mxpulse()
        restart = time.monotonic() - t0
        pid = gw.mxpulse.pid
        restored = ndr_storm.rss_kib(pid)
        s2 = snapshot(gw)
        again = ndr_storm.rss_kib(pid)
        print("state_memory: restart %.2f s; RSS after restore %s, after a snapshot %s (peak %s); "
              "snapshot %.2f s" % (restart, mib(restored), mib(again),
                                   mib(ndr_storm.rss_kib(pid, "VmHWM")), s2))
        print("state_memory: target <= 64 MiB at the cap: %s" %
              ("met" if max(before, after, restored, again) <= 64 * 1024 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
