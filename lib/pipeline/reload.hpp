// Putting a new configuration in force: build everything it implies, open its log output, swap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pipeline/runtime.hpp"

namespace mxpulse::pipeline {

// What a reload did.
struct ReloadResult {
    std::string error;           // "" when the new Runtime is in force
    std::string restart_needed;  // restart-only options that changed, comma-separated
};

// Opens a log output; returns "" or the error (log::configure in the daemon).
using LogOpener = std::function<std::string(const log::Settings&)>;

// Builds the Runtime of CONFIG, opens its log output (the last step that can fail), and only then
// puts it in force; on any failure the Runtime in force stays, whole.
ReloadResult reload_runtime(RuntimeHolder& holder, std::shared_ptr<const config::Config> config,
                            const RuntimeDeps& deps, std::int64_t now, const LogOpener& open_log);

}  // namespace mxpulse::pipeline
