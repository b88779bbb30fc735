"""The milter protocol floor and scaling, from milter_load (tests/bench/milter_load.cpp) against
mxpulse and the null milter, each on a unix and an inet socket, all four started once and measured
in interleaved rounds.

Floor: 20 connections, the mixed workload (outbound to many domains, corpus bounces, inbound mail
that is neither): msg/s and the time the milter adds per message, p50 and p99.
Scaling (unix sockets): msg/s at 1, 2, 4, 8 and 16 connections (mixed); cost per outbound message
at 2 KB, 100 KB and 10 MB with one recipient and at 2 KB with 100 recipients (4 connections).
Every ratio is mxpulse against the null milter in the same round; above 1 means mxpulse is faster
or cheaper.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import bench_e2e  # noqa: E402

PART = "protocol floor"
SCALING = "scaling"


def load(spec, connections, messages, size=2048, rcpts=1, mix="mixed"):
    """Runs milter_load once; returns its JSON result."""
    binary = os.path.join(os.environ.get("MXPULSE_BUILD_DIR", ""), "tests", "bench", "milter_load")
    cmd = [binary, "--socket", spec, "--connections", str(connections), "--messages", str(messages),
           "--size", str(size), "--rcpts", str(rcpts), "--mix", mix, "--bounces", bounce_dir()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("milter_load failed (%d): %s" % (p.returncode, p.stderr.strip()[:200]))
    return json.loads(p.stdout)


def bounce_dir():
    shared = os.environ.get("MXPULSE_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))
    return os.path.join(shared, "corpus", "bounces", "eml")


class Milters:
    """The null milter and mxpulse on a unix and an inet socket; spec() names each one's socket."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.null = {}
        self.gateways = {}

    def __enter__(self):
        try:
            for kind in ("unix", "inet"):
                self.null[kind] = bench_e2e.NullMilter(kind, self.tmp).start()
                gw = harness.Gateway(socket_kind=kind, extra_config=bench_e2e.MXPULSE_CONFIG)
                self.gateways[kind] = gw.start_without_postfix()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for m in self.null.values():
            m.stop()
        for gw in self.gateways.values():
            gw.stop()

    def spec(self, target):
        """TARGET: "null-unix", "null-inet", "unix" or "inet"."""
        if target.startswith("null-"):
            return self.null[target[5:]].spec
        return self.gateways[target].milter_spec()[0]


def plans(smoke):
    """Returns the floor runs and the scaling runs: (row name, kwargs of load())."""
    n = 30 if smoke else 3000
    floor = [("20 connections, mixed", dict(connections=20, messages=n))]
    conns = (1, 2) if smoke else (1, 2, 4, 8, 16)
    scaling = [("%d connection%s, mixed" % (c, "s" if c > 1 else ""), dict(connections=c, messages=20 if smoke else 1500))
               for c in conns]
    sizes = [("2 KB", 2048, 1, 800), ("100 KB", 100 * 1024, 1, 300), ("10 MB", 10 * 1024 * 1024, 1, 8),
             ("2 KB, 100 recipients", 2048, 100, 200)]
    if smoke:
        sizes = [(name, size, rcpts, 4) for name, size, rcpts, _ in sizes if size < 1024 * 1024]
    scaling += [("cost per message, %s" % name, dict(connections=4, messages=count, size=size, rcpts=rcpts,
                                                     mix="outbound")) for name, size, rcpts, count in sizes]
    return floor, scaling


def run(table, rounds, smoke):
    """Adds the protocol floor and scaling rows to TABLE."""
    if os.geteuid() != 0:
        table.not_run(PART, "mxpulse", "needs root (mxpulse starts as root and drops to nobody)")
        return
    import tempfile
    import shutil
    floor, scaling = plans(smoke)
    results = {}
    tmp = tempfile.mkdtemp(prefix="mxpulse-bench-")
    os.chmod(tmp, 0o755)
    try:
        with Milters(tmp) as m:
            for _ in range(rounds):
                for name, kw in floor:
                    for target in ("null-unix", "unix", "null-inet", "inet"):
                        results.setdefault((name, target), []).append(load(m.spec(target), **kw))
                for name, kw in scaling:
                    for target in ("null-unix", "unix"):
                        results.setdefault((name, target), []).append(load(m.spec(target), **kw))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(table, floor, scaling, results)


def report(table, floor, scaling, results):
    """The rows: mxpulse against the null milter on the same socket."""
    def series(name, target, key):
        return [r[key] for r in results[(name, target)]]
    for name, _ in floor:
        for sock in ("unix", "inet"):
            ref = "null-" + sock
            what = "mxpulse, %s, %s" % (sock, name)
            table.add(PART, what + ": throughput", "null milter, " + sock, series(name, sock, "msg_per_s"), "msg/s",
                      series(name, ref, "msg_per_s"))
            for p in ("p50", "p99"):
                table.add(PART, what + ": added latency " + p, "null milter, " + sock,
                          [v / 1000 for v in series(name, sock, p + "_us")], "ms",
                          [v / 1000 for v in series(name, ref, p + "_us")], lower_is_better=True)
    for name, kw in scaling:
        if name.startswith("cost"):
            ms = [1000 * kw["connections"] / v for v in series(name, "unix", "msg_per_s")]
            ref = [1000 * kw["connections"] / v for v in series(name, "null-unix", "msg_per_s")]
            table.add(SCALING, "mxpulse, unix, " + name, "null milter, unix", ms, "ms/msg", ref, lower_is_better=True)
        else:
            table.add(SCALING, "mxpulse, unix, " + name, "null milter, unix", series(name, "unix", "msg_per_s"),
                      "msg/s", series(name, "null-unix", "msg_per_s"))
