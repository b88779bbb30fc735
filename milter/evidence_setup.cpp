// The daemon's evidence store: opened from [evidence] at start, its bounds counted and logged.
#include "evidence_setup.hpp"

#include <sys/stat.h>

#include <ctime>

#include "log/logger.hpp"

namespace mxpulse::milter {

namespace {

// Returns the store's bounds from the configuration.
evidence::StoreOptions store_options(const config::Config& c) {
    evidence::StoreOptions o;
    o.directory = c.evidence_directory;
    o.max_count = static_cast<std::size_t>(c.evidence_max_count);
    o.max_bytes = static_cast<std::uint64_t>(c.evidence_max_bytes);
    o.max_ndr_bytes = static_cast<std::uint64_t>(c.evidence_max_ndr_bytes);
    o.retention_s = c.evidence_retention.count() / 1000;
    o.queue_max = static_cast<std::size_t>(c.evidence_queue_max);
    return o;
}

}  // namespace

void open_evidence(App& app, const config::Config& c, const Identity& id) {
    if (c.evidence_directory.empty()) return;
    std::string error;
    const std::string& dir = c.evidence_directory;
    if (!ensure_parent_dir(dir + "/x", id, error) ||
        !ensure_parent_dir(dir + "/damaged/x", id, error)) {
        log::emit(log::events::daemon_error,
                  {log::Field("what", "evidence"), log::Field("error", error)});
        return;
    }
    ::chmod(dir.c_str(), 0750);  // NDRs carry mail: not for every local user
    stats::Counters& counters = app.counters;
    auto on_limit = [&counters](stats::Limit l, const std::string& queue_id) {
        counters.count_limit(l);
        log::emit_message(log::events::limit_hit, queue_id,
                          {log::Field("limit", stats::limit_name(l)), log::Field("value", 1)});
    };
    auto on_error = [](std::string_view what, const std::string& file, const std::string& e) {
        log::emit(log::events::daemon_error,
                  {log::Field("what", std::string(what)), log::Field("error", file + ": " + e)});
    };
    auto store = std::make_unique<evidence::Store>(store_options(c), on_limit, on_error);
    if (std::string e = store->open(std::time(nullptr)); !e.empty()) {
        log::emit(log::events::daemon_error,
                  {log::Field("what", "evidence"), log::Field("error", e)});
        return;
    }
    store->start();
    app.evidence = std::move(store);
}

}  // namespace mxpulse::milter
