// Printing the configuration: the effective values, the annotated conf file and the man page.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/options.hpp"

namespace mxpulse::config {

// Returns the option's current value in c as a TOML literal.
std::string format_value(const Option& o, const Config& c);

// Returns every option with its value in c as a TOML document (what `mxpulse -t` prints).
std::string render_effective(const Config& c);

// Returns the annotated default configuration file shipped as conf/mxpulse.conf.
std::string render_annotated();

// Returns the mxpulse.conf(5) manual page in roff.
std::string render_man(const std::string& version);

}  // namespace mxpulse::config
