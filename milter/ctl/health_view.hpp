// mxpulsectl's readable view of one destination's or provider's counters (domain, provider).
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

namespace mxpulse::ctl {

// Prints windows, status codes, reasons, patterns and the latest samples of a health document.
void print_health(std::ostream& out, const nlohmann::json& r);

}  // namespace mxpulse::ctl
