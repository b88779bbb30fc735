// Wording that means something particular at one provider ("550 <x>: User unknown" at au).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dsn/rules.hpp"

namespace mxpulse::dsn {

// Where a failure happened: the recipient, the remote MTA and the diagnostic.
struct HostContext {
    std::string_view recipient;
    std::string_view remote_mta;
    std::string_view diagnostic;
};

// Returns the reason of the first host rule ("DOMAIN PHRASE") whose domain the failure concerns
// (the recipient's domain, the remote MTA or a host named in the diagnostic) and whose phrase
// the diagnostic contains, or "".
std::string host_reason(const HostContext& at, const RuleSet& rules);

// As host_reason, returning the deciding rule (nullptr: none).
const Rule* host_rule(const HostContext& at, const RuleSet& rules);

}  // namespace mxpulse::dsn
