// mxpulsectl subcommands: each file registers its own with the command line parser.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/client.hpp"

namespace mxpulse::ctl {

// Registers ping, version, status, reload and call; the chosen one sets exit_code.
void add_basic_commands(CLI::App& app, Options& options, int& exit_code);

// Registers check-domain (offline DNS record audit).
void add_check_domain_command(CLI::App& app, Options& options, int& exit_code);

// Registers analyze (offline bounce analysis).
void add_analyze_command(CLI::App& app, Options& options, int& exit_code);

}  // namespace mxpulse::ctl
