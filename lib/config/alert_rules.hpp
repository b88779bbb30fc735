// The [[alert]] tables: their keys, documented once, and their parsing with FILE:LINE errors.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace toml {
inline namespace v3 {
class array;
}
}  // namespace toml

namespace mxpulse::config {

// One key of an [[alert]] table.
struct AlertRuleKey {
    std::string_view key;
    std::string_view kind;  // as shown in the documentation
    bool required;
    std::string_view doc;
};

// Returns the keys of an [[alert]] table in documentation order.
std::span<const AlertRuleKey> alert_rule_keys();

// Returns the rules shipped as defaults (used when alerts.default_rules is true).
std::vector<AlertRule> default_alert_rules();

// Parses the [[alert]] array into c.alert_rules; appends "FILE:LINE: ..." errors.
void parse_alert_rules(const toml::array& rules, const std::string& source, Config& c,
                       std::vector<std::pair<std::uint32_t, std::string>>& errors);

}  // namespace mxpulse::config
