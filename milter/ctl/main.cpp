// mxpulsectl: the command-line client of the mxpulse control socket, and offline tools.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "ctl/client.hpp"
#include "ctl/commands.hpp"
#include "version.hpp"

namespace {
using namespace mxpulse::ctl;

// Returns the edit distance between a and b (insertions, deletions, substitutions, transpositions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// Returns the subcommand of app closest to word, or "" when none is close (at most 2 edits, or a
// prefix of one).
std::string closest_command(CLI::App& app, const std::string& word) {
    std::string best;
    std::size_t best_distance = 3;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        const std::string& name = sub->get_name();
        std::size_t d = name.starts_with(word) && word.size() >= 2 ? 1 : edit_distance(word, name);
        if (d < best_distance) {
            best_distance = d;
            best = name;
        }
    }
    return best;
}

// Returns the first argument that is neither an option nor a known subcommand, or "".
std::string unknown_command(CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.starts_with("-")) {
            if (a == "-s" || a == "--socket" || a == "-c" || a == "--config") ++i;  // their value
            continue;
        }
        bool known = false;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
            known |= sub->get_name() == a;
        return known ? "" : a;
    }
    return "";
}

// Adds "help [COMMAND]": the commands, or the options of one, with a suggestion for a typo.
void add_help_command(CLI::App& app, int& exit_code) {
    auto topic = std::make_shared<std::string>();
    CLI::App* help =
        app.add_subcommand("help", "Show the commands, or the options of one: help COMMAND");
    help->add_option("COMMAND", *topic, "A command");
    help->callback([&app, &exit_code, topic] {
        if (topic->empty()) {  // app.help() would describe the selected subcommand, help itself
            std::cout << app.get_formatter()->make_help(&app, "mxpulsectl",
                                                        CLI::AppFormatMode::Normal);
            return;
        }
        try {
            std::cout << app.get_subcommand(*topic)->help();
        } catch (const CLI::OptionNotFound&) {
            std::cerr << "mxpulsectl: unknown command \"" << *topic << "\"";
            std::string near = closest_command(app, *topic);
            if (!near.empty()) std::cerr << "; did you mean \"" << near << "\"?";
            std::cerr << "\n";
            exit_code = kExitUsage;
        }
    });
}

// Says what was wrong with the command line, suggesting the closest command; returns EX_USAGE.
int report_parse_error(CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
    std::string word = unknown_command(app, argc, argv);
    if (!word.empty()) {
        std::cerr << "mxpulsectl: unknown command \"" << word << "\"";
        std::string near = closest_command(app, word);
        if (!near.empty()) std::cerr << "; did you mean \"" << near << "\"?";
        std::cerr << "\n";
    } else {
        std::cerr << "mxpulsectl: " << e.what() << "\n";
    }
    std::cerr << "try \"mxpulsectl help\"\n";
    return kExitUsage;  // sysexits EX_USAGE, whatever CLI11's own code for the error
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mxpulse::ctl;
    CLI::App app{"mxpulsectl: query and control a running mxpulse"};
    app.require_subcommand(1);
    app.fallthrough();  // subcommands inherit it: global options may follow the subcommand
    Options options;
    int exit_code = kExitOk;
    app.add_option("-s,--socket", options.socket,
                   "Control socket (default: control.socket of the config, else "
                   "/run/mxpulse/control.sock); with -s the config file is not read");
    app.add_option("-c,--config", options.config,
                   "Configuration file to read control.socket from (only that key is read)")
        ->default_str(mxpulse::kDefaultConfigFile);
    app.add_flag("--json", options.json, "Print JSON instead of tables");
    app.set_version_flag("-V,--version", std::string("mxpulsectl ") + mxpulse::kVersion);
    add_basic_commands(app, options, exit_code);
    add_top_command(app, options, exit_code);
    add_domain_command(app, options, exit_code);
    add_provider_command(app, options, exit_code);
    add_auth_command(app, options, exit_code);
    add_evidence_command(app, options, exit_code);
    add_trace_command(app, options, exit_code);
    add_queue_command(app, options, exit_code);
    add_reset_command(app, options, exit_code);
    add_snapshot_command(app, options, exit_code);
    add_analyze_command(app, options, exit_code);
    add_check_domain_command(app, options, exit_code);
    add_verify_command(app, options, exit_code);

    add_help_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report_parse_error(app, argc, argv, e);
    }
    return exit_code;
}
