// mxpulsectl reset [NAME]: forget the counters of a destination, a provider, or all (admin).
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"

namespace mxpulse::ctl {

void add_reset_command(CLI::App& app, Options& o, int& rc) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("reset", "Forget the counters of a destination, a provider, or all");
    cmd->add_option("NAME", *name, "Destination or provider; omitted: everything");
    auto yes = std::make_shared<bool>(false);
    cmd->add_flag("--yes", *yes, "Confirm that every counter and alert is to be forgotten");
    cmd->callback([&o, &rc, name, yes] {
        if (name->empty() && !*yes) {
            std::cerr << "mxpulsectl: reset without NAME forgets every destination, provider and "
                         "alert; add --yes to confirm\n";
            rc = kExitUsage;
            return;
        }
        nlohmann::json result;
        rc = ask(o, name->empty() ? "reset" : "reset " + *name, result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << "reset " << result.value("reset", "") << ": "
                      << result.value("destinations_removed", 0) << " destination(s) removed\n";
    });
}

}  // namespace mxpulse::ctl
