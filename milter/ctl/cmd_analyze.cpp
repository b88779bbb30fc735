// mxpulsectl analyze: offline bounce analysis of files or stdin; needs no running daemon.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "dsn/analyze.hpp"

namespace mxpulse::ctl {

void add_analyze_command(CLI::App& app, Options& o, int& rc) {
    auto files = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand(
        "analyze", "Parse and classify bounce messages (FILE... or - for stdin)");
    cmd->add_option("files", *files, "Message files; - reads standard input")->required();
    cmd->callback(
        [&o, &rc, files] { rc = dsn::run_analyze(*files, o.json, std::cout, std::cerr); });
}

}  // namespace mxpulse::ctl
