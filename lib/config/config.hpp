// The immutable, fully validated configuration of one mxpulse instance.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/cidr.hpp"

namespace mxpulse::config {

// One alert rule from a [[alert]] table; its keys are declared in options.cpp (alert_rule_keys).
struct AlertRule {
    std::string name;
    std::string
        metric;  // see alert_rules.cpp kMetrics
    std::string scope;    // domain | provider | sender_domain | global
    std::string window;   // 1m | 5m | 15m | 1h | 24h
    std::string pattern;  // for pattern_count
    double raise = 0;
    double clear = 0;
    std::int64_t min_events = 0;
    std::chrono::milliseconds sustain{};  // "for"
    std::string severity;                 // info | warning | critical
    std::uint32_t line = 0;               // where it was declared, for messages
};

// Every field is declared with its TOML key, default and documentation in options.cpp, nowhere
// else.
struct Config {
    std::string source;  // the file it was loaded from, or "(built-in defaults)"

    // [daemon]
    std::string user;
    std::string group;
    std::string pid_file;
    std::chrono::milliseconds shutdown_grace{};

    // [milter]
    std::string milter_socket;
    std::int64_t milter_socket_mode = 0;
    std::chrono::milliseconds milter_timeout{};
    std::int64_t milter_backlog = 0;
    std::string failure_action;  // accept | tempfail | reject
    std::int64_t max_sessions = 0;

    // [limits]
    std::int64_t max_header_bytes = 0;
    std::int64_t max_headers = 0;
    std::int64_t max_recipients = 0;
    std::int64_t max_body_bytes = 0;

    // [direction]
    std::vector<std::string> internal_networks;
    std::vector<std::string> outbound_daemon_names;
    bool authenticated_is_outbound = true;

    // [postfix_log]
    std::string postfix_log_path;  // "" disables following
    std::string postfix_log_kind;  // maillog_file | syslog
    std::int64_t postfix_log_max_line = 0;
    std::int64_t postfix_log_max_rate = 0;
    std::int64_t postfix_log_max_queue_ids = 0;

    // [postfix_queue]
    std::string postfix_queue_command;     // postqueue; "" disables the deferred queue view
    std::string postfix_queue_config_dir;  // passed as -c; "" for Postfix's default
    std::chrono::milliseconds postfix_queue_interval{};
    std::chrono::milliseconds postfix_queue_timeout{};
    std::int64_t postfix_queue_max_messages = 0;
    std::int64_t postfix_queue_max_line = 0;

    // [log]
    std::string log_sink;    // stderr | syslog | file
    std::string log_format;  // kv | json
    std::string log_level;   // trace | debug | info | warn | error
    std::string syslog_facility;
    std::string log_file;
    std::int64_t log_flood_burst = 0;
    std::chrono::milliseconds log_flood_interval{};
    std::int64_t log_flood_max_keys = 0;

    // [tagging]
    bool tagging_enabled = true;
    std::string tagging_header;
    std::int64_t tagging_max_headers = 0;
    std::string subject_prefix;
    std::vector<std::string> subject_when;
    std::string copy_to;
    std::vector<std::string> copy_when;
    std::vector<std::string> quarantine_when;

    // [stats]
    std::int64_t max_destinations = 0;
    std::int64_t samples_per_destination = 0;
    std::int64_t history_destinations = 0;  // failing destinations with 7 days of hourly history
    std::string state_file;
    std::chrono::milliseconds snapshot_interval{};
    std::int64_t correlation_max = 0;
    std::chrono::milliseconds correlation_max_age{};
    std::int64_t duplicate_max = 0;
    std::chrono::milliseconds duplicate_window{};

    // [evidence]
    std::string evidence_directory;
    std::int64_t evidence_max_count = 0;
    std::int64_t evidence_max_bytes = 0;
    std::int64_t evidence_max_ndr_bytes = 0;
    std::chrono::milliseconds evidence_retention{};
    std::int64_t evidence_queue_max = 0;

    // [dns]
    std::vector<std::string> dns_nameservers;
    std::chrono::milliseconds dns_timeout{};
    std::chrono::milliseconds dns_cache_min_ttl{};
    std::chrono::milliseconds dns_cache_max_ttl{};

    // [auth]
    bool auth_enabled = true;
    std::vector<std::string> egress_addresses;
    std::string auth_action;  // log | header | tempfail | reject
    std::vector<std::string> auth_action_domains;
    std::string authserv_id;
    std::int64_t dkim_max_signatures = 0;
    std::int64_t dkim_min_key_bits = 0;
    std::chrono::milliseconds spf_budget{};
    std::string psl_file;
    std::vector<std::string> expected_spf_includes;

    // [[alert]] rules, and the [alerts] settings
    std::vector<AlertRule> alert_rules;
    bool default_alert_rules = true;
    std::chrono::milliseconds alert_interval{};
    std::vector<std::string> own_sender_domains;

    // [providers]: provider name -> domains (or MX host suffixes) it serves
    std::vector<std::pair<std::string, std::vector<std::string>>> providers;

    // [control]
    std::string control_socket;
    std::int64_t control_socket_mode = 0;
    std::string control_socket_group;
    std::int64_t control_max_clients = 0;
    std::int64_t control_max_request_bytes = 0;
    std::chrono::milliseconds control_idle_timeout{};
    std::vector<std::string> control_allow_users;   // names or numeric uids
    std::vector<std::string> control_allow_groups;  // names or numeric gids
    std::string control_admin_group;

    // [metrics]
    std::string metrics_listen;  // "IP:PORT" or "[IPv6]:PORT"; "" disables
    std::int64_t metrics_top_destinations = 0;
    std::int64_t metrics_max_clients = 0;

    // Derived at load time from internal_networks (already validated).
    std::vector<util::Cidr> internal_cidrs;
};

}  // namespace mxpulse::config
