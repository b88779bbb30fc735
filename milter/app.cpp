// The daemon's shared state and the reload procedure: build, validate, then swap whole.
#include "app.hpp"

#include <sys/stat.h>

#include "config/loader.hpp"
#include "log/logger.hpp"

namespace mxpulse::milter {

namespace {
// Lists the options whose new value only takes effect after a restart.
std::string restart_only_changes(const config::Config& a, const config::Config& b) {
    std::string out;
    auto note = [&](bool changed, const char* name) {
        if (changed) out += (out.empty() ? "" : ",") + std::string(name);
    };
    note(a.milter_socket != b.milter_socket, "milter.socket");
    note(a.milter_socket_mode != b.milter_socket_mode, "milter.socket_mode");
    note(a.milter_backlog != b.milter_backlog, "milter.backlog");
    note(a.milter_timeout != b.milter_timeout, "milter.timeout");
    note(a.control_socket != b.control_socket, "control.socket");
    note(a.control_socket_mode != b.control_socket_mode, "control.socket_mode");
    note(a.control_socket_group != b.control_socket_group, "control.socket_group");
    note(a.user != b.user || a.group != b.group, "daemon.user/group");
    note(a.pid_file != b.pid_file, "daemon.pid_file");
    return out;
}
}  // namespace

config::LoadResult initial_config(const std::string& path, bool path_given) {
    struct stat st {};
    if (!path_given && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        return config::LoadResult{config::defaults(), {}};
    }
    return config::load_file(path);
}

void apply_log_settings(const config::Config& c) {
    log::configure(log::Settings{c.log_sink, c.log_format, c.log_level, c.syslog_facility});
}

std::string App::reload(std::string_view reason) {
    std::lock_guard lock(reload_mutex);
    config::LoadResult r = initial_config(config_path, config_path_given);
    if (!r.config) {
        std::string joined;
        for (const std::string& e : r.errors) {
            log::emit(log::events::config_rejected,
                      {log::Field("config", config_path), log::Field("error", e)});
            joined += (joined.empty() ? "" : "; ") + e;
        }
        return joined;
    }
    auto old = config.get();
    std::string restart = old ? restart_only_changes(*old, *r.config) : "";
    config.set(r.config);
    apply_log_settings(*r.config);
    log::emit(log::events::config_loaded,
              {log::Field("config", r.config->source), log::Field("reason", reason),
               log::Field("restart_needed", restart.empty() ? "none" : restart)});
    return {};
}

}  // namespace mxpulse::milter
