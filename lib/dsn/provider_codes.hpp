// Providers' own error codes inside a reply ("OFR005_505", "AUP#In-1310") and their reasons.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dsn/rules.hpp"

namespace mxpulse::dsn {

// One provider code found in a reply: its scheme ("orange", "aup") and the code proper,
// lower-cased ("505", "1310", "cdrbl").
struct ProviderCode {
    std::string scheme;
    std::string code;
};

// Returns the provider codes found in text, in order of appearance (at most a few).
std::vector<ProviderCode> find_provider_codes(std::string_view text);

// Returns the reason the code rules give for the first provider code in text that they
// decide, or "". A rule key is "scheme:code" or "scheme:low-high" (a numeric range).
std::string provider_reason(std::string_view text, const std::vector<Rule>& rules);

// As provider_reason, returning the deciding rule (nullptr: none).
const Rule* provider_rule(std::string_view text, const std::vector<Rule>& rules);

}  // namespace mxpulse::dsn
