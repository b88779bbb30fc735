// Saving the registry to the state file atomically, and restoring it at start.
#pragma once

#include <cstdint>
#include <string>

#include "stats/registry.hpp"

namespace mxpulse::stats {

// Writes the registry to path through a temporary file, fsync and rename; returns "" or the error.
std::string save_state(const std::string& path, const Registry& registry, std::int64_t now);

// What happened when the state file was read at start.
struct LoadOutcome {
    enum class What { loaded, missing, set_aside } what = What::missing;
    std::string detail;  // for set_aside: why, and where the file went
    std::size_t destinations = 0;
};

// Restores the registry from path. A missing file starts fresh; a corrupt or incompatible one is
// renamed to PATH.bad-UNIXTIME and the registry starts fresh. Never fails the start.
LoadOutcome load_state(const std::string& path, Registry& registry, std::int64_t now);

}  // namespace mxpulse::stats
