// The daemon's configuration as the offline commands (check-domain, verify) read it.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "ctl/client.hpp"

namespace mxpulse::ctl {

// Returns the configuration file of -c (or the default file, or built-in defaults when that is
// absent); prints its errors and returns nullptr when it is refused.
std::shared_ptr<const config::Config> offline_config(const Options& o);

}  // namespace mxpulse::ctl
