// Alert state in a file beside the state file, so that a restart neither raises a firing alert
// again nor clears it falsely.
#pragma once

#include <cstdint>
#include <string>

#include "alerts/engine.hpp"

namespace mxpulse::alerts {

// What reading the alert file did.
struct AlertLoad {
    enum class What { loaded, missing, set_aside, unusable } what = What::missing;
    int alerts = 0;      // restored
    std::string detail;  // why a file was set aside
};

// Returns the alert file that goes with a state file ("" when state is not saved).
std::string alert_file_for(const std::string& state_file);

// Writes the engine's snapshot atomically (temporary file, then rename); returns "" or the error.
std::string save_alerts(const std::string& path, const Engine& engine);

// Reads the alert file into the engine; a damaged file is renamed aside with ".bad". Never throws.
AlertLoad load_alerts(const std::string& path, Engine& engine) noexcept;

}  // namespace mxpulse::alerts
