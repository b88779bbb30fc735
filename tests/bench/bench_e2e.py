"""End to end through a private Postfix (queue on tmpfs, relaying to smtp-sink): Postfix alone,
the null milter and mxpulse on a unix and an inet socket, and OpenDKIM + OpenDMARC, at 1 and 20
SMTP sessions, on one fixed mix: DKIM-signed outbound mail to many domains (2 KB and 100 KB) and
returning bounces from the corpus. Rounds are interleaved: every setup once per round.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

PART = "end to end"
MXPULSE_CONFIG = '[log]\nlevel = "warn"\n[auth]\naction = "header"\nauthserv_id = "gw.example.test"\n'
# (key, label, reference key for the ratio)
SETUPS = (("none", "Postfix alone", None), ("null-unix", "null milter, unix", "none"),
          ("null-inet", "null milter, inet", "none"), ("unix", "mxpulse, unix", "null-unix"),
          ("inet", "mxpulse, inet", "null-inet"), ("od", "OpenDKIM + OpenDMARC", "none"))
SMOKE_SETUPS = ("none", "null-unix", "unix")


def corpus_bounces():
    """The corpus bounces, as bytes with CRLF line ends."""
    shared = os.environ.get("MXPULSE_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))
    d = os.path.join(shared, "corpus", "bounces", "eml")
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".eml"):
            with open(os.path.join(d, name), "rb") as f:
                out.append(f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return out


def outbound(i, size):
    """A DKIM-signed outbound message of about SIZE bytes to a domain among 250."""
    import dkim
    rcpt = "u%d@d%d.test" % (i, i % 250)
    line = "This is line of a benchmark message that is about as long as a business mail line.\r\n"
    body = line * max(1, size // len(line))
    raw = ("From: alice@example.test\r\nTo: %s\r\nSubject: benchmark %d\r\n"
           "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <%d.bench@example.test>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n%s" % (rcpt, i, i, body)).encode()
    with open(harness.DKIM_KEY, "rb") as f:
        sig = dkim.sign(raw, harness.DKIM_SELECTOR.encode(), b"example.test", f.read(),
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return ("alice@example.test", [rcpt], sig + raw)


def mix(count):
    """COUNT messages of the fixed mix: in every 10, six 2 KB and two 100 KB outbound, two bounces."""
    bounces = corpus_bounces()
    signed = {}
    out = []
    for i in range(count):
        slot = i % 10
        if slot >= 8:
            out.append(("", ["alice@example.test"], bounces[(i // 10 * 2 + slot - 8) % len(bounces)]))
            continue
        size = 100 * 1024 if slot in (3, 7) else 2048
        key = (i % 40, size)  # signing is costly in Python: forty distinct messages are enough
        if key not in signed:
            signed[key] = outbound(i, size)
        out.append(signed[key])
    return out


def tmpfs_dir():
    """A directory on tmpfs for the Postfix queue (/dev/shm), else the default temp dir."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class NullMilter:
    """The null milter of tests/bench on a unix or inet socket."""

    def __init__(self, kind, directory):
        build = os.environ.get("MXPULSE_BUILD_DIR", "")
        self.binary = os.path.join(build, "tests", "bench", "null_milter")
        if kind == "unix":
            path = os.path.join(directory, "null.sock")
            self.spec, self.address = "unix:" + path, "unix:" + path
        else:
            port = harness.free_port()
            self.spec, self.address = "inet:%d@127.0.0.1" % port, "inet:127.0.0.1:%d" % port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, self.spec], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kind, _, rest = self.spec.partition(":")
        if kind == "unix":
            harness.wait_for(lambda: os.path.exists(rest) or self.proc.poll() is not None, 10, "null milter")
        else:
            port = int(rest.split("@")[0])
            harness.wait_for(lambda: harness.Gateway._port_open(port) or self.proc.poll() is not None, 10,
                             "null milter")
        if self.proc.poll() is not None:
            raise RuntimeError("null_milter exited with %s" % self.proc.returncode)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Process:
    """A started process, stopped like the others."""

    def __init__(self, proc):
        self.proc = proc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Rig:
    """One private Postfix (queue on tmpfs) with one smtpd port per setup, each port with its own
    smtpd_milters: none, the null milter or mxpulse on either socket, OpenDKIM + OpenDMARC. One
    Postfix for all keeps the setups' rounds interleaved without a restart between them."""

    def __init__(self, keys, tmp):
        import bench_floor
        self.keys = keys
        self.tmp = tmp
        self.milters = bench_floor.Milters(tmp)
        self.others = []
        self.gw = None
        self.ports = {}

    def __enter__(self):
        try:
            self.milters.__enter__()
            addresses = {k: self.address(k) for k in self.keys if k != "none"}
            old, tempfile.tempdir = tempfile.tempdir, tmpfs_dir()
            try:
                self.gw = harness.Gateway(socket_kind="none")
            finally:
                tempfile.tempdir = old
            self.gw.start()
            self.ports = {"none": self.gw.smtpd_port}
            self.add_services(addresses)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.gw:
            self.gw.stop()
        for o in self.others:
            o.stop()
        self.milters.__exit__()

    def address(self, key):
        """Postfix's address of the milters of setup KEY (started here for OpenDKIM + OpenDMARC)."""
        if key in ("unix", "inet"):
            return self.milters.gateways[key].milter_spec()[1]
        if key.startswith("null-"):
            return self.milters.null[key[5:]].address
        import auth_throughput
        od = harness.OpenDkim(self.tmp, mode="v", internal_hosts="192.0.2.254").start()
        self.others.append(od)
        os.makedirs(os.path.join(self.tmp, "dns"))
        dns = harness.DnsServer(os.path.join(self.tmp, "dns"), interface=auth_throughput.OPENDMARC_NS, port=53)
        dns.start()
        self.others.append(dns)
        dmarc, dmarc_addr = auth_throughput.start_opendmarc(self.tmp)
        self.others.append(Process(dmarc))
        return od.address + ", " + dmarc_addr

    def add_services(self, addresses):
        """Adds an smtpd per setup to master.cf and reloads Postfix."""
        lines = []
        for key, addr in addresses.items():
            self.ports[key] = harness.free_port()
            lines.append("127.0.0.1:%d inet n - n - - smtpd -o { smtpd_milters = %s }" % (self.ports[key], addr))
        with open(self.gw.path("postfix", "master.cf"), "a") as f:
            f.write("\n".join(lines) + "\n")
        harness.run(["postfix", "-c", self.gw.path("postfix"), "reload"])
        for key, port in self.ports.items():
            harness.wait_for(lambda: harness.Gateway._port_open(port), 20, "smtpd for " + key)

    def measure(self, key, plan, messages, sent):
        """Sends through setup KEY's smtpd for each (sessions, count) of PLAN; returns ({sessions:
        msg/s}, messages at the sink so far)."""
        self.gw.smtpd_port = self.ports[key]
        self.gw.send_many(messages[:10], sessions=2)  # warm-up: smtpd and milter processes started
        sent += 10
        self.gw.wait_sink(sent, timeout=120)
        out = {}
        for sessions, count in plan:
            start = time.monotonic()
            self.gw.send_many(messages[:count], sessions=sessions)
            sent += count
            self.gw.wait_sink(sent, timeout=600)
            out[sessions] = count / (time.monotonic() - start)
        return out, sent


