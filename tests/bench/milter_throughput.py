"""Benchmark: end-to-end messages/s through a private Postfix to smtp-sink, without a milter and
with mxpulse on a unix and an inet socket, for 1 and 20 SMTP sessions (2 KB messages).

Run with tests/bench/run (needs root for the private Postfix). Prints one line per setup and the
ratio of each mxpulse setup to Postfix alone.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

SETUPS = os.environ.get("MXPULSE_BENCH_SETUPS", "none unix inet").split()
RUNS = [(1, 300), (20, 1000)]  # (sessions, messages)


def measure(kind, sessions, count):
    """Returns messages/s from first submission until the sink holds every message."""
    with harness.Gateway(socket_kind=kind) as gw:
        if kind != "none":
            gw.write_config(open(gw.path("mxpulse.conf")).read().replace('level = "debug"', 'level = "warn"'))
            gw.stop_mxpulse()
            gw.start_mxpulse()
        gw.smtp_source(20, 2, "warm@example.test", "warm@yahoo.test")
        gw.wait_sink(20, timeout=120)
        start = time.monotonic()
        gw.smtp_source(count, sessions, "bench@example.test", "rcpt@yahoo.test")
        gw.wait_sink(20 + count, timeout=600)
        return count / (time.monotonic() - start)


def main():
    if os.geteuid() != 0:
        print("milter_throughput: needs root for a private Postfix; skipped")
        return 0
    results = {}
    for sessions, count in RUNS:
        for kind in SETUPS:
            rate = measure(kind, sessions, count)
            results[(kind, sessions)] = rate
            print("postfix %-22s sessions=%-3d messages=%-5d %7.1f msg/s"
                  % ("alone" if kind == "none" else "+ mxpulse (%s)" % kind, sessions, count, rate), flush=True)
    for sessions, _ in RUNS:
        base = results[("none", sessions)]
        for kind in ("unix", "inet"):
            print("ratio mxpulse(%s)/postfix-alone at %d session(s): %.2f"
                  % (kind, sessions, results[(kind, sessions)] / base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
