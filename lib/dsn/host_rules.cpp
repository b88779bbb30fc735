// Wording that means something particular at one provider ("550 <x>: User unknown" at au).
#include "dsn/host_rules.hpp"

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns the position of needle in hay ignoring ASCII case, or npos.
std::size_t find_nocase(std::string_view hay, std::string_view needle) {
    if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (util::istarts_with(hay.substr(i), needle)) return i;
    return std::string_view::npos;
}

// Returns true when the failure concerns domain.
bool concerns(const HostContext& at, std::string_view domain) {
    const std::size_t sign = at.recipient.rfind('@');
    if (sign != std::string_view::npos &&
        util::domain_within(at.recipient.substr(sign + 1), domain))
        return true;
    return find_nocase(at.remote_mta, domain) != std::string_view::npos ||
           find_nocase(at.diagnostic, domain) != std::string_view::npos;
}

}  // namespace

// Returns the reason of the first host rule that applies, or "".
std::string host_reason(const HostContext& at, const RuleSet& rules) {
    const Rule* rule = host_rule(at, rules);
    return rule == nullptr ? std::string() : rule->reason;
}

// Returns the first host rule that applies, or nullptr.
const Rule* host_rule(const HostContext& at, const RuleSet& rules) {
    // One pass tells whether any phrase occurs at all (it rarely does).
    if (rules.host.empty() ||
        rules.host_phrases->first_phrase(at.diagnostic) == PhraseMatcher::npos)
        return nullptr;
    for (const auto& rule : rules.host) {
        const std::string_view key = rule.key;
        const std::size_t space = key.find(' ');
        if (space == std::string_view::npos) continue;
        if (find_nocase(at.diagnostic, key.substr(space + 1)) == std::string_view::npos) continue;
        if (concerns(at, key.substr(0, space))) return &rule;
    }
    return nullptr;
}

}  // namespace mxpulse::dsn
