#!/usr/bin/env python3
"""Packaging tests: build the .deb and .rpm, lint the .deb, compare payloads, install and purge.

Usage: packages.py build|lintian|payload|unit|install OUTDIR
Each step is one CTest test; build is their fixture. install changes the machine (it installs,
runs and purges the package) and so only runs as root on a machine without mxpulse installed.
"""

import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP = 77  # CTest SKIP_RETURN_CODE


def run(cmd, check=True, **kw):
    """Runs a command and returns the CompletedProcess; raises with its output on failure."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise SystemExit("FAIL: %s exited %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def the_file(out, pattern):
    """Returns the one file matching pattern in out."""
    found = glob.glob(os.path.join(out, pattern))
    if len(found) != 1:
        raise SystemExit("FAIL: expected one %s in %s, found %s" % (pattern, out, found))
    return found[0]


def step_build(out):
    """Builds both packages with the one packaging command."""
    start = time.monotonic()
    run([os.path.join(ROOT, "packaging", "build"), out], timeout=1400)
    print("built %s and %s in %.0fs" % (the_file(out, "mxpulse_*.deb"), the_file(out, "mxpulse-*.rpm"),
                                         time.monotonic() - start))


def step_lintian(out):
    """The .deb has no lintian error or warning (overrides must carry a justification)."""
    deb = the_file(out, "mxpulse_*.deb")
    p = run(["lintian", "--fail-on", "none", "--display-info", "--show-overrides", deb])
    print(p.stdout + p.stderr)
    bad = [l for l in p.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    if bad:
        raise SystemExit("FAIL: lintian errors or warnings:\n" + "\n".join(bad))
    print("lintian: no errors or warnings")


EXAMPLES_DIR = "/usr/share/doc/mxpulse/examples/"
EXAMPLES = ("postfix-main.cf.snippet", "sendmail.mc.snippet", "mxpulse-alerts.yml", "30-mxpulse-alerts.conf")
MAN7 = ("mxpulse-control", "mxpulse-metrics")


def deb_payload(deb):
    """Returns the files and symlinks of a .deb as absolute paths."""
    out = set()
    for line in run(["dpkg-deb", "-c", deb]).stdout.splitlines():
        mode, path = line.split()[0], line.split(None, 5)[5].split(" -> ")[0]
        if not mode.startswith("d"):
            out.add(path[1:] if path.startswith("./") else path)
    return out


def rpm_payload(rpm):
    """Returns the files and symlinks of an .rpm as absolute paths."""
    out = set()
    for line in run(["rpm", "-qlvp", rpm]).stdout.splitlines():
        if line and not line.startswith("d"):
            out.add(line.split(None, 8)[8].split(" -> ")[0])
    return out


def normalise(paths, distribution_only):
    """Maps /lib to /usr/lib (merged /usr) and drops each distribution's own documentation files
    (the examples in /usr/share/doc/mxpulse/examples are ours, in both packages)."""
    return {re.sub(r"^/lib/", "/usr/lib/", p) for p in paths
            if not p.startswith(distribution_only) or p.startswith(EXAMPLES_DIR)}


def step_payload(out):
    """dpkg-deb -c and rpm -qlp list the same payload."""
    deb = normalise(deb_payload(the_file(out, "mxpulse_*.deb")), "/usr/share/doc/mxpulse/")
    rpm = normalise(rpm_payload(the_file(out, "mxpulse-*.rpm")), "/usr/share/licenses/mxpulse/")
    for p in sorted(deb | rpm):
        print("%s %s %s" % ("deb" if p in deb else "   ", "rpm" if p in rpm else "   ", p))
    wanted = {EXAMPLES_DIR + f for f in EXAMPLES} | {"/usr/share/man/man7/%s.7.gz" % p for p in MAN7}
    if not wanted <= deb:
        raise SystemExit("FAIL: the .deb lacks %s" % sorted(wanted - deb))
    if deb != rpm:
        raise SystemExit("FAIL: payloads differ: only in .deb %s, only in .rpm %s" %
                         (sorted(deb - rpm), sorted(rpm - deb)))
    print("payload: the same %d files in both packages" % len(deb))


def step_unit(out):
    """systemd-analyze security rates the unit's exposure at 2.0 or better (0 is best, 10 worst)."""
    if not shutil.which("systemd-analyze"):
        print("SKIP: systemd-analyze is not installed")
        return SKIP
    unit = os.path.join(ROOT, "packaging", "systemd", "mxpulse.service")
    p = run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit], check=False)
    print(p.stdout + p.stderr)
    m = re.search(r"Overall exposure level for mxpulse.service: ([0-9.]+)", p.stdout + p.stderr)
    assert m, "FAIL: no exposure level in the output of systemd-analyze security"
    assert float(m.group(1)) <= 2.0, "FAIL: exposure %s is above 2.0" % m.group(1)
    print("systemd-analyze security: exposure %s" % m.group(1))


