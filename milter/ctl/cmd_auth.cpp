// mxpulsectl auth [DOMAIN]: outbound SPF/DKIM/DMARC results per sender domain and window.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/output.hpp"

namespace mxpulse::ctl {

namespace {

// Returns a pass rate, or "not evaluated" where no outbound mail was seen (never 0 %).
std::string pass_rate(const nlohmann::json& method) {
    auto it = method.find("pass_rate");
    if (it == method.end() || !it->is_number()) return "not evaluated";
    return format_percent(it->get<double>());
}

// Prints the table: one row per sender domain and window.
void print_auth(const nlohmann::json& r) {
    std::vector<std::vector<std::string>> rows{
        {"SENDER DOMAIN", "WINDOW", "MESSAGES", "SPF PASS", "DKIM PASS", "DMARC PASS"}};
    for (const auto& d : r.value("domains", nlohmann::json::array())) {
        std::string name = d.value("sender_domain", "");
        if (!d.value("evaluated", false)) {
            rows.push_back({name, "-", "0", "not evaluated", "not evaluated", "not evaluated"});
            continue;
        }
        const nlohmann::json windows = d.value("windows", nlohmann::json::object());
        for (const char* w : {"1h", "24h", "total"}) {
            const nlohmann::json x = windows.value(w, nlohmann::json::object());
            rows.push_back({name, w, std::to_string(x.value("messages", std::uint64_t{0})),
                            pass_rate(x.value("spf", nlohmann::json::object())),
                            pass_rate(x.value("dkim", nlohmann::json::object())),
                            pass_rate(x.value("dmarc", nlohmann::json::object()))});
        }
    }
    if (rows.size() == 1) {
        std::cout << "no outbound mail seen: SPF, DKIM and DMARC not evaluated\n";
        return;
    }
    print_table(std::cout, rows);
}

}  // namespace

void add_auth_command(CLI::App& app, Options& o, int& rc) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "auth", "Outbound SPF, DKIM and DMARC results per sender domain and window");
    cmd->add_option("DOMAIN", *name, "One sender domain (default: all)");
    cmd->callback([&o, &rc, name] {
        nlohmann::json result;
        rc = ask(o, name->empty() ? std::string("auth") : "auth " + *name, result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            print_auth(result);
    });
}

}  // namespace mxpulse::ctl
