"""Integration harness: a private Postfix on loopback with smtp-sink, and a freshly started mxpulse.

Everything runs from a temporary directory on free loopback ports and is torn down on exit,
also when a test fails. Nothing here mocks a component: Postfix, smtp-sink, smtp-source and
mxpulse are the real programs.
"""

import json
import os
import re
import shlex
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid, formatdate

BUILD_DIR = os.environ.get("MXPULSE_BUILD_DIR", "")
MXPULSE = os.path.join(BUILD_DIR, "milter", "mxpulse")
MXPULSECTL = os.path.join(BUILD_DIR, "milter", "mxpulsectl")

MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
"""


# A private rsyslogd for Gateway(syslog=True): its own socket and work directory, mail lines to
# one file in rsyslog's high-precision format (what Debian's rsyslog writes to /var/log/mail.log).
RSYSLOG_CONF = """\
global(workDirectory="{dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{sock}")
mail.* action(type="omfile" file="{log}" template="RSYSLOG_FileFormat" fileCreateMode="0644")
"""

# Run in a new mount namespace before Postfix starts: /dev becomes a private tmpfs holding the
# devices Postfix uses and, as /dev/log, the private rsyslogd's socket (syslog(3) has no other
# path). The master and its children stay in that namespace; the machine's /dev is untouched.
PRIVATE_DEV_LOG = """\
mkdir -p {dir}/host-dev
mount --bind /dev {dir}/host-dev
mount -t tmpfs -o mode=0755 mxpulse-it-dev /dev
for n in null zero full random urandom tty; do
  touch /dev/$n
  mount --bind {dir}/host-dev/$n /dev/$n
