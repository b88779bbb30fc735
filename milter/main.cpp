// mxpulse: the milter daemon. Parses the command line, loads the configuration and runs libmilter.
#include <libmilter/mfapi.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app.hpp"
#include "config/render.hpp"
#include "control_server.hpp"
#include "daemon.hpp"
#include "evidence_setup.hpp"
#include "filter.hpp"
#include "heap.hpp"
#include "listen_socket.hpp"
#include "log/logger.hpp"
#include "metrics_server.hpp"
#include "signals.hpp"
#include "version.hpp"

using namespace mxpulse;

namespace {

// Logs a start-up failure and returns the exit status for it.
int fail(const std::string& what, const std::string& error) {
    log::emit(log::events::daemon_error, {log::Field("what", what), log::Field("error", error)});
    std::fprintf(stderr, "mxpulse: %s: %s\n", what.c_str(), error.c_str());
    return 1;
}

// Runs the daemon with a loaded configuration; returns the exit status.
int run(milter::App& app, bool foreground) {
    auto cfg = app.config.get();
    milter::Identity id;
    std::string error;
    if (!milter::resolve_identity(*cfg, id, error)) return fail("identity", error);
    if (!milter::lock_pid_file(cfg->pid_file, id, error)) return fail("pid_file", error);
    if (!foreground && !milter::daemonize(cfg->log_sink == "stderr", error))
        return fail("daemonize", error);
    milter::block_signals();
    // After the fork: the resolver and the MX lookups run threads of their own.
    if (std::string e = app.start(*cfg); !e.empty()) return fail("dns_auth", e);
    if (!milter::write_pid_file(cfg->pid_file, id, error)) return fail("pid_file", error);
    if (!milter::register_filter(app)) return fail("milter", "smfi_register failed");
    if (!cfg->state_file.empty() && !milter::ensure_parent_dir(cfg->state_file, id, error)) {
        return fail("state_file", error);
    }
    // The state is restored before the milter socket exists: an MTA that connected while a large
    // state loads would wait for replies and tempfail its mail.
    app.restore_state();
    milter::return_free_heap();
    milter::open_evidence(app, *cfg, id);
    if (!milter::open_milter_socket(*cfg, id, error)) return fail("milter_socket", error);
    milter::ControlServer control(app, kVersion);
    if (!control.open(*cfg, id, error)) return fail("control_socket", error);
    milter::MetricsServer metrics(app);
    if (!metrics.open(*cfg, error)) return fail("metrics", error);
    if (!milter::drop_privileges(id, error)) return fail("privileges", error);
    if (!control.start(error)) return fail("control_socket", error);
    if (!metrics.start(error)) return fail("metrics", error);
    app.start_postfix_log();    // as daemon.user, who must be able to read it after rotation too
    app.start_postfix_queue();  // postqueue -j runs as daemon.user too
    milter::SignalThread signals(app);

    log::emit(log::events::daemon_started,
              {log::Field("version", kVersion), log::Field("config", cfg->source),
               log::Field("milter_socket", cfg->milter_socket),
               log::Field("control_socket", cfg->control_socket),
               log::Field("pid", static_cast<std::int64_t>(getpid()))});
    // Returns after SIGTERM/SIGINT once the sessions in flight are done (see signals.cpp).
    int status = smfi_main() == MI_SUCCESS ? 0 : 1;
    metrics.stop();
    control.stop();
    app.mx.reset();
    if (app.postfix_log) app.postfix_log->stop();
    if (app.postfix_queue) app.postfix_queue->stop();
    app.save_state();
    if (!cfg->pid_file.empty()) unlink(cfg->pid_file.c_str());
    log::flush_suppressed(true);
    auto messages = app.counters.to_json()["messages"]["total"].get<std::int64_t>();
    log::emit(log::events::daemon_stopped,
              {log::Field("uptime_s", static_cast<std::int64_t>(std::time(nullptr) -
                                                                app.counters.started_at())),
               log::Field("messages", messages),
               log::Field("abandoned_sessions", app.abandoned_sessions.load())});
    log::flush();
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    milter::limit_heap_arenas();
    CLI::App cli{"mxpulse: a milter that watches outbound authentication and returning bounces"};
    std::string config_path = kDefaultConfigFile;
    bool foreground = false, test = false, version = false;
    cli.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
    cli.add_flag("-f,--foreground", foreground, "Stay in the foreground");
    cli.add_flag("-t,--test", test, "Check the configuration, print the effective one, and exit");
    cli.add_flag("-V,--version", version, "Print the version and exit");
    CLI11_PARSE(cli, argc, argv);
    if (version) {
        std::printf("mxpulse %s\n", kVersion);
        return 0;
    }
    bool given = cli.count("--config") > 0;

    config::LoadResult loaded = milter::initial_config(config_path, given);
    if (!loaded.config) {
        for (const std::string& e : loaded.errors)
            std::fprintf(stderr, "%s\n", e.c_str());
        std::fprintf(stderr, "mxpulse: configuration has %zu error(s)\n", loaded.errors.size());
        return 1;
    }
    if (test) {
        std::cout << config::render_effective(*loaded.config);
        std::fprintf(stderr, "mxpulse: configuration OK: %s\n", loaded.config->source.c_str());
        return 0;
    }
    milter::App app;
    app.config_path = config_path;
    app.config_path_given = given;
    app.prepare(loaded.config);
    if (std::string error = milter::apply_log_settings(*loaded.config); !error.empty()) {
        std::fprintf(stderr, "mxpulse: %s\n", error.c_str());
        return 73;  // EX_CANTCREAT
    }
    log::emit(log::events::config_loaded,
              {log::Field("config", loaded.config->source), log::Field("reason", "start"),
               log::Field("restart_needed", "none")});
    return run(app, foreground);
}
