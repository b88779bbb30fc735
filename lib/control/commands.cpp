// The control commands as a table: name, access level, usage and handler.
#include "control/commands.hpp"

#include <array>
#include <ctime>

#include "evidence/bundle.hpp"
#include "util/strings.hpp"
#include "util/units.hpp"

namespace mxpulse::control {

namespace {

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
    iso_times(j, {"first_seen", "last_outbound", "last_failure"});
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
    return Reply{true, health_times(*j), {}};
}

// reset [NAME]: forget a destination, a provider's destinations, or everything.
Reply cmd_reset(const Request& r, Context& ctx) {
    if (!ctx.registry) return Reply{false, {}, "no registry"};
    std::string name = r.args.empty() ? "" : util::to_lower(r.args[0]);
    std::size_t removed = ctx.registry->reset(name);
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

// evidence NAME [since=48h]: the support-ticket bundle of a destination or provider.
Reply cmd_evidence(const Request& r, Context& ctx) {
    if (!ctx.registry || r.args.empty())
        return Reply{false, {}, "usage: evidence NAME [since=48h]"};
    evidence::Request req{util::to_lower(r.args[0]), 48 * 3600, now_of(ctx)};
    for (std::size_t i = 1; i < r.args.size(); ++i) {
        const std::string& a = r.args[i];
        auto d = a.starts_with("since=") ? util::parse_duration(a.substr(6)) : std::nullopt;
        if (!d || d->count() < 1000 || d->count() > 90LL * 86400 * 1000)
            return Reply{false, {}, "evidence: since= takes a duration from 1s to 90d, e.g. 48h"};
        req.since_s = d->count() / 1000;
    }
    auto b = evidence::build_from(*ctx.registry, req);
    if (!b) return Reply{false, {}, "no data for domain or provider \"" + r.args[0] + "\""};
    if (ctx.auth) {
        // The pass rates of every sending domain seen, as the provider's support desk asks for.
        nlohmann::json rates = nlohmann::json::object();
        const nlohmann::json all = ctx.auth->to_json();
        for (auto it = all.begin(); it != all.end(); ++it) {
            const std::string& domain = it.key();
            const nlohmann::json& counts = *it;
            rates[domain] = {{"messages", counts["dmarc"]["messages"]},
                             {"spf_pass_rate", counts["spf"]["pass_rate"]},
                             {"dkim_pass_rate", counts["dkim"]["pass_rate"]},
                             {"dmarc_pass_rate", counts["dmarc"]["pass_rate"]}};
        }
        (*b)["outbound_auth"] = rates;
    }
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
    Command{"evidence", Access::read, "evidence NAME [since=48h]",
            "The support-ticket bundle of a destination or provider: window, recipients, codes, "
            "Message-IDs, summary.",
            2, cmd_evidence},
    Command{"trace", Access::read, "trace ID",
            "Every delivery attempt of a message (queue id, Message-ID or recipient) from "
            "Postfix's log, with what the milter saw of it.",
            1, cmd_trace},
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
