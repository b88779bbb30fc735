#!/usr/bin/env python3
"""The packaged unit under a real systemd: a Debian 12 tree booted with systemd-nspawn.

Usage: nspawn_unit.py PACKAGES_DIR
Installs the built .deb (PACKAGES_DIR/mxpulse_*.deb) into a throw-away overlay of a cached
debootstrap tree, boots it, and checks what an operator relies on: `systemctl reload` succeeds on
a good file and FAILS on a refused one (the running configuration kept, same main PID), the
journal holds the refusal at priority err (`journalctl -p warning -u mxpulse` shows it, info
lines do not pass -p warning), and `systemctl restart` brings the daemon back.

The base tree (debootstrap minbase + systemd) and a tree with the package's dependencies are
cached under $MXPULSE_NSPAWN_CACHE (default /var/cache/mxpulse-test), outside the repository;
a cold cache needs the Debian mirror apt already uses. Exits 77 (a CTest skip) only where nspawn
cannot boot a container here: not root, or systemd-nspawn/debootstrap/nsenter missing.
"""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
CACHE = os.environ.get("MXPULSE_NSPAWN_CACHE", "/var/cache/mxpulse-test")
SUITE = "bookworm"
NSPAWN = ["systemd-nspawn", "--register=no", "--keep-unit", "--quiet"]
SOCKET = "/run/mxpulse/control.sock"
CONF = "/etc/mxpulse/mxpulse.conf"


def log(msg):
    """Prints a progress line with the time since start."""
    print("[%5.1fs] %s" % (time.monotonic() - START, msg), flush=True)


def run(cmd, check=True, timeout=600, **kw):
    """Runs a command and returns the CompletedProcess; fails the test with its output."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise SystemExit("FAIL: %s exited %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def skip_unless_possible():
    """Exits 77 when this machine cannot boot a container with nspawn."""
    if os.geteuid() != 0:
        print("SKIP: booting a container with systemd-nspawn needs root")
        sys.exit(SKIP)
    for tool in ("systemd-nspawn", "debootstrap", "nsenter", "mount"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed (apt-get install systemd-container debootstrap)" % tool)
            sys.exit(SKIP)


def mirror():
    """Returns the Debian mirror apt already uses here (deb.debian.org when none is found)."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        text = open(path).read()
        for stanza in text.split("\n\n"):
            if re.search(r"^Suites:.*\b%s\b" % SUITE, stanza, re.M) and "security" not in stanza:
                m = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
                if m:
                    return m.group(1)
    if os.path.exists("/etc/apt/sources.list"):
        for line in open("/etc/apt/sources.list"):
            m = re.match(r"\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+%s\s" % SUITE, line)
            if m:
                return m.group(1)
    return "http://deb.debian.org/debian"


def cached_tree(name, build):
    """Returns CACHE/name, building it with build(tmpdir) under a lock when it is missing."""
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, name)
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(path):
            tmp = path + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            start = time.monotonic()
            build(tmp)
            os.rename(tmp, path)
            log("built cache %s in %.0fs" % (path, time.monotonic() - start))
    return path


def build_base(tmp):
    """debootstrap minbase with systemd, as FACTS.md measured."""
    run(["debootstrap", "--variant=minbase", "--include=systemd,systemd-sysv,dbus,libpam-systemd",
         SUITE, tmp, mirror()], timeout=1800)


def build_deps(base, depends):
    """Returns the builder of a copy of base with the package's dependencies installed."""

    def build(tmp):
        run(["cp", "-a", "--reflink=auto", base, tmp])
        script = ("set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -q; "
                  "echo 'postfix postfix/main_mailer_type select No configuration' | "
                  "debconf-set-selections; "
                  "apt-get satisfy -y -q --no-install-recommends '%s'; apt-get clean" % depends)
        run(NSPAWN + ["-D", tmp, "--pipe", "sh", "-c", script], timeout=1800)

    return build


