// The control commands as a table: name, access level, usage and handler.
#include "control/commands.hpp"

#include <array>
#include <ctime>
#include <set>

#include "evidence/bundle.hpp"
#include "evidence/kept.hpp"
#include "util/strings.hpp"
#include "util/units.hpp"

namespace mxpulse::control {

namespace {

constexpr std::string_view kEvidenceUsage =
    "evidence NAME [since=48h] [until=DURATION] [pattern=P] [sender_domain=D] "
    "[scope=domain|provider] [texts=1]";

// Returns an error reply for wrong arguments.
Reply usage_error(const Command& c) {
    return Reply{false, {}, "usage: " + std::string(c.usage)};
}

// Rewrites the Unix times under keys of j as ISO 8601 with offset, as the evidence bundle writes
// them, so that a key means the same type in every command; 0 (never) becomes "".
void iso_times(nlohmann::json& j, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        auto it = j.find(k);
        if (it == j.end() || !it->is_number_integer()) continue;
        std::int64_t t = it->get<std::int64_t>();
        *it = t == 0 ? std::string() : evidence::iso_time(t);
    }
}

// The same for every element of the array j[key].
void iso_times_in(nlohmann::json& j, const char* key, std::initializer_list<const char*> keys) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (nlohmann::json& e : *it)
        iso_times(e, keys);
}

// A destination's or provider's counters with their times as ISO 8601.
nlohmann::json health_times(nlohmann::json j) {
    iso_times(j, {"first_seen", "last_outbound", "last_failure", "first_failed", "last_failed",
                  "recovered_at"});
    iso_times_in(j, "samples", {"seen_at"});
    return j;
}

// ping: proves the daemon answers.
Reply cmd_ping(const Request&, Context&) {
    return Reply{true, {{"pong", true}}, {}};
}

// version: the daemon's version.
Reply cmd_version(const Request&, Context& ctx) {
    return Reply{true, {{"version", ctx.version}}, {}};
}

// status: uptime, configuration, counters.
Reply cmd_status(const Request&, Context& ctx) {
    std::int64_t now = std::time(nullptr);
    auto cfg = ctx.config.get();
    nlohmann::json j = ctx.counters.to_json();
    j["version"] = ctx.version;
    j["pid"] = ctx.pid;
    j["started_at"] = ctx.counters.started_at();
    j["uptime_s"] = now - ctx.counters.started_at();
    j["config"] = {{"file", cfg ? cfg->source : ""}, {"loaded_at", ctx.config.loaded_at()}};
    iso_times(j, {"started_at"});
    iso_times(j["config"], {"loaded_at"});
    if (j.contains("state")) iso_times(j["state"], {"last_snapshot_at", "last_failure_at"});
    if (ctx.registry) {
        j["destinations"] = {{"tracked", ctx.registry->tracked()},
                             {"evictions", ctx.registry->evictions()},
                             {"evidence_bytes", ctx.registry->evidence_bytes()},
                             {"samples_trimmed", ctx.registry->evidence_trimmed()}};
    }
    if (ctx.auth) j["outbound_auth"] = ctx.auth->to_json();
    if (ctx.evidence) {
        j["evidence"] = ctx.evidence->stats();
        iso_times(j["evidence"], {"oldest_kept"});
    }
    return Reply{true, j, {}};
}

// reload: re-reads the configuration file; a bad one is refused and the old one kept.
Reply cmd_reload(const Request&, Context& ctx) {
    if (!ctx.reload) return Reply{false, {}, "reload is not available"};
    std::string error = ctx.reload();
    if (!error.empty())
        return Reply{false, {}, "configuration refused, previous one kept: " + error};
    auto cfg = ctx.config.get();
    return Reply{true, {{"reloaded", true}, {"file", cfg ? cfg->source : ""}}, {}};
}

// Returns the context's clock.
std::int64_t now_of(const Context& ctx) {
    return ctx.now ? ctx.now() : std::time(nullptr);
}

