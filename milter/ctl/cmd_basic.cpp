// mxpulsectl ping, version, status, reload and call: the commands every daemon answers.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/output.hpp"

namespace mxpulse::ctl {

namespace {

// Prints the status result as a readable summary.
void print_status(const nlohmann::json& r) {
    std::vector<std::vector<std::string>> rows{
        {"version", r.value("version", "")},
        {"pid", std::to_string(r.value("pid", 0))},
        {"uptime", format_uptime(r.value("uptime_s", 0))},
        {"started", r.value("started_at", "")},
        {"config", r["config"].value("file", "")},
        {"config loaded", r["config"].value("loaded_at", "")},
        {"sessions", std::to_string(r["sessions"].value("active", 0)) + " active, " +
                         std::to_string(r["sessions"].value("total", 0)) + " total"},
        {"failures", std::to_string(r.value("failures", 0))},
    };
    print_table(std::cout, rows);
    std::cout << "\n";
    std::vector<std::vector<std::string>> msgs{{"MESSAGES", "COUNT"}};
    for (auto& [k, v] : r["messages"].items())
        msgs.push_back({k, v.dump()});
    print_table(std::cout, msgs);
    std::cout << "\n";
    std::vector<std::vector<std::string>> limits{{"LIMIT", "HITS"}};
    for (auto& [k, v] : r["limits_hit"].items())
        limits.push_back({k, v.dump()});
    print_table(std::cout, limits);
}

// Prints the active alerts and the recent transitions as tables.
void print_alerts(const nlohmann::json& r) {
    std::vector<std::vector<std::string>> active{
        {"RULE", "KEY", "SEVERITY", "VALUE", "EVENTS", "SINCE"}};
    for (const auto& a : r["active"]) {
        active.push_back({a.value("rule", ""), a.value("key", ""), a.value("severity", ""),
                          std::to_string(a.value("value", 0.0)),
                          std::to_string(a.value("events", 0)), a.value("since", "")});
    }
    std::cout << "Active alerts: " << r["active"].size() << "\n";
    if (active.size() > 1) print_table(std::cout, active);
    std::vector<std::vector<std::string>> recent{
        {"AT", "STATE", "RULE", "KEY", "VALUE", "THRESHOLD"}};
    for (const auto& t : r["recent"]) {
        recent.push_back({t.value("at", ""), t.value("state", ""), t.value("rule", ""),
                          t.value("key", ""), std::to_string(t.value("value", 0.0)),
                          std::to_string(t.value("threshold", 0.0))});
    }
    std::cout << "\nRecent: " << r["recent"].size() << "\n";
    if (recent.size() > 1) print_table(std::cout, recent);
}

// Registers a subcommand that sends a fixed request and prints the result.
void add_simple(CLI::App& app, Options& o, int& rc, const std::string& name,
                const std::string& help, void (*print)(const nlohmann::json&)) {
    app.add_subcommand(name, help)->callback([&o, &rc, name, print] {
        nlohmann::json result;
        rc = ask(o, name, result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            print(result);
    });
}

}  // namespace

void add_basic_commands(CLI::App& app, Options& o, int& rc) {
    add_simple(app, o, rc, "ping", "Check that the daemon answers",
               [](const nlohmann::json&) { std::cout << "pong\n"; });
    add_simple(app, o, rc, "version", "Print the daemon's version", [](const nlohmann::json& r) {
        std::cout << "mxpulse " << r.value("version", "") << "\n";
    });
    add_simple(app, o, rc, "status", "Uptime, configuration, messages by direction, limits hit",
               print_status);
    add_simple(
        app, o, rc, "reload", "Reload the configuration (a bad one is refused, the old one kept)",
        [](const nlohmann::json& r) { std::cout << "reloaded " << r.value("file", "") << "\n"; });
    add_simple(app, o, rc, "alerts", "The alerts firing now and the recent raises and clears",
               print_alerts);
    auto words = std::make_shared<std::vector<std::string>>();
    CLI::App* call =
        app.add_subcommand("call", "Send a raw protocol line and print the JSON reply");
    call->add_option("words", *words, "The request, e.g. status")->required();
    call->callback([&o, &rc, words] {
        std::string line;
        for (const std::string& w : *words)
            line += (line.empty() ? "" : " ") + w;
        nlohmann::json result;
        rc = ask(o, line, result);
        if (rc == kExitOk) std::cout << result.dump(2) << "\n";
    });
}

}  // namespace mxpulse::ctl
