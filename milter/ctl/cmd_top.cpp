// mxpulsectl top: the destinations or providers that fare worst (or send most) in a window.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/output.hpp"

namespace mxpulse::ctl {

namespace {

// What the top subcommand was given on the command line.
struct TopArgs {
    std::size_t n = 10;
    std::string by = "failures";
    std::string window = "15m";
    std::string scope = "domain";
};

// Prints the ranked rows as a table.
void print_top(const nlohmann::json& r) {
    std::string scope = r.value("scope", "domain");
    std::cout << "window " << r.value("window", "") << ", by " << r.value("by", "") << "\n";
    std::vector<std::vector<std::string>> rows;
    if (scope == "domain")
        rows.push_back({"DOMAIN", "PROVIDER", "OUTBOUND", "FAILED", "DELAYED", "PATTERNS", "RATE",
                        "UNMATCHED"});
    else
        rows.push_back(
            {"PROVIDER", "OUTBOUND", "FAILED", "DELAYED", "PATTERNS", "RATE", "UNMATCHED"});
    for (const auto& row : r.value("rows", nlohmann::json::array())) {
        std::vector<std::string> line{row.value(scope, "")};
        if (scope == "domain") line.push_back(row.value("provider", ""));
        for (const char* k : {"outbound_rcpts", "failed", "delayed", "patterns"})
            line.push_back(std::to_string(row.value(k, std::uint64_t{0})));
        line.push_back(format_rate(row));
        line.push_back(std::to_string(row.value("unmatched_failed", std::uint64_t{0})));
        rows.push_back(std::move(line));
    }
    if (rows.size() == 1) {
        std::cout << "(nothing in this window)\n";
        return;
    }
    print_table(std::cout, rows);
    std::cout << "RATE: failed recipients of the mail sent in the window over the recipients sent "
                 "(n/a: none sent);\nUNMATCHED: failures whose original did not pass this "
                 "gateway, in no rate.\n";
}

}  // namespace

void add_top_command(CLI::App& app, Options& o, int& rc) {
    auto a = std::make_shared<TopArgs>();
    CLI::App* cmd =
        app.add_subcommand("top", "Destinations or providers that fare worst in a window");
    cmd->add_option("N", a->n, "How many rows (default 10)")->check(CLI::Range(1, 100000));
    cmd->add_option("--by", a->by, "Rank by failures, rate, pattern or outbound")
        ->check(CLI::IsMember({"failures", "rate", "pattern", "outbound"}));
    cmd->add_option("--window", a->window, "1m, 5m, 15m, 1h, 24h or total")
        ->check(CLI::IsMember({"1m", "5m", "15m", "1h", "24h", "total"}));
    cmd->add_option("--scope", a->scope, "domain or provider")
        ->check(CLI::IsMember({"domain", "provider"}));
    cmd->callback([&o, &rc, a] {
        std::string line = "top " + std::to_string(a->n) + " by=" + a->by + " window=" + a->window +
                           " scope=" + a->scope;
        nlohmann::json result;
        rc = ask(o, line, result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            print_top(result);
    });
}

}  // namespace mxpulse::ctl
