// mxpulsectl queue: Postfix's deferred queue per destination domain or provider, qshape-style.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/output.hpp"

namespace mxpulse::ctl {

namespace {

// Returns a row's age columns as cells.
std::vector<std::string> age_cells(const nlohmann::json& row) {
    std::vector<std::string> out;
    for (const auto& n : row.value("ages", nlohmann::json::array()))
        out.push_back(std::to_string(n.get<std::uint64_t>()));
    return out;
}

// Returns the top delay reason of a row as "reason (n)", or "".
std::string top_reason(const nlohmann::json& row) {
    const auto& r = row.value("reasons", nlohmann::json::array());
    if (r.empty()) return {};
    return r[0].value("reason", "") + " (" + std::to_string(r[0].value("recipients", 0)) + ")";
}

// Prints the scan as a qshape-like table: deferred messages by age, then oldest age and reason.
void print_queue(const nlohmann::json& r) {
    std::string by = r.value("by", "domain");
    std::cout << "scanned " << r.value("scanned_at", "") << ", " << r.value("messages", 0)
              << " messages, " << r.value("deferred", 0) << " deferred";
    if (!r.value("error", "").empty()) std::cout << "; last scan failed: " << r.value("error", "");
    if (r["scan"].value("truncated", false)) std::cout << " (scan cut at its bound)";
    std::cout << "\ndeferred messages by age in minutes (up to 5, 10, ... 1280, older)\n";
    std::vector<std::string> head{by == "domain" ? "DOMAIN" : "PROVIDER", "DEFERRED"};
    std::string last;
    for (const auto& b : r.value("age_buckets_min", nlohmann::json::array()))
        head.push_back(last = std::to_string(b.get<int>()));
    head.push_back(last + "+");
    for (const char* h : {"OLDEST", "ACTIVE", "HOLD", "REASON"})
        head.push_back(h);
    std::vector<std::vector<std::string>> rows{head};
    for (const auto& row : r.value("rows", nlohmann::json::array())) {
        std::vector<std::string> line{row.value(by, ""), std::to_string(row.value("deferred", 0))};
        for (std::string& c : age_cells(row))
            line.push_back(std::move(c));
        line.push_back(format_uptime(row.value("oldest_age_s", std::int64_t{0})));
        line.push_back(std::to_string(row.value("active", 0)));
        line.push_back(std::to_string(row.value("hold", 0)));
        line.push_back(top_reason(row));
        rows.push_back(std::move(line));
    }
    if (rows.size() == 1) {
        std::cout << "(the queue is empty)\n";
        return;
    }
    print_table(std::cout, rows);
}

}  // namespace

void add_queue_command(CLI::App& app, Options& o, int& rc) {
    auto by = std::make_shared<std::string>("domain");
    CLI::App* cmd = app.add_subcommand(
        "queue", "Postfix's deferred queue per destination domain or provider (postqueue -j)");
    cmd->add_option("--by", *by, "domain or provider")
        ->check(CLI::IsMember({"domain", "provider"}));
    cmd->callback([&o, &rc, by] {
        nlohmann::json result;
        rc = ask(o, "queue by=" + *by, result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            print_queue(result);
    });
}

}  // namespace mxpulse::ctl
