// The control commands as a table: name, access level, usage and handler.
#include "control/commands.hpp"

#include <array>
#include <ctime>

namespace mxpulse::control {

namespace {

// Returns an error reply for wrong arguments.
Reply usage_error(const Command& c) {
    return Reply{false, {}, "usage: " + std::string(c.usage)};
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

Reply cmd_help(const Request&, Context&);

const std::array kCommands{
    Command{"ping", Access::read, "ping", "Answer with pong.", cmd_ping},
    Command{"version", Access::read, "version", "Print the daemon's version.", cmd_version},
    Command{"status", Access::read, "status",
            "Uptime, configuration, messages by direction, limits hit.", cmd_status},
    Command{"reload", Access::admin, "reload", "Reload the configuration file.", cmd_reload},
    Command{"help", Access::read, "help", "List the commands.", cmd_help},
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

// Returns the most arguments each command accepts (all take none so far).
bool arity_ok(const Command&, const Request& r) {
    return r.args.empty();
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