class Container:
    """One booted throw-away container: an overlay over the cached tree, in its own cgroups."""

    def __init__(self, lower, deb):
        self.work = tempfile.mkdtemp(prefix="mxpulse-nspawn-", dir="/var/tmp")
        self.root = os.path.join(self.work, "root")
        for d in ("upper", "ovl", "root"):
            os.mkdir(os.path.join(self.work, d))
        run(["mount", "-t", "overlay", "overlay", "-o",
             "lowerdir=%s,upperdir=%s/upper,workdir=%s/ovl" % (lower, self.work, self.work),
             self.root])
        self.deb = deb
        self.proc = None
        self.leader = None
        self.cgroups = []

    def install(self):
        """Installs the .deb before boot, as an administrator would with dpkg -i."""
        # Not /tmp: nspawn mounts a fresh tmpfs there.
        shutil.copy(self.deb, os.path.join(self.root, "root", "mxpulse.deb"))
        p = run(NSPAWN + ["-D", self.root, "--pipe", "sh", "-c",
                          "DEBIAN_FRONTEND=noninteractive dpkg -i /root/mxpulse.deb"], check=False)
        if p.returncode != 0:
            raise SystemExit("FAIL: dpkg -i in the container:\n" + p.stdout + p.stderr)

    def own_cgroup(self):
        """Moves the calling (child) process into a cgroup of its own in each hierarchy that the
        container's systemd uses, so that it does not manage the host's root cgroup."""
        for d in self.cgroups:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def boot(self):
        """Boots the container and waits until its systemd is up."""
        name = os.path.basename(self.work)
        for top in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"):
            if os.path.isdir(top):
                os.mkdir(os.path.join(top, name))
                self.cgroups.append(os.path.join(top, name))
        if not self.cgroups and os.path.exists("/sys/fs/cgroup/cgroup.procs"):  # pure cgroup2
            os.mkdir(os.path.join("/sys/fs/cgroup", name))
            self.cgroups.append(os.path.join("/sys/fs/cgroup", name))
        self.console = open(os.path.join(self.work, "console.log"), "w")
        self.proc = subprocess.Popen(
            NSPAWN + ["-D", self.root, "--private-network", "-b", "--console=read-only"],
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
            preexec_fn=self.own_cgroup)
        deadline = time.monotonic() + 60
        while self.leader is None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("FAIL: systemd-nspawn exited %d:\n%s" % (self.proc.returncode,
                                                                          self.console_text()))
            self.leader = self.find_leader()
            time.sleep(0.2)
        if self.leader is None:
            raise SystemExit("FAIL: no container init found\n" + self.console_text())
        # systemctl answers once PID 1 has opened /run/systemd/private, a moment into the boot.
        state = ""
        while not state and time.monotonic() < deadline + 60:
            p = self.sh("systemctl is-system-running --wait", check=False, timeout=90)
            state = p.stdout.strip()
            if not state:
                time.sleep(0.2)
        if state not in ("running", "degraded"):
            raise SystemExit("FAIL: container systemd is %r\n%s" % (state, self.console_text()))
        if state == "degraded":
            log("container degraded: " + self.sh("systemctl --failed --no-legend", check=False).stdout)

    def find_leader(self):
        """Returns the host PID of the container's PID 1 (a descendant of nspawn), or None."""
        for status in glob.glob("/proc/[0-9]*/status"):
            try:
                text = open(status).read()
            except OSError:
                continue
            m = re.search(r"^NSpid:\s+(\d+)\s+1$", text, re.M)
            if not m:
                continue
            pid = int(m.group(1))
            while pid > 1:  # walk up to nspawn
                try:
                    ppid = int(re.search(r"^PPid:\s+(\d+)", open("/proc/%d/status" % pid).read(),
                                         re.M).group(1))
                except (OSError, AttributeError):
                    break
                if ppid == self.proc.pid:
                    return int(m.group(1))
                pid = ppid
        return None

    def sh(self, command, check=True, timeout=60):
        """Runs a shell command inside the container (all its namespaces)."""
        return run(["nsenter", "-t", str(self.leader), "-a", "sh", "-c", command], check=check,
                   timeout=timeout)

    def console_text(self):
        """Returns the container's console output so far."""
        self.console.flush()
        return open(os.path.join(self.work, "console.log")).read()[-4000:]

    def close(self):
        """Powers the container off (killing it after 30 s) and removes the overlay."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # nspawn asks the container's systemd to stop
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        run(["umount", self.root], check=False)
        for d in reversed(self.cgroups):
            for sub, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass
        shutil.rmtree(self.work, ignore_errors=True)


def expect(cond, what, detail=""):
    """Fails the test with what (and detail) unless cond."""
    if not cond:
        raise SystemExit("FAIL: %s\n%s" % (what, detail))
    log("ok: " + what)


def main_pid(c):
    """Returns the unit's MainPID inside the container."""
    return c.sh("systemctl show -p MainPID --value mxpulse").stdout.strip()