# ---- install test -----------------------------------------------------------------------------

def wait_for(predicate, timeout, what):
    """Polls predicate until true; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit("FAIL: timed out after %ss waiting for %s" % (timeout, what))


def ctl(*args, groups=None):
    """Runs the installed mxpulsectl, as root or as nobody with the given supplementary groups."""
    cmd = ["/usr/sbin/mxpulsectl"] + list(args)
    if groups is not None:
        group_opt = ["--groups", ",".join(str(g) for g in groups)] if groups else ["--clear-groups"]
        cmd = ["setpriv", "--reuid", "nobody", "--regid", "nogroup"] + group_opt + ["--"] + cmd
    return run(cmd, check=False)


class Daemon:
    """The packaged daemon, started by systemd when it runs, else directly as the packaged user."""

    def __init__(self, log_path):
        self.systemd = os.path.isdir("/run/systemd/system")
        self.log_path = log_path
        self.proc = None

    def start(self):
        if self.systemd:
            run(["systemctl", "restart", "mxpulse.service"])
        else:
            # What the unit's RuntimeDirectory=, StateDirectory= and User= do, done by hand.
            for d in ("/run/mxpulse", "/var/lib/mxpulse"):
                os.makedirs(d, mode=0o750, exist_ok=True)
                shutil.chown(d, "mxpulse", "mxpulse")
                os.chmod(d, 0o750)
            log = open(self.log_path, "w")
            self.proc = subprocess.Popen(["setpriv", "--reuid", "mxpulse", "--regid", "mxpulse", "--init-groups",
                                          "--", "/usr/sbin/mxpulse", "-f"], stdout=log, stderr=log)
        wait_for(lambda: ctl("ping").returncode == 0 or (self.proc and self.proc.poll() is not None), 15,
                 "mxpulse to answer on /run/mxpulse/control.sock")
        if self.proc and self.proc.poll() is not None:
            raise SystemExit("FAIL: mxpulse exited %s:\n%s" % (self.proc.returncode, open(self.log_path).read()))

    def pid(self):
        if self.systemd:
            return int(run(["systemctl", "show", "-p", "MainPID", "--value", "mxpulse.service"]).stdout)
        return self.proc.pid

    def stop(self):
        if self.systemd:
            run(["systemctl", "stop", "mxpulse.service"], check=False)
            return
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree("/run/mxpulse", ignore_errors=True)  # systemd removes RuntimeDirectory


def check_install(daemon):
    """The checks on the installed package; raises SystemExit on the first failure."""
    conf = "/etc/mxpulse/mxpulse.conf"
    status = run(["dpkg-query", "-W", "-f", "${Conffiles}", "mxpulse"]).stdout
    for f in (conf, "/etc/logrotate.d/mxpulse"):
        assert f in status, "FAIL: %s is not a conffile: %r" % (f, status)
    if shutil.which("logrotate"):
        p = run(["logrotate", "--debug", "/etc/logrotate.d/mxpulse"], check=False)
        assert p.returncode == 0 and "error" not in (p.stdout + p.stderr).lower(), \
            "FAIL: logrotate --debug /etc/logrotate.d/mxpulse:\n%s%s" % (p.stdout, p.stderr)
        print("logrotate accepts /etc/logrotate.d/mxpulse")
    user = pwd.getpwnam("mxpulse")
    assert user.pw_uid < 1000 and user.pw_shell.endswith("nologin"), "FAIL: mxpulse is no system user"
    gid = grp.getgrnam("mxpulse").gr_gid
    print("user mxpulse: uid %d gid %d home %s" % (user.pw_uid, gid, user.pw_dir))
    run(["/usr/sbin/mxpulse", "-t"])
    run(["setpriv", "--reuid", "mxpulse", "--regid", "mxpulse", "--init-groups", "--", "/usr/sbin/mxpulse", "-t"])
    print("mxpulse -t: the packaged configuration is valid, as root and as mxpulse")
    if shutil.which("systemd-analyze"):
        p = run(["systemd-analyze", "verify", "/lib/systemd/system/mxpulse.service"], check=False)
        print("systemd-analyze verify: exit %d %s" % (p.returncode, (p.stdout + p.stderr).strip()))
        assert p.returncode == 0, "FAIL: systemd-analyze verify"

    daemon.start()
    with open("/proc/%d/status" % daemon.pid()) as f:
        ids = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
    uids, gids = ids["Uid"].split(), ids["Gid"].split()
    assert set(uids) == {str(user.pw_uid)} and set(gids) == {str(gid)}, "FAIL: daemon runs as %s/%s" % (uids, gids)
    print("daemon %d runs as mxpulse:mxpulse (%s)" % (daemon.pid(), "systemd" if daemon.systemd else "setpriv"))
    for path, mode in (("/run/mxpulse/control.sock", 0o660), (SPOOL_SOCKET, 0o660), (SPOOL_DIR, 0o750)):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (user.pw_uid, gid, mode), \
            "FAIL: %s is %d:%d %o" % (path, st.st_uid, st.st_gid, st.st_mode & 0o777)
    assert "mxpulse" in run(["id", "-nG", "postfix"]).stdout.split(), "FAIL: postinst did not add postfix to mxpulse"
    print("milter socket %s inside Postfix's queue directory; postfix is in group mxpulse" % SPOOL_SOCKET)
    check_chrooted_postfix()

    p = ctl("--json", "status")
    assert p.returncode == 0, "FAIL: mxpulsectl status as root: %d %s" % (p.returncode, p.stderr)
    assert json.loads(p.stdout)["config"]["file"] == conf, p.stdout
    p = ctl("--json", "status", groups=[gid])
    assert p.returncode == 0, "FAIL: mxpulsectl status as a member of mxpulse: %d %s" % (p.returncode, p.stderr)
    p = ctl("reload", groups=[gid])
    assert p.returncode == 1 and "permission denied" in p.stderr, "FAIL: group member could reload: %s" % p.stderr
    p = ctl("status", groups=[])
    assert p.returncode == 77, "FAIL: mxpulsectl status outside the group: %d %s" % (p.returncode, p.stderr)
    p = ctl("reload")
    assert p.returncode == 0, "FAIL: mxpulsectl reload as root: %s" % p.stderr
    print("mxpulsectl: status works for root and group members; reload for root only; others get 77")
    daemon.stop()


SPOOL_DIR = "/var/spool/postfix/mxpulse"
SPOOL_SOCKET = SPOOL_DIR + "/milter.sock"


def free_port():
    """Returns a TCP port on 127.0.0.1 that nobody listens on right now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_chrooted_postfix():
    """A Postfix with Debian's stock master.cf (smtpd and cleanup chrooted in the queue directory)
    and the packaged main.cf snippet delivers through the packaged daemon: a message over SMTP and a
    bounce Postfix generates itself are both counted. It is a private instance (own config and
    queue directory, loopback port); in a private mount namespace the packaged socket directory
    appears inside its queue directory, as it does in the stock /var/spool/postfix."""
    import smtplib
    import tempfile
    work = tempfile.mkdtemp(prefix="mxpulse-pkg-postfix-")
    os.chmod(work, 0o755)
    cfg, queue, data = (os.path.join(work, d) for d in ("postfix", "queue", "data"))
    for d in (cfg, queue, data, os.path.join(queue, "mxpulse"), os.path.join(queue, "etc")):
        os.makedirs(d)
    shutil.chown(data, "postfix", "postfix")
    for f in ("/etc/services", "/etc/hosts", "/etc/resolv.conf", "/etc/localtime"):  # as Debian's init does
        if os.path.exists(f):
            shutil.copy(f, os.path.join(queue, "etc"))
    smtpd_port, sink_port, reject_port = free_port(), free_port(), free_port()
    master = open("/usr/share/postfix/master.cf.dist").read()
    master, n = re.subn(r"(?m)^smtp(\s+inet\s+n\s+-\s+y\s)", r"127.0.0.1:%d\1" % smtpd_port, master)
    assert n == 1, "FAIL: no chrooted smtpd line in /usr/share/postfix/master.cf.dist"
    assert re.search(r"(?m)^cleanup\s+unix\s+n\s+-\s+y\s", master), "FAIL: cleanup is not chrooted in the stock master.cf"
    with open(os.path.join(cfg, "master.cf"), "w") as f:
        f.write(master)
    snippet = open(os.path.join(ROOT, "conf", "postfix-main.cf.snippet")).read()
    with open(os.path.join(cfg, "main.cf"), "w") as f:
        f.write(snippet + """
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
maillog_file = {work}/maillog
maillog_file_prefixes = {work}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = gw.example.test
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{sink}
transport_maps = inline:{{ nosuch.test=smtp:[127.0.0.1]:{reject} }}
alias_maps =
local_recipient_maps =
""".format(queue=queue, data=data, work=work, sink=sink_port, reject=reject_port))
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "127.0.0.1:%d" % sink_port, "16"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Refuses every recipient with 5xx, so Postfix bounces what it routes there.
    reject = subprocess.Popen(["smtp-sink", "-u", "nobody", "-f", "RCPT", "127.0.0.1:%d" % reject_port, "16"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = False
    try:
        before = json.loads(ctl("--json", "status").stdout)["messages"]
        # postfix(1) prints nothing on error without a terminal; script(1) gives it one.
        run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$1" "$2" && script -qec "postfix -c $3 start" /dev/null',
             "sh", SPOOL_DIR, os.path.join(queue, "mxpulse"), cfg])
        started = True

        def listening():
            try:
                smtplib.SMTP("127.0.0.1", smtpd_port, timeout=2).quit()
                return True
            except OSError:
                return False
        wait_for(listening, 20, "the chrooted smtpd on 127.0.0.1:%d" % smtpd_port)
        with smtplib.SMTP("127.0.0.1", smtpd_port, timeout=30) as s:
            s.sendmail("alice@example.test", ["bob@yahoo.example"],
                       b"From: alice@example.test\r\nTo: bob@yahoo.example\r\nSubject: out\r\n"
                       b"Message-ID: <pkg-out@example.test>\r\n\r\nHello.\r\n")
            s.sendmail("alice@example.test", ["nobody@nosuch.test"],
                       b"From: alice@example.test\r\nTo: nobody@nosuch.test\r\nSubject: will bounce\r\n"
                       b"Message-ID: <pkg-bounce@example.test>\r\n\r\nHello.\r\n")

        def counted():
            m = json.loads(ctl("--json", "status").stdout)["messages"]
            return m["outbound"] - before["outbound"] >= 2 and m["returning_dsn"] - before["returning_dsn"] >= 1
        try:
            wait_for(counted, 60, "the packaged daemon to count 2 outbound messages and Postfix's own bounce")
        except SystemExit:
            log = open(os.path.join(work, "maillog"), errors="replace").read() if os.path.exists(
                os.path.join(work, "maillog")) else ""
            raise SystemExit("FAIL: the chrooted Postfix's mail was not counted: %s\nmaillog:\n%s" %
                             (ctl("--json", "status").stdout, log))
        log = open(os.path.join(work, "maillog"), errors="replace").read()
        bad = [l for l in log.splitlines() if "warning" in l and "milter" in l]
        assert not bad, "FAIL: Postfix warned about the milter:\n" + "\n".join(bad)
        print("chrooted stock Postfix (smtpd, cleanup chroot=y): the message and Postfix's own bounce "
              "were counted by the packaged daemon through unix:mxpulse/milter.sock")
    finally:
        if started:
            run(["postfix", "-c", cfg, "stop"], check=False)
            pidfile = os.path.join(queue, "pid", "master.pid")
            try:
                pid = int(open(pidfile).read().split()[0])
                wait_for(lambda: not os.path.exists("/proc/%d" % pid), 20, "the private postfix to stop")
            except (OSError, ValueError):
                pass
        for p in (sink, reject):
            p.kill()
            p.wait()
        if os.environ.get("MXPULSE_KEEP_TEST_DIR") != "1":
            shutil.rmtree(work, ignore_errors=True)


