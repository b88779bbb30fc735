// mxpulsectl snapshot: write the state file now (admin).
#include <iostream>

#include "ctl/commands.hpp"

namespace mxpulse::ctl {

void add_snapshot_command(CLI::App& app, Options& o, int& rc) {
    app.add_subcommand("snapshot", "Write the state file now")->callback([&o, &rc] {
        nlohmann::json result;
        rc = ask(o, "snapshot", result);
        if (rc != kExitOk) return;
        if (o.json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << "state file written\n";
    });
}

}  // namespace mxpulse::ctl