def wait_ready(c):
    """Waits until the daemon answers on its control socket."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if c.sh("mxpulsectl --socket %s ping" % SOCKET, check=False).returncode == 0:
            return
        time.sleep(0.3)
    status = c.sh("systemctl status mxpulse --no-pager; journalctl -u mxpulse --no-pager | tail -30",
                  check=False)
    raise SystemExit("FAIL: mxpulse does not answer on %s\n%s" % (SOCKET, status.stdout))


def check(c):
    """The operator's view: reload verdicts, journal priorities, restart."""
    expect(c.sh("systemctl is-active mxpulse", check=False).stdout.strip() == "active",
           "mxpulse is active after boot (enabled by the package)")
    wait_ready(c)
    pid = main_pid(c)

    p = c.sh("systemctl reload mxpulse", check=False)
    expect(p.returncode == 0, "systemctl reload succeeds on the packaged file", p.stdout + p.stderr)

    # A file mxpulse refuses: valid TOML, an unknown section (mxpulse -t says so too).
    c.sh("cp %s /root/good.conf && printf '\\n[no_such_section]\\nkey = 1\\n' >> %s" % (CONF, CONF))
    t = c.sh("mxpulse -t -c %s" % CONF, check=False)
    expect(t.returncode == 1, "mxpulse -t refuses the broken file", t.stdout + t.stderr)
    p = c.sh("systemctl reload mxpulse", check=False)
    expect(p.returncode != 0, "systemctl reload FAILS on the refused file (exit %d)" % p.returncode,
           p.stdout + p.stderr)
    expect(c.sh("systemctl is-active mxpulse", check=False).stdout.strip() == "active",
           "mxpulse is still active after the refused reload")
    expect(main_pid(c) == pid, "same main PID: the running configuration was kept, not restarted")
    expect(c.sh("mxpulsectl --socket %s ping" % SOCKET, check=False).returncode == 0,
           "mxpulse still answers after the refused reload")

    c.sh("journalctl --sync", check=False)
    warn = c.sh("journalctl -p warning -u mxpulse --no-pager -o cat").stdout
    expect("event=config.rejected" in warn and "no_such_section" in warn,
           "journalctl -p warning -u mxpulse shows the rejected reload", warn)
    expect("event=config.loaded" not in warn and "event=daemon.started" not in warn,
           "info lines (config.loaded, daemon.started) do not pass -p warning", warn)
    expect("<3>" not in warn and "<6>" not in warn,
           "journald strips the <N> prefixes from the messages", warn)
    err = c.sh("journalctl -p err..err -u mxpulse --no-pager -o cat").stdout
    expect("event=config.rejected" in err, "config.rejected is stored at priority err (3)", err)
    info = c.sh("journalctl -p info..info -u mxpulse --no-pager -o cat").stdout
    expect("event=daemon.started" in info, "daemon.started is stored at priority info (6)", info)
    failed = c.sh("journalctl -u mxpulse --no-pager -o cat | grep -i 'reload' || true").stdout
    log("journal about the reloads:\n" + failed)

    c.sh("cp /root/good.conf %s" % CONF)
    p = c.sh("systemctl reload mxpulse", check=False)
    expect(p.returncode == 0, "systemctl reload succeeds again once the file is fixed", p.stdout + p.stderr)

    p = c.sh("systemctl restart mxpulse", check=False, timeout=90)
    expect(p.returncode == 0, "systemctl restart succeeds", p.stdout + p.stderr)
    wait_ready(c)
    new_pid = main_pid(c)
    expect(new_pid not in ("", "0", pid), "restart gives a new main PID (%s -> %s)" % (pid, new_pid))
    started = c.sh("journalctl -u mxpulse --no-pager -o cat | grep -c 'event=daemon.started'",
                   check=False).stdout.strip()
    expect(started == "2", "the journal shows two daemon.started (boot and restart)", started)


def main():
    packages = sys.argv[1]
    skip_unless_possible()
    debs = glob.glob(os.path.join(packages, "mxpulse_*.deb"))
    if len(debs) != 1:
        raise SystemExit("FAIL: expected one mxpulse_*.deb in %s, found %s" % (packages, debs))
    base = cached_tree("%s-base" % SUITE, build_base)
    # A gateway has its MTA: Postfix's queue directory is where the default milter socket goes
    # (postinst creates /var/spool/postfix/mxpulse when it exists).
    depends = run(["dpkg-deb", "-f", debs[0], "Depends"]).stdout.strip() + ", postfix"
    key = hashlib.sha256(depends.encode()).hexdigest()[:12]
    lower = cached_tree("%s-deps-%s" % (SUITE, key), build_deps(base, depends))
    for stale in glob.glob(os.path.join(CACHE, "%s-deps-*" % SUITE)):  # older Depends
        if stale != lower and not stale.endswith(".tmp"):
            shutil.rmtree(stale, ignore_errors=True)
    log("cached trees ready: %s" % lower)
    c = Container(lower, debs[0])
    try:
        c.install()
        log("package installed")
        c.boot()
        log("container booted")
        check(c)
    finally:
        c.close()
    log("done")


START = time.monotonic()
if __name__ == "__main__":
    main()