// top [N] [by=failures|rate|pattern|outbound] [window=15m] [scope=domain|provider]
Reply cmd_top(const Request& r, Context& ctx) {
    if (!ctx.registry) return Reply{false, {}, "no registry"};
    std::size_t n = 10;
    stats::By by = stats::By::failures;
    stats::Window w = stats::Window::m15;
    stats::Scope scope = stats::Scope::domain;
    for (const std::string& a : r.args) {
        auto eq = a.find('=');
        std::string key = eq == std::string::npos ? "" : a.substr(0, eq), value = a.substr(eq + 1);
        if (key.empty()) {
            if (a.empty() || a.size() > 6 ||
                a.find_first_not_of("0123456789") != std::string::npos) {
                return Reply{false, {}, "top: N must be a number, got \"" + a + "\""};
            }
            n = std::stoul(a);
        } else if (key == "by") {
            auto b = stats::parse_by(value);
            if (!b) return Reply{false, {}, "top: by= takes failures, rate, pattern or outbound"};
            by = *b;
        } else if (key == "window") {
            auto x = stats::parse_window(value);
            if (!x) return Reply{false, {}, "top: window= takes 1m, 5m, 15m, 1h, 24h or total"};
            w = *x;
        } else if (key == "scope") {
            auto x = stats::parse_scope(value);
            if (!x) return Reply{false, {}, "top: scope= takes domain or provider"};
            scope = *x;
        } else {
            return Reply{false, {}, "top: unknown argument \"" + a + "\""};
        }
    }
    nlohmann::json j = ctx.registry->top(n, by, w, scope, now_of(ctx));
    const char* names[] = {"failures", "rate", "pattern", "outbound"};
    j["by"] = names[static_cast<int>(by)];
    return Reply{true, j, {}};
}

// domain NAME: one destination's counters.
Reply cmd_domain(const Request& r, Context& ctx) {
    if (!ctx.registry || r.args.size() != 1) return Reply{false, {}, "usage: domain NAME"};
    std::string name = util::to_lower(r.args[0]);  // domains are case-insensitive (RFC 5321 2.4)
    auto j = ctx.registry->domain(name, now_of(ctx));
    auto auth = ctx.auth ? ctx.auth->domain(name) : std::nullopt;
    nlohmann::json attempts = ctx.deliveries ? ctx.deliveries(name, false) : nullptr;
    if (!j && !auth && attempts.is_null())
        return Reply{false, {}, "no data for domain \"" + r.args[0] + "\""};
    nlohmann::json out = j ? health_times(*j) : nlohmann::json{{"domain", name}};
    if (auth) out["outbound_auth"] = *auth;
    if (!attempts.is_null()) {
        iso_times(attempts, {"last_deferred"});
        out["deliveries"] = std::move(attempts);
    }
    if (auto h = ctx.history ? ctx.history->domain(name, now_of(ctx)) : std::nullopt) {
        out["history"] = *h;
        iso_times_in(out["history"], "hours", {"hour"});
    }
    return Reply{true, out, {}};
}

// provider NAME: one provider's aggregated counters and domains.
Reply cmd_provider(const Request& r, Context& ctx) {
    if (!ctx.registry || r.args.size() != 1) return Reply{false, {}, "usage: provider NAME"};
    auto j = ctx.registry->provider(r.args[0], now_of(ctx));
    if (!j) j = ctx.registry->provider(util::to_lower(r.args[0]), now_of(ctx));
    nlohmann::json attempts = ctx.deliveries ? ctx.deliveries(r.args[0], true) : nullptr;
    if (!j && !attempts.is_null()) j = nlohmann::json{{"provider", r.args[0]}, {"domains", {}}};
    if (!j) return Reply{false, {}, "no data for provider \"" + r.args[0] + "\""};
    if (!attempts.is_null()) {
        iso_times(attempts, {"last_deferred"});
        (*j)["deliveries"] = std::move(attempts);
    }
    if (ctx.grouping) {
        nlohmann::json grouped = nlohmann::json::object();
        for (const auto& d : (*j)["domains"])
            grouped[d.get<std::string>()] = ctx.grouping(d.get<std::string>());
        (*j)["grouping"] = std::move(grouped);
    }
    if (auto h = ctx.history
                     ? ctx.history->provider((*j)["provider"].get<std::string>(), now_of(ctx))
                     : std::nullopt) {
        (*j)["history"] = *h;
        iso_times_in((*j)["history"], "hours", {"hour"});
    }
    return Reply{true, health_times(*j), {}};
}

