// mxpulsectl provider NAME: counters, status codes and samples of one provider, with its domains.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/health_view.hpp"

namespace mxpulse::ctl {

void add_provider_command(CLI::App& app, Options& o, int& rc) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("provider", "Counters of one provider, with its destinations");
    cmd->add_option("NAME", *name, "The provider")->required();
    cmd->callback([&o, &rc, name] {
        nlohmann::json result;
        rc = ask(o, "provider " + *name, result);
        if (rc != kExitOk) return;
        if (o.json) {
            std::cout << result.dump(2) << "\n";
            return;
        }
        std::cout << "provider " << *name << "\n\n";
        print_health(std::cout, result);
    });
}

}  // namespace mxpulse::ctl
