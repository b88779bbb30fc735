// mxpulsectl domain NAME: counters, status codes and samples of one destination domain.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "ctl/health_view.hpp"

namespace mxpulse::ctl {

void add_domain_command(CLI::App& app, Options& o, int& rc) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("domain", "Counters, status codes and samples of one destination");
    cmd->add_option("NAME", *name, "The domain")->required();
    cmd->callback([&o, &rc, name] {
        nlohmann::json result;
        rc = ask(o, "domain " + *name, result);
        if (rc != kExitOk) return;
        if (o.json) {
            std::cout << result.dump(2) << "\n";
            return;
        }
        std::cout << "domain " << *name << "\n\n";
        print_health(std::cout, result);
    });
}

}  // namespace mxpulse::ctl