// reset [NAME]: forget a destination, a provider's destinations, or everything.
Reply cmd_reset(const Request& r, Context& ctx) {
    if (!ctx.registry) return Reply{false, {}, "no registry"};
    std::string name = r.args.empty() ? "" : util::to_lower(r.args[0]);
    std::size_t removed = ctx.registry->reset(name);
    if (ctx.history) ctx.history->reset(name);
    if (ctx.forget_alerts) ctx.forget_alerts(name);
    return Reply{
        true, {{"reset", name.empty() ? "all" : name}, {"destinations_removed", removed}}, {}};
}

// snapshot: write the state file now.
Reply cmd_snapshot(const Request&, Context& ctx) {
    if (!ctx.snapshot) return Reply{false, {}, "snapshots are not available"};
    std::string error = ctx.snapshot();
    if (!error.empty()) return Reply{false, {}, "snapshot failed: " + error};
    return Reply{true, {{"written", true}}, {}};
}

// alerts: the active alerts and the recent transitions.
Reply cmd_alerts(const Request&, Context& ctx) {
    if (!ctx.alerts) return Reply{false, {}, "alerts are not available"};
    nlohmann::json j = ctx.alerts();
    iso_times_in(j, "active", {"since"});
    iso_times_in(j, "recent", {"at"});
    return Reply{true, j, {}};
}

// Reads the evidence command's KEY=VALUE arguments into req; returns "" or the error.
std::string evidence_args(const Request& r, evidence::Request& req) {
    std::int64_t until_ago = 0;
    for (std::size_t i = 1; i < r.args.size(); ++i) {
        const std::string& a = r.args[i];
        auto eq = a.find('=');
        std::string key = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
        if (key == "since" || key == "until") {
            auto d = util::parse_duration(value);
            if (!d || d->count() < (key == "since" ? 1000 : 0) || d->count() > 90LL * 86400 * 1000)
                return "evidence: " + key + "= takes a duration up to 90d, e.g. 48h";
            (key == "since" ? req.since_s : until_ago) = d->count() / 1000;
        } else if (key == "pattern" && !value.empty()) {
            req.pattern = value;
        } else if (key == "scope" && (value == "domain" || value == "provider")) {
            req.scope = value;
        } else if (key == "texts" && value == "1") {
            req.texts = true;
        } else if (key == "sender_domain" && !value.empty()) {
            req.sender_domain = util::to_lower(value);
        } else {
            return "evidence: unknown argument \"" + a + "\"";
        }
    }
    if (until_ago >= req.since_s) return "evidence: until= must be later than since=";
    if (until_ago) req.until = req.now - until_ago;
    return {};
}

// Returns the outbound SPF/DKIM/DMARC counts of each sender domain of the failures, and "not
// evaluated" for those that sent no mail through this gateway (never a 0 % pass rate).
nlohmann::json auth_of_senders(const nlohmann::json& b, const stats::AuthCounters* auth) {
    std::set<std::string> domains;
    if (b.contains("sender_domains")) {
        for (const auto& d : b["sender_domains"])
            domains.insert(d.get<std::string>());
    } else {
        for (const auto& s : b.value("samples", nlohmann::json::array()))
            if (!s.value("original_sender", "").empty())
                domains.insert(
                    util::to_lower(util::address_domain(s.value("original_sender", ""))));
    }
    nlohmann::json out = nlohmann::json::object();
    for (const std::string& d : domains) {
        auto counts = auth ? auth->domain(d) : std::nullopt;
        if (!counts || (*counts)["dmarc"].value("messages", 0) == 0) {
            out[d] = {{"evaluated", false},
                      {"why", "no outbound mail from " + d + " passed through this gateway"}};
            continue;
        }
        out[d] = {{"evaluated", true},
                  {"messages", (*counts)["dmarc"]["messages"]},
                  {"spf_pass_rate", (*counts)["spf"]["pass_rate"]},
                  {"dkim_pass_rate", (*counts)["dkim"]["pass_rate"]},
                  {"dmarc_pass_rate", (*counts)["dmarc"]["pass_rate"]}};
    }
    return out;
}

