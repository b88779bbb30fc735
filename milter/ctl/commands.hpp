// mxpulsectl subcommands: each file registers its own with the command line parser.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/client.hpp"

namespace mxpulse::ctl {

// Registers ping, version, status, reload and call; the chosen one sets exit_code.
void add_basic_commands(CLI::App& app, Options& options, int& exit_code);

// Registers check-domain (offline DNS record audit).
void add_check_domain_command(CLI::App& app, Options& options, int& exit_code);

// Registers verify (offline SPF/DKIM/DMARC verification of messages).
void add_verify_command(CLI::App& app, Options& options, int& exit_code);

// Registers analyze (offline bounce analysis).
void add_analyze_command(CLI::App& app, Options& options, int& exit_code);

// Registers top [N] [--by] [--window] [--scope].
void add_top_command(CLI::App& app, Options& options, int& exit_code);

// Registers domain NAME.
void add_domain_command(CLI::App& app, Options& options, int& exit_code);

// Registers provider NAME.
void add_provider_command(CLI::App& app, Options& options, int& exit_code);

// Registers evidence NAME [--since] [--format].
void add_evidence_command(CLI::App& app, Options& options, int& exit_code);

// Registers trace ID [--format].
void add_trace_command(CLI::App& app, Options& options, int& exit_code);

// Registers auth [DOMAIN].
void add_auth_command(CLI::App& app, Options& options, int& exit_code);

// Registers queue [--by domain|provider].
void add_queue_command(CLI::App& app, Options& options, int& exit_code);

// Registers reset [NAME].
void add_reset_command(CLI::App& app, Options& options, int& exit_code);

// Registers snapshot.
void add_snapshot_command(CLI::App& app, Options& options, int& exit_code);

}  // namespace mxpulse::ctl
