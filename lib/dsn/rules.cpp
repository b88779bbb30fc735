// The classification rules table, parsed once from the data file embedded at build time.
#include "dsn/rules.hpp"

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns a matcher over the keys of rules, in their order.
std::shared_ptr<const PhraseMatcher> matcher_of(const std::vector<Rule>& rules) {
    std::vector<std::string> keys;
    keys.reserve(rules.size());
    for (const auto& rule : rules)
        keys.push_back(rule.key);
    return std::make_shared<const PhraseMatcher>(keys);
}

// Appends rule to the section of out named section (unknown sections are ignored).
void add_rule(RuleSet& out, std::string_view section, Rule rule) {
    if (section == "code")
        out.code.push_back(std::move(rule));
    else if (section == "host")
        out.host.push_back(std::move(rule));
    else if (section == "message")
        out.message.push_back(std::move(rule));
    else if (section == "weak")
        out.weak.push_back(std::move(rule));
    else if (section == "override")
        out.override_text.push_back(std::move(rule));
    else if (section == "status")
        out.status.push_back(std::move(rule));
    else if (section == "text")
        out.text.push_back(std::move(rule));
    else if (section == "fallback")
        out.fallback.push_back(std::move(rule));
    else if (section == "bare")
        out.bare.push_back(std::move(rule));
}

}  // namespace

// Parses rules text (SECTION<TAB>KEY[; KEY...]<TAB>REASON[<TAB># why] lines, # comments); bad
// lines are skipped.
RuleSet parse_rules(std::string_view text) {
    RuleSet out;
    std::size_t pos = 0;
    std::size_t number = 0;
    while (pos < text.size()) {
        ++number;
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == '#') continue;
        const std::size_t t1 = line.find('\t');
        const std::size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
        if (t2 == std::string_view::npos) continue;
        const std::string_view section = line.substr(0, t1);
        // The reason ends at the next TAB; what follows is the rule's comment ("# family").
        const std::size_t t3 = line.find('\t', t2 + 1);
        const std::string_view reason =
            line.substr(t2 + 1, t3 == std::string_view::npos ? t3 : t3 - t2 - 1);
        // A KEY may list a phrase family, "a; b; c": one rule per phrase, all on this line.
        std::string_view keys = line.substr(t1 + 1, t2 - t1 - 1);
        while (!keys.empty()) {
            const std::size_t semi = keys.find(';');
            const std::string_view one = keys.substr(0, semi);
            keys = semi == std::string_view::npos ? std::string_view() : keys.substr(semi + 1);
            if (keys.starts_with(' ')) keys.remove_prefix(1);  // the space after "; "
            Rule rule{util::to_lower(one), std::string(util::trim(reason)), number};
            if (rule.key.empty() || rule.reason.empty()) continue;
            add_rule(out, section, std::move(rule));
        }
    }
    std::vector<std::string> keys;
    for (const auto* section : {&out.override_text, &out.text})
        for (const auto& rule : *section)
            keys.push_back(rule.key);
    out.phrases = std::make_shared<const PhraseMatcher>(keys);
    out.bare_phrases = matcher_of(out.bare);
    out.message_phrases = matcher_of(out.message);
    std::vector<std::string> host_phrases;
    for (const auto& rule : out.host) {
        const std::size_t space = rule.key.find(' ');
        host_phrases.push_back(space == std::string::npos ? std::string()
                                                          : rule.key.substr(space + 1));
    }
    out.host_phrases = std::make_shared<const PhraseMatcher>(host_phrases);
    out.weak_phrases = matcher_of(out.weak);
    return out;
}

// Returns the process-wide rule set parsed from the embedded data (parsed on first use).
const RuleSet& default_rules() {
    static const RuleSet rules = parse_rules(embedded_rules());
    return rules;
}

}  // namespace mxpulse::dsn