// evidence NAME [since=48h] [until=0s] [pattern=P] [sender_domain=D]: the support-ticket bundle
// of a destination or provider, built from the evidence store when there is one.
Reply cmd_evidence(const Request& r, Context& ctx) {
    if (!ctx.registry || r.args.empty()) return Reply{false, {}, std::string(kEvidenceUsage)};
    evidence::Request req{util::to_lower(r.args[0]), 48 * 3600, now_of(ctx)};
    if (std::string e = evidence_args(r, req); !e.empty()) return Reply{false, {}, e};
    auto b = evidence::build_from(*ctx.registry, req);
    if (!b) return Reply{false, {}, "no data for domain or provider \"" + r.args[0] + "\""};
    if (ctx.evidence) {
        ctx.evidence->expire(req.now);
        evidence::Selection sel{(*b)["scope"].get<std::string>(),
                                (*b)["subject"].get<std::string>(),
                                {},
                                req.now - req.since_s,
                                req.until ? req.until : req.now,
                                req.pattern,
                                req.sender_domain,
                                req.texts};
        for (const auto& d : (*b)["domains"])
            sel.domains.insert(d.get<std::string>());
        evidence::add_kept(*b, *ctx.evidence, sel);
        evidence::resummarize(*b);
    }
    (*b)["outbound_auth"] = auth_of_senders(*b, ctx.auth);
    // The hook for Postfix's own delivery attempts of the originals (topology 1), filled by the
    // log follower when it exists; an empty list means none were recorded.
    (*b)["gateway_attempts"] = nlohmann::json::array();
    return Reply{true, *b, {}};
}

// trace ID: every delivery attempt of a message from Postfix's log, and what the milter saw.
Reply cmd_trace(const Request& r, Context& ctx) {
    if (r.args.size() != 1) return Reply{false, {}, "usage: trace ID"};
    nlohmann::json found = ctx.trace ? ctx.trace(r.args[0]) : nullptr;
    if (found.is_null())
        return Reply{false, {}, "trace: Postfix's log is not followed ([postfix_log] path)"};
    if (found.empty()) return Reply{false, {}, "no trace for \"" + r.args[0] + "\""};
    nlohmann::json out{{"id", r.args[0]}, {"messages", std::move(found)}};
    iso_times_in(out, "messages", {"first_seen", "last_seen"});
    for (auto& m : out["messages"]) {
        iso_times_in(m, "attempts", {"time"});
        if (m["milter"].is_object()) iso_times(m["milter"], {"seen"});
    }
    return Reply{true, out, {}};
}

// auth [DOMAIN]: outbound SPF/DKIM/DMARC results per sender domain and window.
Reply cmd_auth(const Request& r, Context& ctx) {
    if (!ctx.auth) return Reply{false, {}, "outbound authentication is not counted"};
    std::string name = r.args.empty() ? "" : util::to_lower(r.args[0]);
    nlohmann::json j = ctx.auth->report(name, now_of(ctx));
    bool evaluated = false;
    for (const auto& d : j["domains"])
        evaluated = evaluated || d.value("evaluated", false);
    j["evaluated"] = evaluated;  // false: no outbound mail seen (for DOMAIN, or at all)
    return Reply{true, j, {}};
}

// queue [by=domain|provider]: the last postqueue -j scan, qshape-style.
Reply cmd_queue(const Request& r, Context& ctx) {
    bool by_provider = false;
    for (const std::string& a : r.args) {
        if (a == "by=provider")
            by_provider = true;
        else if (a != "by=domain")
            return Reply{false, {}, "usage: queue [by=domain|provider]"};
    }
    nlohmann::json j = ctx.queue ? ctx.queue(by_provider) : nullptr;
    if (j.is_null())
        return Reply{false, {}, "queue: Postfix's queue is not read ([postfix_queue] command)"};
    return Reply{true, std::move(j), {}};
}

