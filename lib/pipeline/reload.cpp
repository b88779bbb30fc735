// Putting a new configuration in force: every fallible step before the one pointer swap.
#include "pipeline/reload.hpp"

namespace mxpulse::pipeline {

ReloadResult reload_runtime(RuntimeHolder& holder, std::shared_ptr<const config::Config> config,
                            const RuntimeDeps& deps, std::int64_t now, const LogOpener& open_log) {
    std::shared_ptr<const Runtime> old = holder.get();
    ReloadResult result;
    if (old) result.restart_needed = restart_only_changes(*old->config, *config);
    BuildResult built = build_runtime(std::move(config), deps, old.get());
    if (!built.runtime) {
        result.error = built.error;
        return result;
    }
    if (open_log) {
        if (std::string e = open_log(built.runtime->log); !e.empty()) {
            result.error = e;
            return result;
        }
    }
    holder.set(std::move(built.runtime), now);
    return result;
}

}  // namespace mxpulse::pipeline
