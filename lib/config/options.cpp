// The option table: the one place where each configuration option is declared and documented.
#include "config/options.hpp"

#include <array>

#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace mxpulse::config {

namespace {

constexpr std::array<std::string_view, 3> kFailureActions{"accept", "tempfail", "reject"};
constexpr std::array<std::string_view, 4> kAuthActions{"log", "header", "tempfail", "reject"};
constexpr std::array<std::string_view, 3> kLogSinks{"stderr", "syslog", "file"};
constexpr std::array<std::string_view, 2> kLogFormats{"kv", "json"};
constexpr std::array<std::string_view, 2> kPostfixLogKinds{"maillog_file", "syslog"};
constexpr std::array<std::string_view, 5> kLogLevels{"trace", "debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 10> kFacilities{"mail",   "daemon", "local0", "local1",
                                                       "local2", "local3", "local4", "local5",
                                                       "local6", "local7"};

// Checks that each entry of a user or group list is a name or a number.
std::string check_names(const std::vector<std::string>& names) {
    for (const std::string& n : names) {
        if (n.empty() || n.size() > 64 ||
            n.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                std::string::npos) {
            return "expected a user or group name or number, got \"" + n + "\"";
        }
    }
    return {};
}

// Checks control.allow_users.
std::string check_allow_users(const Config& c) {
    return check_names(c.control_allow_users);
}

// Checks control.allow_groups.
std::string check_allow_groups(const Config& c) {
    return check_names(c.control_allow_groups);
}

// Checks control.admin_group.
std::string check_admin_group(const Config& c) {
    return c.control_admin_group.empty() ? "" : check_names({c.control_admin_group});
}

// Checks metrics.listen: empty, or IP:PORT with the IPv6 address in brackets.
std::string check_metrics_listen(const Config& c) {
    const std::string& l = c.metrics_listen;
    if (l.empty()) return {};
    auto colon = l.rfind(':');
    if (colon == std::string::npos) return "expected IP:PORT, got \"" + l + "\"";
    std::string ip = l.substr(0, colon), port = l.substr(colon + 1);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    if (!util::parse_address(ip) || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535 ||
        std::stoi(port) == 0) {
        return "expected IP:PORT, got \"" + l + "\"";
    }
    return {};
}

// Checks a milter socket specification in the opendkim/libmilter notation.
std::string check_milter_socket(const Config& c) {
    const std::string& s = c.milter_socket;
    if (util::istarts_with(s, "unix:/") || util::istarts_with(s, "local:/")) return {};
    for (std::string_view p : {"inet:", "inet6:"}) {
        if (!util::istarts_with(s, p)) continue;
        std::string_view rest = std::string_view(s).substr(p.size());
        std::string_view port = rest.substr(0, rest.find('@'));
        if (!port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos)
            return {};
        return "expected " + std::string(p) + "PORT@HOST, got \"" + s + "\"";
    }
    return "expected unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST, got \"" + s + "\"";
}

// Checks that every internal network is an address or a prefix.
std::string check_networks(const Config& c) {
    for (const std::string& n : c.internal_networks) {
        if (!util::parse_cidr(n)) return "not an address or network prefix: \"" + n + "\"";
    }
    return {};
}

// Checks that every nameserver is IP or IP@PORT.
std::string check_nameservers(const Config& c) {
    for (const std::string& n : c.dns_nameservers) {
        std::string ip = n.substr(0, n.find('@'));
        std::string port = n.find('@') == std::string::npos ? "53" : n.substr(n.find('@') + 1);
        if (!util::parse_address(ip) || port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
            return "expected IP or IP@PORT, got \"" + n + "\"";
        }
    }
    return {};
}

// Checks that every egress address is an IPv4 or IPv6 address.
std::string check_egress(const Config& c) {
    for (const std::string& a : c.egress_addresses) {
        if (!util::parse_address(a) || a.find('/') != std::string::npos)
            return "not an IP address: \"" + a + "\"";
    }
    return {};
}

// Checks that the tagging header is a valid header field name.
std::string check_header_name(const Config& c) {
    const std::string& h = c.tagging_header;
    if (h.empty() || h.size() > 64) return "must be 1 to 64 characters";
    for (char ch : h) {
        if (ch <= 0x20 || ch >= 0x7f || ch == ':')
            return "not a valid header field name: \"" + h + "\"";
    }
    return {};
}

// Checks that the log file is an absolute path, and is set when the sink is a file.
std::string check_log_file(const Config& c) {
    if (c.log_file.empty())
        return c.log_sink == "file" ? "must be set when log.sink is \"file\"" : "";
    return c.log_file.starts_with("/") ? "" : "must be an absolute path";
}

// Checks that a path is absolute.
std::string check_control_socket(const Config& c) {
    return c.control_socket.starts_with("/") ? "" : "must be an absolute path";
}

// Checks that a path is absolute or empty.
std::string check_pid_file(const Config& c) {
    return c.pid_file.empty() || c.pid_file.starts_with("/") ? ""
                                                             : "must be an absolute path or empty";
}

constexpr std::int64_t kSecond = 1000;

const std::array kOptions{
    // [daemon]
    Option{"daemon",
           "user",
           Kind::string,
           R"("mxpulse")",
           "User to run as once the sockets are open. Empty keeps the user that started mxpulse.",
           &Config::user,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"daemon",
           "group",
           Kind::string,
           R"("mxpulse")",
           "Group to run as once the sockets are open. Empty uses the primary group of user.",
           &Config::group,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"daemon",
           "pid_file",
           Kind::string,
           R"("/run/mxpulse/mxpulse.pid")",
           "File that receives the daemon's process id. Empty writes none.",
           &Config::pid_file,
           {},
           0,
           INT64_MAX,
           check_pid_file,
           true},
    Option{"daemon",
           "shutdown_grace",
           Kind::duration,
           R"("30s")",
           "How long SIGTERM waits for messages in flight to finish before the daemon exits.",
           &Config::shutdown_grace,
           {},
           0,
           3600 * kSecond},

    // [milter]
    Option{
        "milter",
        "socket",
        Kind::string,
        R"("unix:/var/spool/postfix/mxpulse/milter.sock")",
        "Where the MTA connects: unix:/PATH (or local:/PATH), inet:PORT@HOST or inet6:PORT@HOST. "
        "The default sits inside Postfix's chroot (the queue directory), where Debian's chrooted "
        "smtpd and cleanup can reach it as unix:mxpulse/milter.sock.",
        &Config::milter_socket,
        {},
        0,
        INT64_MAX,
        check_milter_socket,
        true},
    Option{"milter",
           "socket_mode",
           Kind::mode,
           R"("0660")",
           "Permissions of a unix milter socket. The MTA's user (postfix) must be able to connect.",
           &Config::milter_socket_mode,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"milter",
           "timeout",
           Kind::duration,
           R"("300s")",
           "How long libmilter waits for the MTA on an open connection before giving up on it.",
           &Config::milter_timeout,
           {},
           kSecond,
           86400 * kSecond,
           nullptr,
           true},
    Option{"milter",
           "backlog",
           Kind::integer,
           "128",
           "Listen backlog of the milter socket.",
           &Config::milter_backlog,
           {},
           1,
           65535,
           nullptr,
           true},
    Option{"milter", "failure_action", Kind::choice, R"("accept")",
           "What the MTA is told when mxpulse fails internally or hits a limit: accept, tempfail "
           "or reject.",
           &Config::failure_action, kFailureActions},
    Option{"milter",
           "max_sessions",
           Kind::integer,
           "500",
           "SMTP connections analysed at once. Further connections pass through unanalysed and are "
           "counted.",
           &Config::max_sessions,
           {},
           1,
           1'000'000},

    // [limits]
    Option{"limits",
           "max_header_bytes",
           Kind::size,
           R"("256k")",
           "Header bytes kept per message. Headers beyond are counted, not kept.",
           &Config::max_header_bytes,
           {},
           1024,
           64 * 1024 * 1024},
    Option{"limits",
           "max_headers",
           Kind::integer,
           "1000",
           "Header fields kept per message.",
           &Config::max_headers,
           {},
           1,
           1'000'000},
    Option{"limits",
           "max_recipients",
           Kind::integer,
           "1000",
           "Envelope recipients kept per message.",
           &Config::max_recipients,
           {},
           1,
           1'000'000},
    Option{"limits",
           "max_body_bytes",
           Kind::size,
           R"("1M")",
           "Body bytes kept per message for bounce analysis. The rest passes through unexamined.",
           &Config::max_body_bytes,
           {},
           0,
           256 * 1024 * 1024},

    // [direction]
    Option{"direction",
           "internal_networks",
           Kind::string_list,
           R"(["127.0.0.0/8", "::1/128"])",
           "Client networks whose mail is outbound (leaving the organisation).",
           &Config::internal_networks,
           {},
           0,
           INT64_MAX,
           check_networks},
    Option{
        "direction", "outbound_daemon_names", Kind::string_list, "[]",
        "Values of the MTA's {daemon_name} macro that mark mail as outbound, e.g. \"ORIGINATING\".",
        &Config::outbound_daemon_names},
    Option{"direction", "authenticated_is_outbound", Kind::boolean, "true",
           "Whether mail from SMTP-authenticated clients is outbound.",
           &Config::authenticated_is_outbound},

    // [postfix_log]
    Option{"postfix_log",
           "path",
           Kind::string,
           R"("")",
           "Postfix's own log, followed for delivery attempts (status=sent/deferred/bounced/"
           "expired): the maillog_file written by postlogd, or a file written by syslog. It must "
           "be readable by daemon.user. Empty: not followed.",
           &Config::postfix_log_path,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"postfix_log", "kind", Kind::choice, R"("maillog_file")",
           "Who writes path: maillog_file (postlogd) or syslog (rsyslog, syslog-ng). Both "
           "timestamp styles (RFC 3164 and ISO 8601) are read either way.",
           &Config::postfix_log_kind, kPostfixLogKinds, 0, INT64_MAX, nullptr, true},
    Option{"postfix_log",
           "max_line_bytes",
           Kind::integer,
           "8192",
           "Longest log line read; longer lines are skipped whole and counted as limit "
           "postfix_log_line.",
           &Config::postfix_log_max_line,
           {},
           256,
           1 << 20,
           nullptr,
           true},
    Option{"postfix_log",
           "max_lines_per_second",
           Kind::integer,
           "5000",
           "Lines read per second at most; beyond it the rest waits in the file for the next "
           "second (nothing is lost) and limit postfix_log_rate is counted.",
           &Config::postfix_log_max_rate,
           {},
           10,
           10'000'000,
           nullptr,
           true},
    Option{"postfix_log",
           "max_queue_ids",
           Kind::integer,
           "100000",
           "Queue ids whose attempts are kept for mxpulsectl trace; the oldest beyond it are "
           "forgotten and counted as limit postfix_log_queue_ids.",
           &Config::postfix_log_max_queue_ids,
           {},
           16,
           10'000'000,
           nullptr,
           true},

    // [postfix_queue]
    Option{"postfix_queue", "command", Kind::string, R"("")",
           "Postfix's postqueue(1), run as postqueue -j (Postfix 3.1 or later) every interval for "
           "the deferred queue view (mxpulsectl queue, the mxpulse_queue_* metrics), e.g. "
           "\"/usr/sbin/postqueue\". Empty: the queue is not read.",
           &Config::postfix_queue_command},
    Option{"postfix_queue", "config_dir", Kind::string, R"("")",
           "Postfix's configuration directory, passed as postqueue -c. Empty: Postfix's default. "
           "Run by daemon.user, a directory other than the default must be listed in "
           "alternate_config_directories of the default main.cf.",
           &Config::postfix_queue_config_dir},
    Option{"postfix_queue",
           "interval",
           Kind::duration,
           R"("60s")",
           "How often the queue is read.",
           &Config::postfix_queue_interval,
           {},
           kSecond,
           3600 * kSecond},
    Option{"postfix_queue",
           "timeout",
           Kind::duration,
           R"("20s")",
           "How long one postqueue run may take; it is then killed, what it printed is kept, and "
           "the scan is counted as truncated.",
           &Config::postfix_queue_timeout,
           {},
           kSecond,
           600 * kSecond},
    Option{"postfix_queue",
           "max_messages",
           Kind::integer,
           "100000",
           "Queued messages read per scan; the rest are not read and limit postfix_queue_messages "
           "is counted.",
           &Config::postfix_queue_max_messages,
           {},
           1,
           10'000'000},
    Option{"postfix_queue",
           "max_line_bytes",
           Kind::integer,
           "1048576",
           "Longest postqueue -j line (one message with its recipients) read; longer ones are "
           "skipped and counted as limit postfix_queue_line.",
           &Config::postfix_queue_max_line,
           {},
           1024,
           64 << 20},

    // [log]
    Option{"log", "sink", Kind::choice, R"("stderr")",
           "Where log lines go: stderr (journald under systemd), syslog, or file (see file).",
           &Config::log_sink, kLogSinks},
    Option{"log", "format", Kind::choice, R"("kv")", "Log line format: kv (logfmt) or json.",
           &Config::log_format, kLogFormats},
    Option{"log", "level", Kind::choice, R"("info")",
           "Lowest level logged: trace, debug, info, warn, error.", &Config::log_level, kLogLevels},
    Option{"log", "syslog_facility", Kind::choice, R"("mail")",
           "Syslog facility when sink is syslog.", &Config::syslog_facility, kFacilities},
    Option{
        "log",
        "file",
        Kind::string,
        R"("")",
        "The file lines are appended to when sink is file; reopened on reload (SIGHUP), which is "
        "how logrotate lets go of a rotated file. Its directory must be writable by "
        "daemon.user.",
        &Config::log_file,
        {},
        0,
        INT64_MAX,
        check_log_file},
    Option{"log",
           "flood_burst",
           Kind::integer,
           "100",
           "Lines of one event and key value (e.g. bounce.tagged for one domain) written per "
           "flood_interval; the rest are counted and summarised in one log.suppressed line. 0 "
           "turns flood control off.",
           &Config::log_flood_burst,
           {},
           0,
           1'000'000},
    Option{"log",
           "flood_interval",
           Kind::duration,
           R"("60s")",
           "The interval flood_burst counts over.",
           &Config::log_flood_interval,
           {},
           kSecond,
           86400 * kSecond},
    Option{"log",
           "flood_max_keys",
           Kind::integer,
           "10000",
           "Event and key-value pairs tracked at once; beyond that, new values share one slot "
           "(value \"(other)\").",
           &Config::log_flood_max_keys,
           {},
           1,
           10'000'000},

    // [tagging]
    Option{"tagging", "enabled", Kind::boolean, "true",
           "Whether returning bounces get one header per failed or delayed recipient.",
           &Config::tagging_enabled},
    Option{"tagging",
           "header",
           Kind::string,
           R"("X-MXPulse-Bounce")",
           "Name of the header added to bounces.",
           &Config::tagging_header,
           {},
           0,
           INT64_MAX,
           check_header_name},
    Option{"tagging",
           "max_headers",
           Kind::integer,
           "20",
           "Most headers added to one bounce; further recipients are counted, not tagged.",
           &Config::tagging_max_headers,
           {},
           0,
           1000},
    Option{"tagging", "subject_prefix", Kind::string, R"("")",
           "Tag put in front of the Subject of bounces matching subject_when. Empty: never.",
           &Config::subject_prefix},
    Option{"tagging", "subject_when", Kind::string_list, R"(["m365-socketerror"])",
           "Patterns or reasons (e.g. \"m365-socketerror\", \"expired\") that prefix the Subject.",
           &Config::subject_when},
    Option{"tagging", "copy_to", Kind::string, R"("")",
           "Address that gets a copy of bounces matching copy_when (e.g. the postmaster). Empty: "
           "none.",
           &Config::copy_to},
    Option{"tagging", "copy_when", Kind::string_list, "[]",
           "Patterns or reasons that send a copy to copy_to.", &Config::copy_when},
    Option{"tagging", "quarantine_when", Kind::string_list, "[]",
           "Patterns or reasons that put the bounce in the MTA's quarantine (Postfix: hold queue).",
           &Config::quarantine_when},

    // [stats]
    Option{"stats",
           "max_destinations",
           Kind::integer,
           "100000",
           "Destination domains tracked; the quietest beyond this are folded into \"other\" and "
           "counted.",
           &Config::max_destinations,
           {},
           16,
           10'000'000,
           nullptr,
           true},
    Option{"stats",
           "samples_per_destination",
           Kind::integer,
           "20",
           "Bounce samples kept per destination for the evidence bundle.",
           &Config::samples_per_destination,
           {},
           0,
           1000,
           nullptr,
           true},
    Option{"stats",
           "history_destinations",
           Kind::integer,
           "1000",
           "Failing destinations (and, separately, providers) given 7 days of hourly history for "
           "`mxpulsectl domain` and the evidence bundle; beyond it the least failing leaves "
           "(limit.hit history_entries). 0: no history.",
           &Config::history_destinations,
           {},
           0,
           100'000,
           nullptr,
           true},
    Option{"stats", "state_file", Kind::string, R"("/var/lib/mxpulse/state.cbor")",
           "Where counters are saved (atomically) and restored from at start. Empty: not saved.",
           &Config::state_file},
    Option{"stats",
           "snapshot_interval",
           Kind::duration,
           R"("60s")",
           "How often the counters are saved.",
           &Config::snapshot_interval,
           {},
           kSecond,
           86400 * kSecond},
    Option{"stats",
           "correlation_max",
           Kind::integer,
           "100000",
           "Outbound messages remembered by Message-ID to link returning bounces to them.",
           &Config::correlation_max,
           {},
           0,
           10'000'000,
           nullptr,
           true},
    Option{"stats",
           "correlation_max_age",
           Kind::duration,
           R"("7d")",
           "How long an outbound message is remembered for that link.",
           &Config::correlation_max_age,
           {},
           kSecond,
           90 * 86400 * kSecond,
           nullptr,
           true},
    Option{"stats",
           "duplicate_max",
           Kind::integer,
           "200000",
           "Bounces remembered to count a bounce delivered twice (a retry, a copy) once: the "
           "original's Message-ID (or the NDR's own), the recipient and the status. 0: count "
           "every copy.",
           &Config::duplicate_max,
           {},
           0,
           10'000'000,
           nullptr,
           true},
    Option{"stats",
           "duplicate_window",
           Kind::duration,
           R"("48h")",
           "How long a counted bounce is remembered for that.",
           &Config::duplicate_window,
           {},
           kSecond,
           30 * 86400 * kSecond,
           nullptr,
           true},

    // [evidence]
    Option{"evidence",
           "directory",
           Kind::string,
           R"("/var/lib/mxpulse/evidence")",
           "Where every returning NDR is kept, one file each, for `mxpulsectl evidence`. Empty: no "
           "store (bundles then hold only the samples kept per destination).",
           &Config::evidence_directory,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"evidence",
           "max_count",
           Kind::integer,
           "10000",
           "NDRs kept; beyond it the oldest is removed, counted (limit evidence_count) and the "
           "bundle says how many it lacks.",
           &Config::evidence_max_count,
           {},
           1,
           10'000'000,
           nullptr,
           true},
    Option{"evidence",
           "max_bytes",
           Kind::size,
           R"("256M")",
           "Bytes of NDR files kept; beyond it the oldest is removed (limit evidence_bytes).",
           &Config::evidence_max_bytes,
           {},
           64 * 1024,
           INT64_MAX,
           nullptr,
           true},
    Option{"evidence",
           "max_ndr_bytes",
           Kind::size,
           R"("256k")",
           "Bytes of one NDR's text kept; a longer one is cut there, marked as cut, and counted "
           "(limit evidence_ndr_bytes).",
           &Config::evidence_max_ndr_bytes,
           {},
           1024,
           64 * 1024 * 1024,
           nullptr,
           true},
    Option{"evidence",
           "retention",
           Kind::duration,
           R"("30d")",
           "How long an NDR is kept.",
           &Config::evidence_retention,
           {},
           3600 * kSecond,
           3650 * 86400 * kSecond,
           nullptr,
           true},
    Option{"evidence",
           "queue_max",
           Kind::integer,
           "1000",
           "NDRs waiting for the writer thread; the milter only queues them. Beyond it an NDR is "
           "not kept, and counted (limit evidence_queue).",
           &Config::evidence_queue_max,
           {},
           1,
           1'000'000,
           nullptr,
           true},

    // [dns]
    Option{"dns",
           "nameservers",
           Kind::string_list,
           "[]",
           "Resolvers every lookup goes to, as IP or IP@PORT (e.g. \"127.0.0.1@5353\"). Empty: "
           "/etc/resolv.conf.",
           &Config::dns_nameservers,
           {},
           0,
           INT64_MAX,
           check_nameservers,
           true},
    Option{"dns",
           "timeout",
           Kind::duration,
           R"("2s")",
           "Longest wait for one lookup; keep it well below the MTA's milter timeouts. A timeout "
           "is a temperror.",
           &Config::dns_timeout,
           {},
           100,
           30 * kSecond,
           nullptr,
           true},
    Option{"dns",
           "cache_min_ttl",
           Kind::duration,
           R"("0s")",
           "Shortest time an answer is cached.",
           &Config::dns_cache_min_ttl,
           {},
           0,
           86400 * kSecond,
           nullptr,
           true},
    Option{"dns",
           "cache_max_ttl",
           Kind::duration,
           R"("1d")",
           "Longest time an answer is cached.",
           &Config::dns_cache_max_ttl,
           {},
           kSecond,
           7 * 86400 * kSecond,
           nullptr,
           true},

    // [auth]
    Option{"auth", "enabled", Kind::boolean, "true",
           "Whether outbound mail is checked for SPF, DKIM and DMARC.", &Config::auth_enabled},
    Option{"auth",
           "egress_addresses",
           Kind::string_list,
           "[]",
           "Addresses the receiving side sees this gateway's mail come from (the gateway, or its "
           "smarthost); "
           "SPF is evaluated for each. Empty: SPF is not evaluated.",
           &Config::egress_addresses,
           {},
           0,
           INT64_MAX,
           check_egress},
    Option{"auth", "action", Kind::choice, R"("log")",
           "What a failing DMARC verdict does: log, header (add Authentication-Results), tempfail "
           "or reject.",
           &Config::auth_action, kAuthActions},
    Option{"auth", "action_domains", Kind::string_list, "[]",
           "Sender domains that tempfail and reject apply to. Empty: every sender domain.",
           &Config::auth_action_domains},
    Option{"auth", "authserv_id", Kind::string, R"("mxpulse")",
           "The authserv-id of Authentication-Results headers.", &Config::authserv_id},
    Option{"auth",
           "dkim_max_signatures",
           Kind::integer,
           "5",
           "DKIM signatures verified per message.",
           &Config::dkim_max_signatures,
           {},
           1,
           50},
    Option{"auth",
           "dkim_min_key_bits",
           Kind::integer,
           "1024",
           "Smallest RSA key accepted (RFC 8301 forbids less than 1024).",
           &Config::dkim_min_key_bits,
           {},
           512,
           16384},
    Option{"auth",
           "spf_budget",
           Kind::duration,
           R"("6s")",
           "Longest time one SPF evaluation may take.",
           &Config::spf_budget,
           {},
           100,
           60 * kSecond},
    Option{"auth",
           "psl_file",
           Kind::string,
           R"("")",
           "Public Suffix List file for organisational domains. Empty: the system list (libpsl).",
           &Config::psl_file,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"auth", "expected_spf_includes", Kind::string_list, "[]",
           "Includes the SPF record should have, e.g. \"spf.protection.outlook.com\" (checked by "
           "check-domain).",
           &Config::expected_spf_includes},

    // [alerts]
    Option{"alerts", "default_rules", Kind::boolean, "true",
           "Whether the shipped alert rules apply (see [[alert]] in mxpulse.conf(5)); a rule of "
           "the same name "
           "in this file replaces a shipped one.",
           &Config::default_alert_rules},
    Option{"alerts",
           "interval",
           Kind::duration,
           R"("10s")",
           "How often the alert rules are evaluated.",
           &Config::alert_interval,
           {},
           kSecond,
           3600 * kSecond},
    Option{"alerts", "own_sender_domains", Kind::string_list, "[]",
           "The organisation's own sender domains, watched by auth_fail_rate rules. Empty: every "
           "sender domain.",
           &Config::own_sender_domains},

    // [providers]
    Option{"providers", "*", Kind::list_map, "{}",
           "Names a provider and the domains it serves, e.g. yahoo = [\"yahoo.com\", \"aol.com\"]. "
           "Without "
           "an entry a domain's provider is the registrable domain of its primary MX host.",
           &Config::providers},

    // [control]
    Option{"control",
           "socket",
           Kind::string,
           R"("/run/mxpulse/control.sock")",
           "Unix socket that mxpulsectl talks to.",
           &Config::control_socket,
           {},
           0,
           INT64_MAX,
           check_control_socket,
           true},
    Option{"control",
           "socket_mode",
           Kind::mode,
           R"("0660")",
           "Permissions of the control socket.",
           &Config::control_socket_mode,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"control",
           "socket_group",
           Kind::string,
           R"("")",
           "Group owning the control socket; its members may use mxpulsectl. Empty uses the "
           "daemon's group.",
           &Config::control_socket_group,
           {},
           0,
           INT64_MAX,
           nullptr,
           true},
    Option{"control",
           "max_clients",
           Kind::integer,
           "16",
           "Control connections served at once; more are refused and counted.",
           &Config::control_max_clients,
           {},
           1,
           4096},
    Option{"control",
           "max_request_bytes",
           Kind::size,
           R"("4k")",
           "Longest control request line; a longer one is refused and counted.",
           &Config::control_max_request_bytes,
           {},
           64,
           1024 * 1024},
    Option{"control",
           "idle_timeout",
           Kind::duration,
           R"("30s")",
           "A control connection idle this long is closed.",
           &Config::control_idle_timeout,
           {},
           100,
           3600 * kSecond},
    Option{
        "control",
        "allow_users",
        Kind::string_list,
        "[]",
        "Users (names or uids) allowed read-only commands, checked by peer credentials. Root and "
        "the daemon's user are always allowed, with admin access.",
        &Config::control_allow_users,
        {},
        0,
        INT64_MAX,
        check_allow_users},
    Option{"control",
           "allow_groups",
           Kind::string_list,
           "[]",
           "Groups (names or gids) whose members are allowed read-only commands. Members of the "
           "socket's group are always allowed.",
           &Config::control_allow_groups,
           {},
           0,
           INT64_MAX,
           check_allow_groups},
    Option{"control",
           "admin_group",
           Kind::string,
           R"("")",
           "Group whose members may also use reset, reload and snapshot. Empty: only root and the "
           "daemon's user.",
           &Config::control_admin_group,
           {},
           0,
           INT64_MAX,
           check_admin_group},

    // [metrics]
    Option{"metrics",
           "listen",
           Kind::string,
           R"("127.0.0.1:9477")",
           "Address of the Prometheus endpoint (/metrics), as IP:PORT or [IPv6]:PORT. Empty "
           "disables it.",
           &Config::metrics_listen,
           {},
           0,
           INT64_MAX,
           check_metrics_listen,
           true},
    Option{"metrics",
           "top_destinations",
           Kind::integer,
           "20",
           "Destinations and providers with their own label value (the busiest in 24h); the rest "
           "are folded into \"other\".",
           &Config::metrics_top_destinations,
           {},
           0,
           1000},
    Option{
        "metrics",
        "max_clients",
        Kind::integer,
        "8",
        "Connections to the metrics endpoint open at once. At the bound it stops accepting until "
        "one closes (later scrapers wait in the listen queue), counted as limit "
        "metrics_clients.",
        &Config::metrics_max_clients,
        {},
        1,
        1024},
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kSections{{
    {"daemon", "The process: user, group, pid file, shutdown."},
    {"milter", "The milter socket and what the MTA is told on failure."},
    {"limits", "What is kept per message. Every limit hit is counted and logged."},
    {"direction", "How a message is found to be outbound."},
    {"tagging", "What returning bounces get: a header per recipient, and optional actions."},
    {"stats", "Counters per destination and provider, and where they are saved."},
    {"evidence",
     "The on-disk evidence store: every NDR kept whole (within bounds) for the support-ticket "
     "bundle."},
    {"alerts", "Alert rules evaluated on the counters; they log alert.raised and alert.cleared."},
    {"providers", "Which destination domains belong to which provider."},
    {"dns", "The one resolver every lookup goes through: SPF, DKIM, DMARC, MX."},
    {"auth", "SPF, DKIM and DMARC of outbound mail."},
    {"postfix_log", "Postfix's own log, followed for delivery attempts, deferrals and the trace."},
    {"postfix_queue", "Postfix's queue, read with postqueue -j for the deferred queue view."},
    {"log", "Log lines: where they go and how they look."},
    {"control", "The control socket used by mxpulsectl, and who may use it."},
    {"metrics", "The Prometheus endpoint."},
}};

}  // namespace

std::span<const Option> options() {
    return kOptions;
}

std::span<const std::pair<std::string_view, std::string_view>> sections() {
    return kSections;
}

const Option* find_option(std::string_view section, std::string_view key) {
    for (const Option& o : kOptions) {
        if (o.section == section && (o.key == key || o.key == "*")) return &o;
    }
    return nullptr;
}

std::string option_name(const Option& o) {
    return std::string(o.section) + "." + std::string(o.key);
}

}  // namespace mxpulse::config