Reply cmd_help(const Request&, Context&);

const std::array kCommands{
    Command{"ping", Access::read, "ping", "Answer with pong.", 0, cmd_ping},
    Command{"version", Access::read, "version", "Print the daemon's version.", 0, cmd_version},
    Command{"status", Access::read, "status",
            "Uptime, configuration, messages by direction, limits hit.", 0, cmd_status},
    Command{"top", Access::read,
            "top [N] [by=failures|rate|pattern|outbound] [window=15m] [scope=domain|provider]",
            "The destinations or providers that fare worst (or send most) in a window.", 4,
            cmd_top},
    Command{"domain", Access::read, "domain NAME",
            "Counters, top status codes and samples of one destination.", 1, cmd_domain},
    Command{"provider", Access::read, "provider NAME",
            "Counters of one provider, with its destinations.", 1, cmd_provider},
    Command{"evidence", Access::read, kEvidenceUsage,
            "The support-ticket bundle of a destination or provider: every kept NDR, what the "
            "store lacks, recipients, codes, attempts, original headers, auth, summary.",
            7, cmd_evidence},
    Command{"trace", Access::read, "trace ID",
            "Every delivery attempt of a message (queue id, Message-ID or recipient) from "
            "Postfix's log, with what the milter saw of it.",
            1, cmd_trace},
    Command{"auth", Access::read, "auth [DOMAIN]",
            "Outbound SPF, DKIM and DMARC results per sender domain and window (\"not "
            "evaluated\" where no outbound mail was seen).",
            1, cmd_auth},
    Command{"queue", Access::read, "queue [by=domain|provider]",
            "Postfix's queue from the last postqueue -j scan, per destination domain or "
            "provider: deferred messages, oldest age, age columns, classified delay reasons.",
            1, cmd_queue},
    Command{"reset", Access::admin, "reset [NAME]",
            "Forget the counters of a destination, a provider, or all.", 1, cmd_reset},
    Command{"alerts", Access::read, "alerts",
            "The alerts firing now, and the recent raises and clears.", 0, cmd_alerts},
    Command{"snapshot", Access::admin, "snapshot", "Write the state file now.", 0, cmd_snapshot},
    Command{"reload", Access::admin, "reload", "Reload the configuration file.", 0, cmd_reload},
    Command{"help", Access::read, "help", "List the commands.", 0, cmd_help},
};

Reply cmd_help(const Request&, Context&) {
    nlohmann::json list = nlohmann::json::array();
    for (const Command& c : kCommands) {
        list.push_back({{"command", c.name},
                        {"usage", c.usage},
                        {"access", c.access == Access::admin ? "admin" : "read"},
                        {"help", c.help}});
    }
    return Reply{true, {{"commands", list}}, {}};
}

// Returns true when the request has no more arguments than the command takes.
bool arity_ok(const Command& c, const Request& r) {
    return r.args.size() <= c.max_args;
}

}  // namespace

std::span<const Command> commands() {
    return kCommands;
}

std::string handle_line(std::string_view line, Access access, Context& context, bool* denied) {
    std::string error;
    auto request = parse_request(line, error);
    if (!request) return error_reply(error);
    for (const Command& c : kCommands) {
        if (c.name != request->command) continue;
        if (c.access == Access::admin && access != Access::admin) {
            if (denied) *denied = true;
            return error_reply("permission denied: \"" + request->command +
                               "\" needs admin access");
        }
        if (!arity_ok(c, *request)) return error_reply(usage_error(c).error);
        Reply r = c.run(*request, context);
        return r.ok ? ok_reply(c.name, r.result) : error_reply(r.error);
    }
    return error_reply("unknown command \"" + request->command + "\"; try \"help\"");
}

}  // namespace mxpulse::control
