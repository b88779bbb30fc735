"""Benchmark: DKIM-signed mail (2.7 KB) through a private Postfix to smtp-sink with no milter,
with mxpulse checking SPF, DKIM and DMARC, and with OpenDKIM in verify mode (key from a file),
at 1 and 20 SMTP sessions. Prints msg/s, the filter's CPU per message, and the ratios.

Run with tests/bench/run (needs root). DNS for mxpulse is a real unbound on loopback.
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


def start_opendkim(directory):
    """Starts OpenDKIM in verify mode with the test key from a file; returns (process, Postfix address)."""
    key = harness.dkim_public_key_b64()
    with open(os.path.join(directory, "keys.txt"), "w") as f:
        f.write("%s._domainkey.example.test v=DKIM1; k=rsa; p=%s\n" % (harness.DKIM_SELECTOR, key))
    sock = os.path.join(directory, "opendkim.sock")
    conf = os.path.join(directory, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("Mode v\nSocket local:%s\nUMask 000\nTestPublicKeys %s/keys.txt\nInternalHosts 192.0.2.254\n"
                "Syslog no\nBackground no\nPidFile %s/opendkim.pid\n" % (sock, directory, directory))
    p = subprocess.Popen(["opendkim", "-f", "-x", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    harness.wait_for(lambda: os.path.exists(sock), 10, "opendkim socket")
    return p, "unix:" + sock


def measure(kind, sessions, count, raw):
    """Returns (msg/s, filter CPU ms per message or None)."""
    import tempfile
    tmp = tempfile.mkdtemp(prefix="mxpulse-bench-")
    os.chmod(tmp, 0o755)  # Postfix must reach the OpenDKIM socket inside
    od = None
    try:
        if kind == "opendkim":
            od, addr = start_opendkim(tmp)
            gw = harness.Gateway(socket_kind="none", external_milter=addr)
        else:
            gw = harness.Gateway(socket_kind=kind)
        with gw:
            if kind == "unix":
                gw.write_config(gw.config_text().replace('level = "debug"', 'level = "warn"'))
                gw.stop_mxpulse()
                gw.start_mxpulse()
            pid = gw.mxpulse.pid if gw.mxpulse else (od.pid if od else None)
            send_all(gw, raw, 2, 20)
            gw.wait_sink(20, timeout=120)
            cpu0 = cpu_seconds(pid) if pid else 0
            start = time.monotonic()
            send_all(gw, raw, sessions, count)
            gw.wait_sink(20 + count, timeout=600)
            elapsed = time.monotonic() - start
            cpu = (cpu_seconds(pid) - cpu0) * 1000 / count if pid else None
            return count / elapsed, cpu
    finally:
        if od:
            od.kill()
            od.wait()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if os.geteuid() != 0:
        print("auth_throughput: needs root for a private Postfix; skipped")
        return 0
    raw = signed_message()
    results = {}
    for sessions, count in RUNS:
        for kind, label in (("none", "postfix alone"), ("unix", "+ mxpulse (SPF+DKIM+DMARC)"),
                            ("opendkim", "+ opendkim (verify)")):
            rate, cpu = measure(kind, sessions, count, raw)
            results[(kind, sessions)] = (rate, cpu)
            print("%-30s sessions=%-3d messages=%-5d %7.1f msg/s  filter CPU %s" % (
                label, sessions, count, rate, "%.2f ms/msg" % cpu if cpu is not None else "-"), flush=True)
    for sessions, _ in RUNS:
        m, o = results[("unix", sessions)], results[("opendkim", sessions)]
        print("sessions=%d: mxpulse/opendkim throughput %.2f, CPU per message %.2f" % (
            sessions, m[0] / o[0], (m[1] or 0) / (o[1] or 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
