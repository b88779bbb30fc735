// The classification rules table, parsed once from the data file embedded at build time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dsn/phrase_matcher.hpp"

namespace mxpulse::dsn {

// One rule: a phrase or status code that yields a reason.
struct Rule {
    std::string key;
    std::string reason;
    std::size_t line = 0;  // line of the rules text it came from (1-based)
};

// The rule sections, in the order they are tried.
struct RuleSet {
    std::vector<Rule> code;     // providers' own error codes ("orange:505", "aup:1300-1340")
    std::vector<Rule> host;     // "domain phrase": wording particular to one provider
    std::vector<Rule> message;  // phrases of the human text that decide for every recipient
    std::vector<Rule> override_text;
    std::vector<Rule> status;
    std::vector<Rule> text;
    std::vector<Rule> weak;  // generic phrases tried after an exact fallback code
    std::vector<Rule> fallback;
    std::vector<Rule> bare;  // phrases deciding when there is neither status nor command
    // One automaton over the override phrases followed by the text phrases: a match index
    // below override_text.size() is an override rule, the others are text rules.
    std::shared_ptr<const PhraseMatcher> phrases;
    std::shared_ptr<const PhraseMatcher> bare_phrases;     // over bare
    std::shared_ptr<const PhraseMatcher> message_phrases;  // over message
    std::shared_ptr<const PhraseMatcher> host_phrases;     // over the phrases of host
    std::shared_ptr<const PhraseMatcher> weak_phrases;     // over weak
};

// Returns the embedded text of rules/reasons.rules.
std::string_view embedded_rules();

// Parses rules text (SECTION<TAB>KEY<TAB>REASON[<TAB># why] lines, # comments); bad lines are
// skipped.
RuleSet parse_rules(std::string_view text);

// Returns the process-wide rule set parsed from the embedded data (parsed on first use).
const RuleSet& default_rules();

}  // namespace mxpulse::dsn