done
ln -s /proc/self/fd /dev/fd
touch /dev/log
mount --bind {sock} /dev/log
{command}
"""


def free_port():
    """Returns a TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    """Polls predicate until it is true; raises with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def run(cmd, check=True, **kw):
    """Runs a command, capturing output; raises with its output when it fails and check is set."""
    kw.setdefault("text", True)
    p = subprocess.run(cmd, capture_output=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (cmd, p.returncode, p.stdout, p.stderr))
    return p


SOURCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DKIM_KEY = os.path.join(SOURCE_DIR, "tests", "fixtures", "dns", "keys", "dkim-test-2048.key")
DKIM_SELECTOR = "sel2026"


def dkim_public_key_b64():
    """Returns the base64 DER public key of the test-only DKIM key."""
    p = run(["openssl", "rsa", "-in", DKIM_KEY, "-pubout", "-outform", "DER"], text=False)
    import base64
    return base64.b64encode(p.stdout).decode()


def txt(value):
    """Returns zone-file TXT rdata, split into 255-byte character-strings."""
    return " ".join('"%s"' % value[i:i + 250] for i in range(0, len(value), 250))


def merge_sections(base, extra):
    """Merges extra TOML into base: keys before any header continue base's last section, keys of
    a [section] base has go into it (replacing a key of the same name), other sections and
    [[arrays]] are appended. TOML forbids a table twice, so plain appending would not do."""
    lines = base.rstrip("\n").splitlines()
    headers = [l.strip() for l in lines if l.strip().startswith("[")]
    section = headers[-1] if headers else None
    for line in extra.splitlines():
        stripped = line.strip()
        if stripped.startswith("[[") or (stripped.startswith("[") and stripped not in lines):
            section = None
            lines.append(line)
            continue
        if stripped.startswith("["):
            section = stripped
            continue
        if section is None or not stripped or stripped.startswith("#"):
            lines.append(line)
            continue
        start = lines.index(section) + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith("["):
            end += 1
        key = stripped.split("=", 1)[0].strip()
        same = [i for i in range(start, end) if lines[i].split("=", 1)[0].strip() == key]
        if same:
            lines[same[0]] = line
        else:
            while end > start and not lines[end - 1].strip():
                end -= 1
            lines.insert(end, line)
    return "\n".join(lines) + "\n"


class DnsServer:
    """A real unbound on a free loopback port, authoritative for the test zones below."""

    def __init__(self, directory, extra_records=(), servfail_zones=(), dropped_zones=(), interface="127.0.0.1",
                 port=None):
        """EXTRA_RECORDS: more (name, type, rdata) records for the zone. Names under a zone of
        SERVFAIL_ZONES get SERVFAIL (an auth-zone without content, no fallback); queries under a
        zone of DROPPED_ZONES go unanswered, so the client times out (local-zone always_deny).
        INTERFACE and PORT: where it listens (a free port on 127.0.0.1 by default)."""
        self.dir = directory
        self.interface = interface
        self.port = port or free_port()
        self.proc = None
        self.extra_records = list(extra_records)
        self.servfail_zones = list(servfail_zones)
        self.dropped_zones = list(dropped_zones)

    def zone(self):
        """The test zones: the gateway's own domain, and destinations behind shared providers."""
        key = dkim_public_key_b64()
        records = [
            ("example.test.", "TXT", txt("v=spf1 ip4:192.0.2.25 -all")),
            ("_dmarc.example.test.", "TXT", txt("v=DMARC1; p=reject; rua=mailto:dmarc@example.test")),
            ("%s._domainkey.example.test." % DKIM_SELECTOR, "TXT", txt("v=DKIM1; k=rsa; p=" + key)),
            ("unsigned.test.", "TXT", txt("v=spf1 ip4:198.51.100.1 -all")),
            ("_dmarc.unsigned.test.", "TXT", txt("v=DMARC1; p=quarantine")),
            ("yahoo.test.", "MX", "1 mta5.am0.yahoodns.test."),
            ("aol.test.", "MX", "1 mx-aol.mail.gm0.yahoodns.test."),
            ("btinternet.test.", "MX", "10 mx.bt.yahoodns.test."),
            ("gmail.test.", "MX", "5 gmail-smtp-in.l.google.test."),
            # Two brands on one provider's MX hosts, as published (the alert tests fold them).
            ("yahoo.com.", "MX", "1 mta5.am0.yahoodns.net."),
            ("yahoo.com.", "MX", "1 mta6.am0.yahoodns.net."),
            ("aol.com.", "MX", "1 mx-aol.mail.gm0.yahoodns.net."),
        ] + self.extra_records
        lines = ["$TTL 300", ". IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300", ". IN NS ns.test.",
                 "ns.test. IN A 127.0.0.1"]
        lines += ["%s IN %s %s" % r for r in records]
        return "\n".join(lines) + "\n"

    def start(self):
        """Starts unbound and waits until it answers."""
        with open(os.path.join(self.dir, "root.zone"), "w") as f:
            f.write(self.zone())
        conf = os.path.join(self.dir, "unbound.conf")
        dropped = "\n".join('  local-zone: "%s." always_deny' % z for z in self.dropped_zones)
        servfail = ""
        for z in self.servfail_zones:
            empty = os.path.join(self.dir, "empty-%s.zone" % z)
            open(empty, "w").close()
            servfail += ('auth-zone:\n  name: "%s."\n  zonefile: "%s"\n  for-downstream: yes\n'
                         '  for-upstream: no\n  fallback-enabled: no\n' % (z, empty))
        with open(conf, "w") as f:
            f.write("""server:
  interface: {interface}
  port: {port}
  do-ip6: no
  chroot: ""
  username: ""
  pidfile: ""
  directory: "{dir}"
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  do-not-query-localhost: no
  local-zone: "test." nodefault
  local-zone: "localhost." nodefault
{dropped}
{servfail}auth-zone:
  name: "."
  zonefile: "{dir}/root.zone"
  for-downstream: yes
  for-upstream: no
  fallback-enabled: no
remote-control:
  control-enable: no
""".format(interface=self.interface, port=self.port, dir=self.dir, dropped=dropped, servfail=servfail))
        self.proc = subprocess.Popen(["unbound", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(self._answers, 10, "unbound to answer")

    def _answers(self):
        """Returns true when the server answers a query for example.test."""
        import struct
        q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x04test\x00" + struct.pack(">HH", 16, 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(q, (self.interface, self.port))
                return len(s.recv(512)) > 12
            except OSError:
                return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class OpenDkim:
    """A real OpenDKIM milter on a unix socket in DIRECTORY. mode "s" signs mail from
    INTERNAL_HOSTS for DOMAIN with the test key and harness.DKIM_SELECTOR; mode "v" verifies with
    the test public key read from a file (no DNS)."""

    def __init__(self, directory, mode="s", domain="example.test", internal_hosts="127.0.0.1"):
        self.dir = directory
        self.mode = mode
        self.domain = domain
        self.internal_hosts = internal_hosts
        self.socket = os.path.join(directory, "opendkim.sock")
        self.proc = None

    @property
    def address(self):
        """The socket as Postfix spells it."""
        return "unix:" + self.socket

    def start(self):
        """Starts opendkim in the foreground and waits for its socket."""
        key = os.path.join(self.dir, "opendkim.key")
        shutil.copyfile(DKIM_KEY, key)
        os.chmod(key, 0o600)  # keys others can read are refused; a temp dir under /tmp still needs RequireSafeKeys false
        with open(os.path.join(self.dir, "opendkim-keys.txt"), "w") as f:
            f.write("%s._domainkey.%s v=DKIM1; k=rsa; p=%s\n" % (DKIM_SELECTOR, self.domain, dkim_public_key_b64()))
        conf = os.path.join(self.dir, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode %s\nSocket local:%s\nUMask 000\nDomain %s\nSelector %s\nKeyFile %s\n"
                    "Canonicalization relaxed/simple\nInternalHosts %s\nTestPublicKeys %s\n"
                    "AuthservID gw.example.test\nRequireSafeKeys false\n"
                    "Syslog no\nBackground no\nPidFile %s\n" % (
                        self.mode, self.socket, self.domain, DKIM_SELECTOR, key, self.internal_hosts,
                        os.path.join(self.dir, "opendkim-keys.txt"), os.path.join(self.dir, "opendkim.pid")))
        self.proc = subprocess.Popen(["opendkim", "-f", "-x", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.socket) or self.proc.poll() is not None, 10, "opendkim socket")
        if self.proc.poll() is not None:
            raise AssertionError("opendkim exited with %s" % self.proc.returncode)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Gateway:
    """A private Postfix relaying to smtp-sink, filtered by mxpulse over a unix or inet socket."""

    def __init__(self, socket_kind="unix", extra_config="", failure_action="tempfail", external_milter=None,
                 milters_before=(), milters_after=(), transports=(), syslog=False):
        """socket_kind: "unix" or "inet" for mxpulse on that socket, "none" for Postfix alone.
        external_milter: a Postfix milter address of another milter (benchmarks), used instead.
        milters_before, milters_after: Postfix milter addresses placed before or after mxpulse in
        smtpd_milters.
        transports: extra "domain=transport:nexthop" entries of Postfix's transport_maps.
        syslog: Postfix logs through syslog(3), not postlogd: a private rsyslogd writes the same
        maillog file (rsyslog's high-precision timestamps); Postfix runs in a mount namespace of
        its own whose /dev/log is that rsyslogd's socket, so the machine's syslog is untouched."""
        self.syslog = syslog
        self.external_milter = external_milter
        self.milters_before = list(milters_before)
        self.milters_after = list(milters_after)
        self.transports = list(transports)
        self.socket_kind = socket_kind
        self.extra_config = extra_config
        self.failure_action = failure_action
        self.dir = tempfile.mkdtemp(prefix="mxpulse-it-")
        os.chmod(self.dir, 0o755)
        self.smtpd_port = free_port()
        self.sink_port = free_port()
        self.milter_port = free_port()
        self.reject_port = free_port()
        self.metrics_port = free_port()  # never the default 9477: a packaged mxpulse may hold it
        self.procs = []
        self.mxpulse = None
        self.mxpulse_env = {}  # extra environment for mxpulse (the alert tests preload libfaketime)
        self.postfix_started = False

    # ---- paths -------------------------------------------------------------------------
    def path(self, *parts):
        """Returns a path inside the gateway's temporary directory."""
        return os.path.join(self.dir, *parts)

    @property
    def control_socket(self):
        return self.path("run", "control.sock")

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self):
        """Starts smtp-sink, mxpulse and Postfix; on any failure tears down what started."""
        try:
            self.dns = DnsServer(self.path())
            self.dns.start()
            self._start_sink()
            if self.socket_kind != "none":
                self.start_mxpulse()
            self._start_postfix()
        except BaseException:
            self.stop()
            raise
        return self

    def start_without_postfix(self):
        """Starts the DNS server, smtp-sink and mxpulse only, for tests that bring their own MTA."""
        try:
            self.dns = DnsServer(self.path())
            self.dns.start()
            self._start_sink()
            self.start_mxpulse()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stops Postfix, mxpulse and smtp-sink, and removes the directory; never raises."""
        if self.postfix_started:
            subprocess.run(["postfix", "-c", self.path("postfix"), "stop"], capture_output=True)
            pidfile = self.path("queue", "pid", "master.pid")
            try:
                with open(pidfile) as f:
                    pid = int(f.read().split()[0])
                wait_for(lambda: not os.path.exists("/proc/%d" % pid), 15, "postfix master to exit")
            except (OSError, ValueError, AssertionError):
                pass
            self.postfix_started = False
        self.stop_mxpulse()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.procs = []
        if getattr(self, "dns", None):
            self.dns.stop()
        if os.environ.get("MXPULSE_KEEP_TEST_DIR") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- smtp-sink ---------------------------------------------------------------------
    def _start_sink(self):
        os.makedirs(self.path("sink"), mode=0o777)
        os.chmod(self.path("sink"), 0o777)
        p = subprocess.Popen(["smtp-sink", "-u", "nobody", "-d", self.path("sink", "msg."),
                              "127.0.0.1:%d" % self.sink_port, "128"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        # A second sink refuses every recipient with 5xx, so Postfix bounces mail routed to it.
        p = subprocess.Popen(["smtp-sink", "-u", "nobody", "-f", "RCPT", "127.0.0.1:%d" % self.reject_port, "16"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        wait_for(lambda: self._port_open(self.sink_port), 10, "smtp-sink to listen")
        wait_for(lambda: self._port_open(self.reject_port), 10, "the rejecting smtp-sink to listen")

    @staticmethod
    def _port_open(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def sink_messages(self):
        """Returns the messages smtp-sink received, as text, oldest first."""
        names = sorted(os.listdir(self.path("sink")),
                       key=lambda n: os.path.getmtime(self.path("sink", n)))
        out = []
        for n in names:
            with open(self.path("sink", n), errors="replace") as f:
                out.append(f.read())
        return out

    # ---- mxpulse -----------------------------------------------------------------------
    def milter_spec(self):
        """Returns (mxpulse's socket spec, Postfix's spelling of the same socket)."""
        if self.socket_kind == "unix":
            p = self.path("run", "milter.sock")
            return "unix:" + p, "unix:" + p
        return ("inet:%d@127.0.0.1" % self.milter_port, "inet:127.0.0.1:%d" % self.milter_port)

    def write_config(self, text=None):
        """Writes mxpulse.conf; by default the harness configuration plus extra_config (whose keys
        before any [section] header continue [control], the last section here)."""
        spec, _ = self.milter_spec()
        if text is None:
            text = """\
[daemon]
user = "nobody"
group = "nogroup"
pid_file = "{run}/mxpulse.pid"
shutdown_grace = "10s"

[milter]
socket = "{spec}"
socket_mode = "0666"

[direction]
internal_networks = ["127.0.0.1/32"]

[log]
sink = "stderr"
format = "json"
level = "debug"

[stats]
state_file = "{dir}/state.cbor"

[evidence]
directory = "{dir}/evidence"

[dns]
nameservers = ["127.0.0.1@{dns}"]
timeout = "1s"

[auth]
egress_addresses = ["192.0.2.25"]

[metrics]
listen = "127.0.0.1:{metrics}"

[control]
socket = "{run}/control.sock"
""".format(run=self.path("run"), spec=spec, dir=self.dir, dns=self.dns.port, metrics=self.metrics_port)
            text = merge_sections(text, self.extra_config)
        with open(self.path("mxpulse.conf"), "w") as f:
            f.write(text)
        return self.path("mxpulse.conf")

    def config_text(self):
        """Returns the mxpulse.conf in use."""
        with open(self.path("mxpulse.conf")) as f:
            return f.read()

    def start_mxpulse(self):
        """Starts mxpulse in the foreground and waits until its control socket answers."""
        os.makedirs(self.path("run"), exist_ok=True)
        if not os.path.exists(self.path("mxpulse.conf")):
            self.write_config()
        self.log_file = open(self.path("mxpulse.log"), "a")
        self.mxpulse = subprocess.Popen([MXPULSE, "-f", "-c", self.path("mxpulse.conf")],
                                        stdout=self.log_file, stderr=self.log_file,
                                        env=dict(os.environ, **self.mxpulse_env))
        wait_for(lambda: self.ctl_json("ping", check=False) is not None or self.mxpulse.poll() is not None,
                 15, "mxpulse to answer on its control socket")
        if self.mxpulse.poll() is not None:
            raise AssertionError("mxpulse exited with %s:\n%s" % (self.mxpulse.returncode, self.log_text()))

    def stop_mxpulse(self, sig=signal.SIGTERM, timeout=20):
        """Stops mxpulse with sig and returns its exit status (None if it was not running)."""
        if not self.mxpulse:
            return None
        if self.mxpulse.poll() is None:
            self.mxpulse.send_signal(sig)
            try:
                self.mxpulse.wait(timeout)
            except subprocess.TimeoutExpired:
                self.mxpulse.kill()
                self.mxpulse.wait()
        rc = self.mxpulse.returncode
        self.mxpulse = None
        self.log_file.close()
        return rc

    def log_text(self):
        with open(self.path("mxpulse.log"), errors="replace") as f:
            return f.read()

    def events(self, name=None):
        """Returns mxpulse's JSON log events, optionally only those named `name`."""
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            e = json.loads(line)
            if name is None or e.get("event") == name:
                out.append(e)
        return out

    def message_event(self, name, message_id, timeout=10):
        """Returns mxpulse's event `name` about the message with that Message-ID (found through the
        queue id Postfix's cleanup logged for it)."""
        qids = self.queue_ids_by_message_id()
        wait_for(lambda: message_id in qids or qids.update(self.queue_ids_by_message_id()), timeout,
                 "the queue id of " + message_id)
        qid = qids[message_id]

        def found():
            return [e for e in self.events(name) if e.get("queue_id") == qid]
        return wait_for(found, timeout, "%s for %s" % (name, qid))[0]

    def ctl(self, *args, check=True, user=None):
        """Runs mxpulsectl against this gateway's control socket; returns the CompletedProcess."""
        cmd = [MXPULSECTL, "-s", self.control_socket] + list(args)
        if user:
            cmd = ["setpriv", "--reuid", user, "--regid", user, "--clear-groups"] + cmd
        return run(cmd, check=check)

    def ctl_json(self, *args, check=True):
        """Runs mxpulsectl --json and returns the parsed result, or None when it fails and check is off."""
        p = self.ctl("--json", *args, check=check)
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)

    # ---- Postfix -----------------------------------------------------------------------
    def _start_postfix(self):
        _, pf_milter = self.milter_spec() if self.socket_kind != "none" else ("", self.external_milter or "")
        smtpd_milters = ", ".join(self.milters_before + ([pf_milter] if pf_milter else []) + self.milters_after)
        cfg = self.path("postfix")
        os.makedirs(cfg)
        for d in ("queue", "data"):
            os.makedirs(self.path(d))
        shutil.chown(self.path("data"), "postfix", "postfix")
        main_cf = """\
compatibility_level = 3.6
queue_directory = {q}
data_directory = {d}
mail_owner = postfix
setgid_group = postdrop
{maillog}inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = gw.example.test
mydomain = example.test
myorigin = $mydomain
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{sink}
transport_maps = inline:{{ bounce.test=smtp:[127.0.0.1]:{reject}{transports} }}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
local_recipient_maps =
smtpd_milters = {smtpd_milters}
non_smtpd_milters = {milter}
internal_mail_filter_classes = bounce,notify
milter_default_action = {action}
milter_protocol = 6
milter_connect_timeout = 10s
milter_command_timeout = 10s
milter_content_timeout = 30s
smtputf8_enable = no
biff = no
delay_warning_time = 0
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
smtp_connect_timeout = 5s
""".format(q=self.path("queue"), d=self.path("data"), sink=self.sink_port,
           maillog="" if self.syslog else "maillog_file = %s\nmaillog_file_prefixes = %s\n" % (
               self.path("maillog"), self.dir), reject=self.reject_port,
           milter=pf_milter, smtpd_milters=smtpd_milters, action=self.failure_action,
           transports="".join(", " + t for t in self.transports))
        with open(os.path.join(cfg, "main.cf"), "w") as f:
            f.write(main_cf)
        with open(os.path.join(cfg, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen="127.0.0.1:%d" % self.smtpd_port))
        if self.syslog:
            self._start_rsyslog()
        # Without a terminal postfix(1) prints nothing on error; script(1) gives it one.
        for action in ("check", "start"):
            command = "postfix -c %s %s" % (cfg, action)
            if self.syslog and action == "start":
                command = "unshare --mount --propagation private sh -ec %s" % shlex.quote(
                    PRIVATE_DEV_LOG.format(dir=self.dir, sock=self.path("syslog.sock"), command=command))
            p = run(["script", "-qec", command, "/dev/null"], check=False)
            if p.returncode != 0:
                raise AssertionError("postfix %s failed:\n%s%s" % (action, p.stdout, self.maillog()))
        self.postfix_started = True
        wait_for(lambda: self._port_open(self.smtpd_port), 20, "postfix smtpd to listen")

    def _start_rsyslog(self):
        """Starts a private rsyslogd: mail lines from its own socket to the maillog file."""
        conf = self.path("rsyslog.conf")
        os.makedirs(self.path("rsyslog"))
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(dir=self.path("rsyslog"), sock=self.path("syslog.sock"),
                                        log=self.path("maillog")))
        self.procs.append(subprocess.Popen(
            ["rsyslogd", "-n", "-f", conf, "-i", self.path("rsyslog", "rsyslogd.pid")],
            stdout=subprocess.DEVNULL, stderr=open(self.path("rsyslog.err"), "w")))
        wait_for(lambda: os.path.exists(self.path("syslog.sock")), 20, "rsyslogd's socket")

    def maillog(self):
        try:
            with open(self.path("maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def queue_ids_by_message_id(self):
        """Maps Message-ID to the Postfix queue id that cleanup assigned it, from the mail log."""
        out = {}
        for m in re.finditer(r"postfix/cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=(<[^>]*>)", self.maillog()):
            out[m.group(2)] = m.group(1)
        return out

    # ---- sending -----------------------------------------------------------------------
    def send(self, sender, recipients, subject="test", source="127.0.0.1", body="Hello.\n", headers=None,
             dkim_domain=None):
        """Sends one message over SMTP from a loopback source address, DKIM-signed for dkim_domain
        with the test key when given; returns its Message-ID."""
        msg = EmailMessage()
        msg["From"] = sender or "MAILER-DAEMON@example.test"
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain="example.test")
        for k, v in (headers or {}).items():
            msg[k] = v
        msg.set_content(body)
        raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        if dkim_domain:
            import dkim
            with open(DKIM_KEY, "rb") as f:
                key = f.read()
            sig = dkim.sign(raw, DKIM_SELECTOR.encode(), dkim_domain.encode(), key,
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            raw = sig + raw
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, source_address=(source, 0), timeout=30) as s:
            s.sendmail(sender, recipients, raw)
        return msg["Message-ID"]

    def send_raw(self, sender, recipients, raw, source="127.0.0.1"):
        """Sends a message as given (bytes or text with CRLF or LF line ends) over one SMTP session."""
        if isinstance(raw, str):
            raw = raw.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, source_address=(source, 0), timeout=30) as s:
            s.sendmail(sender, recipients, raw)

    def send_many(self, messages, sessions=8, source="127.0.0.1"):
        """Sends (sender, recipients, raw bytes) tuples over `sessions` parallel SMTP sessions."""
        import threading
        errors = []

        def worker(part):
            try:
                with smtplib.SMTP("127.0.0.1", self.smtpd_port, source_address=(source, 0), timeout=60) as s:
                    for sender, recipients, raw in part:
                        s.sendmail(sender, recipients, raw)
            except Exception as e:  # reported below, in the test's thread
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(messages[i::sessions],)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def smtp_source(self, count, sessions, sender, recipient):
        """Sends count messages with Postfix's smtp-source over `sessions` parallel sessions."""
        run(["smtp-source", "-m", str(count), "-s", str(sessions), "-l", "2048", "-f", sender,
             "-t", recipient, "127.0.0.1:%d" % self.smtpd_port], timeout=120)

    def wait_sink_message(self, message_id, body="Hello.", timeout=60):
        """Waits until smtp-sink holds the whole message with that Message-ID (it creates the file
        before writing it, so the body marks a complete one); returns its text."""
        def complete():
            for m in self.sink_messages():
                if message_id in m and body in m:
                    return m
            return None
        return wait_for(complete, timeout, "the complete message %s at smtp-sink" % message_id)

    def wait_sink(self, count, timeout=60):
        """Waits until smtp-sink holds at least count messages; returns them."""
        wait_for(lambda: len(os.listdir(self.path("sink"))) >= count, timeout,
                 "%d messages at smtp-sink (have %d)" % (count, len(os.listdir(self.path("sink")))))
        return self.sink_messages()


def run_module(name):
    """Runs the unittest module NAME verbosely; returns the exit code CTest reads: 1 when a test
    failed, 77 (the registered SKIP_RETURN_CODE) when none failed but one was skipped, else 0. A
    skipped test must show as skipped, not as passed."""
    import sys
    import unittest
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    suite = unittest.defaultTestLoader.loadTestsFromName(name)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.skipped:  # a class skipped in setUpClass counts as skipped, not as run
        print("SKIPPED: %d in %s:" % (len(result.skipped), name))
        for test, reason in result.skipped:
            print("  %s: %s" % (test.id(), reason))
        return 77
    if result.testsRun == 0:
        print("FAIL: %s holds no test" % name)
        return 1
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(run_module(sys.argv[1]))
