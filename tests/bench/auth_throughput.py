"""Benchmark: DKIM-signed mail (2.7 KB) through a private Postfix to smtp-sink with no milter,
with mxpulse checking SPF, DKIM and DMARC, with OpenDKIM in verify mode, and with OpenDKIM (verify)
chained with OpenDMARC (SPF self-validation and DMARC) on the same stream, at 1 and 20 SMTP
sessions. Prints msg/s, the filters' CPU per message, and the ratios.

DNS: mxpulse asks a real unbound on loopback through its own resolver. OpenDMARC (and libspf2
inside it) can only use the system resolver, so it runs in a private mount namespace whose
/etc/resolv.conf names a second unbound, serving the same zone on 127.0.53.53 port 53. OpenDKIM
reads the public key from a file (TestPublicKeys), which spares it the DNS lookup mxpulse makes.

Run with tests/bench/run (needs root).
"""

import os
import smtplib
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402

RUNS = [(1, 300), (20, 1000)]  # (sessions, messages)


def signed_message():
    """Returns one DKIM-signed message of about 2.7 KB from alice@example.test."""
    import dkim
    body = ("This is line %d of a benchmark message that is about as long as a short business mail.\r\n" * 26) % tuple(range(26))
    raw = ("From: alice@example.test\r\nTo: bench@yahoo.test\r\nSubject: benchmark\r\n"
           "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <bench@example.test>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body).encode()
    with open(harness.DKIM_KEY, "rb") as f:
        sig = dkim.sign(raw, harness.DKIM_SELECTOR.encode(), b"example.test", f.read(),
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + raw


def cpu_seconds(pid):
    """Returns user+system CPU seconds of a process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send_all(gw, raw, sessions, count):
    """Sends count copies over `sessions` parallel SMTP connections."""
    per = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]

    def worker(n):
        with smtplib.SMTP("127.0.0.1", gw.smtpd_port, timeout=60) as s:
            for _ in range(n):
                s.sendmail("alice@example.test", ["bench@yahoo.test"], raw)

    threads = [threading.Thread(target=worker, args=(n,)) for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


OPENDMARC_NS = "127.0.53.53"  # the system resolver OpenDMARC sees, inside its mount namespace


def start_opendmarc(directory):
    """Starts OpenDMARC trusting OpenDKIM's Authentication-Results and checking SPF itself, with
    /etc/resolv.conf replaced (in its own mount namespace) by one naming the test DNS server;
    returns (process, Postfix address)."""
    sock = os.path.join(directory, "opendmarc.sock")
    with open(os.path.join(directory, "resolv.conf"), "w") as f:
        f.write("nameserver %s\noptions timeout:1 attempts:1\n" % OPENDMARC_NS)
    with open(os.path.join(directory, "ignore-hosts"), "w") as f:
        f.write("192.0.2.254\n")  # by default OpenDMARC ignores mail from 127.0.0.1
    conf = os.path.join(directory, "opendmarc.conf")
    with open(conf, "w") as f:
        f.write("Socket local:%s\nUMask 000\nAuthservID gw.example.test\nTrustedAuthservIDs gw.example.test\n"
                "IgnoreHosts %s/ignore-hosts\nSPFSelfValidate true\nSPFIgnoreResults true\n"
                "PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat\nRejectFailures false\n"
                "FailureReports false\nSyslog false\nBackground false\nPidFile %s/opendmarc.pid\n"
                % (sock, directory, directory))
    p = subprocess.Popen(["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec opendmarc -f -c "$1"',
                          os.path.join(directory, "resolv.conf"), conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    harness.wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 10, "opendmarc socket")
    if p.poll() is not None:
        raise AssertionError("opendmarc exited with %s" % p.returncode)
    return p, "unix:" + sock


def measure(kind, sessions, count, raw, show_results=False):
    """Returns (msg/s, the filters' CPU ms per message or None)."""
    import shutil
    import tempfile
    tmp = tempfile.mkdtemp(prefix="mxpulse-bench-")
    os.chmod(tmp, 0o755)  # Postfix must reach the milter sockets inside
    filters = []
    dns = None
    try:
        if kind in ("opendkim", "opendkim+opendmarc"):
            od = harness.OpenDkim(tmp, mode="v", internal_hosts="192.0.2.254").start()
            filters.append(od.proc)
            addr = od.address
            if kind == "opendkim+opendmarc":
                os.makedirs(os.path.join(tmp, "dns"))
                dns = harness.DnsServer(os.path.join(tmp, "dns"), interface=OPENDMARC_NS, port=53)
                dns.start()
                dmarc, dmarc_addr = start_opendmarc(tmp)
                filters.append(dmarc)
                addr += ", " + dmarc_addr
            gw = harness.Gateway(socket_kind="none", external_milter=addr)
        else:
            gw = harness.Gateway(socket_kind=kind)
        with gw:
            if kind == "unix":
                gw.write_config(gw.config_text().replace('level = "debug"', 'level = "warn"').replace(
                    "[auth]\n", '[auth]\naction = "header"\nauthserv_id = "gw.example.test"\n'))
                gw.stop_mxpulse()
                gw.start_mxpulse()
                filters.append(gw.mxpulse)
            send_all(gw, raw, 2, 20)
            first = gw.wait_sink(20, timeout=120)
            if show_results:
                # Proof that the filters did the work compared: their Authentication-Results.
                import email
                ar = email.message_from_string(first[0]).get_all("Authentication-Results") or []
                print("  %s: %s" % (kind, " | ".join(" ".join(a.split()) for a in ar)), flush=True)
            cpu0 = sum(cpu_seconds(p.pid) for p in filters)
            start = time.monotonic()
            send_all(gw, raw, sessions, count)
            gw.wait_sink(20 + count, timeout=600)
            elapsed = time.monotonic() - start
            cpu = (sum(cpu_seconds(p.pid) for p in filters) - cpu0) * 1000 / count if filters else None
            return count / elapsed, cpu
    finally:
        for p in filters:
            if p.poll() is None:
                p.kill()
                p.wait()
        if dns:
            dns.stop()
        shutil.rmtree(tmp, ignore_errors=True)


KINDS = (("none", "postfix alone"), ("unix", "+ mxpulse (SPF+DKIM+DMARC)"),
         ("opendkim", "+ opendkim (verify)"), ("opendkim+opendmarc", "+ opendkim + opendmarc"))


def main():
    if os.geteuid() != 0:
        print("auth_throughput: needs root for a private Postfix; skipped")
        return 0
    raw = signed_message()
    results = {}
    for sessions, count in RUNS:
        for kind, label in KINDS:
            rate, cpu = measure(kind, sessions, count, raw, show_results=sessions == RUNS[0][0])
            results[(kind, sessions)] = (rate, cpu)
            print("%-30s sessions=%-3d messages=%-5d %7.1f msg/s  filter CPU %s" % (
                label, sessions, count, rate, "%.2f ms/msg" % cpu if cpu is not None else "-"), flush=True)
    for sessions, _ in RUNS:
        m = results[("unix", sessions)]
        for other in ("opendkim", "opendkim+opendmarc"):
            o = results[(other, sessions)]
            print("sessions=%d: mxpulse/%s throughput %.2f, CPU per message %.2f" % (
                sessions, other, m[0] / o[0], (m[1] or 0) / (o[1] or 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
