// mxpulsectl: the command-line client of the mxpulse control socket, and offline tools.
#include <CLI/CLI.hpp>

#include "ctl/client.hpp"
#include "ctl/commands.hpp"
#include "version.hpp"

int main(int argc, char** argv) {
    using namespace mxpulse::ctl;
    CLI::App app{"mxpulsectl: query and control a running mxpulse"};
    app.require_subcommand(1);
    app.fallthrough();  // subcommands inherit it: global options may follow the subcommand
    Options options;
    int exit_code = kExitOk;
    app.add_option("-s,--socket", options.socket,
                   "Control socket (default: control.socket of the config)");
    app.add_option("-c,--config", options.config, "Configuration file to read control.socket from")
        ->default_str(mxpulse::kDefaultConfigFile);
    app.add_flag("--json", options.json, "Print JSON instead of tables");
    app.set_version_flag("-V,--version", std::string("mxpulsectl ") + mxpulse::kVersion);
    add_basic_commands(app, options, exit_code);
    add_top_command(app, options, exit_code);
    add_domain_command(app, options, exit_code);
    add_provider_command(app, options, exit_code);
    add_evidence_command(app, options, exit_code);
    add_reset_command(app, options, exit_code);
    add_snapshot_command(app, options, exit_code);
    add_analyze_command(app, options, exit_code);
    add_check_domain_command(app, options, exit_code);
    add_verify_command(app, options, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return exit_code;
}