def check_purged():
    """After purge only the system user and group remain (Debian does not remove system users)."""
    left = [p for p in ("/usr/sbin/mxpulse", "/usr/sbin/mxpulsectl", "/etc/mxpulse", "/var/lib/mxpulse",
                        "/var/log/mxpulse", "/etc/logrotate.d/mxpulse",
                        "/lib/systemd/system/mxpulse.service", "/usr/lib/sysusers.d/mxpulse.conf",
                        "/usr/share/man/man8/mxpulse.8.gz", "/usr/share/doc/mxpulse", "/run/mxpulse", SPOOL_DIR,
                        "/etc/systemd/system/multi-user.target.wants/mxpulse.service")
            if os.path.lexists(p)]
    assert not left, "FAIL: purge left %s" % left
    p = run(["dpkg-query", "-W", "-f", "${Status}", "mxpulse"], check=False)
    assert p.returncode != 0 or "not-installed" in p.stdout, "FAIL: dpkg still knows mxpulse: %s" % p.stdout
    pwd.getpwnam("mxpulse")
    print("purge: files, configuration and state gone; user mxpulse kept, as policy asks")


def step_install(out):
    """Installs the .deb on this machine, runs the daemon from it, and purges it again."""
    if os.geteuid() != 0:
        print("SKIP: the install test needs root (it installs the .deb on this machine)")
        return SKIP
    if run(["dpkg-query", "-W", "-f", "${Status}", "mxpulse"], check=False).stdout.startswith("install ok"):
        print("SKIP: mxpulse is already installed here; the install test would purge it")
        return SKIP
    deb = the_file(out, "mxpulse_*.deb")
    daemon = Daemon(os.path.join(out, "installed-mxpulse.log"))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        # apt-get rather than dpkg -i: it fetches a missing dependency (systemd-sysusers) if needed.
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", deb], env=env, timeout=300)
        check_install(daemon)
    finally:
        daemon.stop()
        run(["dpkg", "--purge", "mxpulse"], check=False, env=env)
    check_purged()
    return 0


def main():
    step, out = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    try:
        rc = {"build": step_build, "lintian": step_lintian, "payload": step_payload, "unit": step_unit, "install": step_install}[step](out)
    except AssertionError as e:
        print(e)
        return 1
    return rc or 0


if __name__ == "__main__":
    sys.exit(main())
