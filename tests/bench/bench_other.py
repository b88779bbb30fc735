"""The other parts of the table: bounce analysis against Sisimai (dsn_bench, one run per round,
the ratio taken by CPU time in each), the library benchmarks as they print their figures
(registry_bench, auth_bench, once), and the daemon's memory and control-plane latency
(daemon_memory.py and control_latency.py, when present; until then "not run").
"""

import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
PART = "bounce analysis"


def binary(name):
    return os.path.join(os.environ.get("MXPULSE_BUILD_DIR", ""), "tests", "bench", name)


def output(cmd, env=None, timeout=900):
    """Runs CMD; returns its stdout, raising with its stderr when it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=dict(os.environ, **(env or {})))
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (os.path.basename(cmd[-1] if cmd[0].endswith("python3") else cmd[0]),
                                                 p.returncode, (p.stderr or p.stdout).strip()[-200:]))
    return p.stdout


def bounce_analysis(table, rounds, smoke):
    """mxpulse's bounce parsing against Sisimai, by CPU time, on the corpus."""
    ours, theirs = [], []
    for _ in range(rounds):
        out = output([binary("dsn_bench")], env={"MXPULSE_BENCH_SECONDS": "0.3" if smoke else "2"})
        m = re.search(r"^mxpulse: ([0-9.]+) msgs/s by CPU time", out, re.M)
        s = re.search(r"^sisimai: ([0-9.]+) msgs/s by CPU time", out, re.M)
        if not m:
            raise RuntimeError("dsn_bench printed no rate")
        ours.append(float(m.group(1)))
        if s:
            theirs.append(float(s.group(1)))
    table.add(PART, "mxpulse DSN parsing, corpus bounces, by CPU time", "Sisimai, same files" if theirs else None,
              ours, "msg/s", theirs or None)


def library(table, smoke):
    """The library benchmarks' own figures, as printed."""
    runs = [("registry", [binary("registry_bench")] + (["20000"] if smoke else []),
             ("registry_memory: RSS", "top_latency: ", "metrics_render: ")),
            ("auth", [binary("auth_bench")] + (["50"] if smoke else []), ("auth evaluate",))]
    for part, cmd, prefixes in runs:
        if not os.path.exists(cmd[0]):
            table.not_run("library", part, "%s not built" % os.path.basename(cmd[0]))
            continue
        try:
            out = output(cmd)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            table.not_run("library", part, "error: %s" % e)
            continue
        for line in out.splitlines():
            if line.startswith(prefixes):
                what, _, figure = line.partition(": ") if not line.startswith("auth") else ("auth", "", line)
                table.text_row("library", what, figure.strip())


def daemon_scripts(table, smoke):
    """The daemon's own memory and control-plane latency, from the scripts `mem` provides."""
    for part, script in (("daemon memory", "daemon_memory.py"), ("control plane", "control_latency.py")):
        path = os.path.join(HERE, script)
        if not os.path.exists(path):
            table.not_run(part, "the running daemon", "%s is not in this tree yet" % script)
            continue
        if os.geteuid() != 0:
            table.not_run(part, "the running daemon", "needs root")
            continue
        try:
            out = output(["/usr/bin/python3", path] + (["--smoke"] if smoke else []))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            table.not_run(part, "the running daemon", "error: %s" % e)
            continue
        lines = [l for l in out.splitlines() if ":" in l]
        for line in lines or ["no figure printed"]:
            what, _, figure = line.partition(":")
            table.text_row(part, what.strip(), figure.strip() or what.strip())


def run(table, rounds, smoke):
    if os.path.exists(binary("dsn_bench")):
        try:
            bounce_analysis(table, rounds, smoke)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            table.not_run(PART, "mxpulse against Sisimai", "error: %s" % e)
    else:
        table.not_run(PART, "mxpulse against Sisimai", "dsn_bench not built")
    library(table, smoke)
    daemon_scripts(table, smoke)
