"""The benchmark table: every figure of tests/bench/ in one Markdown table, each a ratio against a
reference measured in the same run, the median of interleaved rounds with its spread.

  table.py [--smoke] [--rounds N] [--out FILE]   runs the benchmarks and prints the table
  table.py --check FILE                           checks that FILE holds a well-formed table

--smoke runs each part once with a handful of messages: it proves the table is produced and
says nothing about speed. The end-to-end part needs root (a private Postfix); without it, and
for benchmarks not built yet, the rows say "not run" and why.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_e2e  # noqa: E402
import bench_floor  # noqa: E402
import bench_other  # noqa: E402

HEADER = "| part | measured | reference | median | spread | ratio |"
RULE = "|---|---|---|---|---|---|"


def fmt(v, unit):
    """Formats a figure with its unit."""
    if v >= 100:
        return "%.0f %s" % (v, unit)
    return "%.3g %s" % (v, unit)


def spread(values):
    """Half the range of values as a percentage of their median (the ± of the table)."""
    if len(values) < 2:
        return "n=1"
    m = statistics.median(values)
    return "±%.0f %% (n=%d)" % ((max(values) - min(values)) / 2 / m * 100 if m else 0, len(values))


class Table:
    """Rows of the table; a ratio is higher-is-better for rates and lower-is-better for costs."""

    def __init__(self):
        self.rows = []
        self.load_at_start = os.getloadavg()

    def add(self, part, what, ref, values, unit, ref_values=None, lower_is_better=False):
        """One measured figure; its ratio is taken round by round against REF_VALUES."""
        if not values:
            self.not_run(part, what, "no result")
            return
        ratio = "—"
        if ref_values:
            pairs = [(v, r) for v, r in zip(values, ref_values) if v and r]
            rs = [(r / v if lower_is_better else v / r) for v, r in pairs]
            if rs:
                ratio = "%.2f× (%s)" % (statistics.median(rs), spread(rs))
        self.rows.append("| %s | %s | %s | %s | %s | %s |" % (
            part, what, ref or "—", fmt(statistics.median(values), unit), spread(values), ratio))

    def text_row(self, part, what, text):
        """A figure reported by another benchmark as it printed it (it has its own reference)."""
        self.rows.append("| %s | %s | — | %s | — | — |" % (part, what, text.replace("|", "/")))

    def not_run(self, part, what, reason):
        self.rows.append("| %s | %s | — | not run: %s | — | — |" % (part, what, reason.replace("|", "/")))

    def render(self, smoke):
        load = os.getloadavg()
        head = ["# mxpulse benchmarks%s" % (" (smoke: no figure means anything)" if smoke else ""), "",
                "Date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "Machine: %s, %d CPUs, %s; load average (1, 5, 15 min) at the start %.2f %.2f %.2f, at the end "
                "%.2f %.2f %.2f" % (platform.machine(), os.cpu_count() or 0, cpu_model(), *self.load_at_start, *load),
                "Ratios: above 1 means mxpulse is faster or cheaper than the reference, round by round.", ""]
        return "\n".join(head + [HEADER, RULE] + self.rows) + "\n"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


ROW = re.compile(r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$")
FIGURE = re.compile(r"^(not run: .+|[0-9.]+(e[+-]?\d+)? \S+|\D*\d.*)$")  # a figure, or text with one
RATIO = re.compile(r"^(—|[0-9.]+× \(.+\))$")
REQUIRED_PARTS = ("end to end", "protocol floor", "scaling", "bounce analysis", "daemon memory",
                  "control plane")


def check(path):
    """Returns a list of problems with the table in PATH (empty when it is well-formed)."""
    with open(path) as f:
        lines = f.read().splitlines()
    problems = []
    if HEADER not in lines:
        return ["no table header"]
    start = lines.index(HEADER)
    if lines[start + 1] != RULE:
        problems.append("no rule under the header")
    rows = [l for l in lines[start + 2:] if l.startswith("|")]
    if not any(l.startswith("Date: ") for l in lines[:start]):
        problems.append("no date")
    if not any(l.startswith("Machine: ") and "load average" in l for l in lines[:start]):
        problems.append("no machine description with the load average")
    for r in rows:
        m = ROW.match(r)
        if not m:
            problems.append("malformed row: " + r)
            continue
        if not FIGURE.match(m.group(4).strip()):
            problems.append("row without a figure or a reason: " + r)
        if not RATIO.match(m.group(6).strip()):
            problems.append("malformed ratio: " + r)
        if "error" in m.group(4).lower():
            problems.append("a part failed: " + r)
    parts = {ROW.match(r).group(1).strip() for r in rows if ROW.match(r)}
    for p in REQUIRED_PARTS:
        if p not in parts:
            problems.append("part missing: " + p)
    if not any(ROW.match(r) and "×" in ROW.match(r).group(6) for r in rows):
        problems.append("no ratio anywhere")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--check")
    args = ap.parse_args()
    if args.check:
        problems = check(args.check)
        for p in problems:
            print("table: " + p)
        return 1 if problems else 0
    rounds = 1 if args.smoke else max(3, args.rounds)
    table = Table()
    for part in (bench_e2e, bench_floor, bench_other):
        try:
            part.run(table, rounds, args.smoke)
        except Exception as e:  # a broken part shows in the table and fails the check
            table.not_run(part.PART, "everything", "error: %s" % e)
    text = table.render(args.smoke)
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.smoke:  # CI: the table must be whole and well-formed; nothing is said about speed
        problems = check(args.out) if args.out else []
        for p in problems:
            print("table: " + p)
        if problems:
            return 1
        if os.geteuid() != 0:
            print("SKIPPED: the end-to-end and daemon parts need root for a private Postfix")
            return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
