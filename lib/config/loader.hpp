// Loading and validating a configuration file against the option table.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace mxpulse::config {

// A loaded configuration, or the list of "FILE:LINE: what is wrong" errors that prevented it.
struct LoadResult {
    std::shared_ptr<const Config> config;  // null when errors is not empty
    std::vector<std::string> errors;
};

// Returns the configuration built from the option defaults alone.
std::shared_ptr<const Config> defaults();

// Builds the defaults from the option table, reporting any default that fails its own checks.
LoadResult load_defaults();

// Loads and validates a TOML file; every problem is reported, none silently ignored.
LoadResult load_file(const std::string& path);

// Loads and validates TOML text; source_name stands for the file in error messages.
LoadResult load_string(std::string_view text, const std::string& source_name);

}  // namespace mxpulse::config