def run(table, rounds, smoke):
    """Adds the end-to-end rows to TABLE."""
    if os.geteuid() != 0:
        table.not_run(PART, "every setup", "needs root for a private Postfix")
        return
    plan = [(1, 8)] if smoke else [(1, 100), (20, 200)]
    keys = SMOKE_SETUPS if smoke else [s[0] for s in SETUPS]
    messages = mix(max([c for _, c in plan] + [10]))  # the warm-up sends 10
    results = {(k, s): [] for k in keys for s, _ in plan}
    tmp = tempfile.mkdtemp(prefix="mxpulse-bench-")
    os.chmod(tmp, 0o755)  # Postfix must reach the milter sockets inside
    try:
        with Rig(keys, tmp) as rig:
            sent = 0
            for _ in range(rounds):
                for key in keys:
                    rates, sent = rig.measure(key, plan, messages, sent)
                    for sessions, rate in rates.items():
                        results[(key, sessions)].append(rate)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    labels = {k: (label, ref) for k, label, ref in SETUPS}
    for sessions, _ in plan:
        for key in keys:
            label, ref = labels[key]
            ref_values = results.get((ref, sessions)) if ref else None
            table.add(PART, "%s, %d session%s" % (label, sessions, "s" if sessions > 1 else ""),
                      labels[ref][0] if ref else None, results[(key, sessions)], "msg/s", ref_values)
        if "od" in keys:
            table.add(PART, "mxpulse, unix, %d session%s" % (sessions, "s" if sessions > 1 else ""),
                      "OpenDKIM + OpenDMARC", results[("unix", sessions)], "msg/s", results[("od", sessions)])
