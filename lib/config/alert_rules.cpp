// The [[alert]] tables: their keys, documented once, and their parsing with FILE:LINE errors.
#include "config/alert_rules.hpp"

#include <toml++/toml.h>

#include <array>
#include <set>

#include "util/units.hpp"

namespace mxpulse::config {

namespace {

constexpr std::array kKeys{
    AlertRuleKey{"name", "string", true, "Stable name of the rule, used in log lines and metrics."},
    AlertRuleKey{
        "metric", "one of", true,
        "failure_rate (failed / outbound recipients), deferral_rate (delayed / outbound), "
        "pattern_count "
        "(bounces tagged with pattern), bounce_count (failed recipients), auth_fail_rate (DMARC "
        "failures / outbound messages of own sender domains); from Postfix itself: "
        "postfix_deferral_rate (status=deferred / all delivery attempts in Postfix's log, "
        "[postfix_log]), queue_deferred (messages in the deferred queue at the last postqueue -j "
        "scan, [postfix_queue]; window unused) and queue_oldest_age (seconds the oldest of them "
        "has waited; window unused)."},
    AlertRuleKey{"scope", "one of", true,
                 "domain, provider, sender_domain (auth_fail_rate) or global."},
    AlertRuleKey{"window", "window", true, "1m, 5m, 15m, 1h or 24h."},
    AlertRuleKey{"pattern", "string", false,
                 "The pattern counted by pattern_count, e.g. \"m365-socketerror\"."},
    AlertRuleKey{"raise", "number", true, "The value at or above which the rule fires."},
    AlertRuleKey{"clear", "number", true,
                 "The value below which a firing rule clears (hysteresis; <= raise)."},
    AlertRuleKey{"min_events", "integer", false,
                 "Events needed in the window before the rule may fire (default 1)."},
    AlertRuleKey{"for", "duration", false,
                 "How long the value must stay at or above raise (default \"0s\")."},
    AlertRuleKey{"severity", "one of", false, "info, warning (default) or critical."},
};

const std::set<std::string_view> kMetrics{
    "failure_rate",   "deferral_rate",         "pattern_count",  "bounce_count",
    "auth_fail_rate", "postfix_deferral_rate", "queue_deferred", "queue_oldest_age"};
const std::set<std::string_view> kScopes{"domain", "provider", "sender_domain", "global"};
const std::set<std::string_view> kWindows{"1m", "5m", "15m", "1h", "24h"};
const std::set<std::string_view> kSeverities{"info", "warning", "critical"};

// Returns a number from an integer or floating TOML value.
std::optional<double> number(const toml::node& n) {
    if (auto i = n.value<std::int64_t>(); i && n.is_integer()) return static_cast<double>(*i);
    if (auto d = n.value<double>(); d && n.is_floating_point()) return *d;
    return std::nullopt;
}

}  // namespace

std::span<const AlertRuleKey> alert_rule_keys() {
    return kKeys;
}

std::vector<AlertRule> default_alert_rules() {
    using std::chrono::milliseconds;
    return {
        // Delay notices arrive hours before the expiry bounces: the earliest warning.
        AlertRule{"provider-delays", "deferral_rate", "provider", "1h", "", 0.05, 0.02, 10,
                  milliseconds(300'000), "warning", 0},
        AlertRule{"m365-socketerror-burst", "pattern_count", "provider", "15m", "m365-socketerror",
                  5, 1, 5, milliseconds(0), "critical", 0},
        AlertRule{"provider-transport-failures", "failure_rate", "provider", "1h", "", 0.05, 0.02,
                  20, milliseconds(300'000), "critical", 0},
        // Postfix's own deferred queue, for a gateway that delivers itself: mail to a provider
        // waiting 2 hours (e.g. 421 [TSS04]) fires long before any message expires; it clears
        // once nothing older than an hour waits (delivery resumed). Needs [postfix_queue].
        AlertRule{"provider-deferred-queue", "queue_oldest_age", "provider", "1h", "", 7200, 3600,
                  1, milliseconds(0), "warning", 0},
        AlertRule{"own-dmarc-failures", "auth_fail_rate", "sender_domain", "1h", "", 0.02, 0.005,
                  20, milliseconds(300'000), "warning", 0},
    };
}

void parse_alert_rules(const toml::array& rules, const std::string& source, Config& c,
                       std::vector<std::pair<std::uint32_t, std::string>>& errors) {
    std::set<std::string> names;
    for (const toml::node& node : rules) {
        std::uint32_t line = node.source().begin.line;
        auto fail = [&](std::uint32_t at, const std::string& what) {
            errors.emplace_back(at, source + ":" + std::to_string(at) + ": alert: " + what);
        };
        const toml::table* t = node.as_table();
        if (!t) {
            fail(line, "each [[alert]] must be a table");
            continue;
        }
        AlertRule r;
        r.line = line;
        r.severity = "warning";
        r.min_events = 1;
        bool ok = true;
        for (auto&& [key, value] : *t) {
            std::string k(key.str());
            std::uint32_t at = key.source().begin.line;
            auto text = value.value<std::string>();
            bool is_string = value.is_string();  // clang 14 cannot capture a structured binding
            auto need = [&](const std::set<std::string_view>& allowed) {
                if (!is_string || !allowed.contains(*text)) {
                    std::string list;
                    for (auto a : allowed)
                        list += (list.empty() ? "" : ", ") + std::string(a);
                    fail(at, k + ": expected one of " + list);
                    ok = false;
                    return false;
                }
                return true;
            };
            if (k == "name" && value.is_string())
                r.name = *text;
            else if (k == "metric") {
                if (need(kMetrics)) r.metric = *text;
            } else if (k == "scope") {
                if (need(kScopes)) r.scope = *text;
            } else if (k == "window") {
                if (need(kWindows)) r.window = *text;
            } else if (k == "severity") {
                if (need(kSeverities)) r.severity = *text;
            } else if (k == "pattern" && value.is_string())
                r.pattern = *text;
            else if ((k == "raise" || k == "clear") && number(value))
                (k == "raise" ? r.raise : r.clear) = *number(value);
            else if (k == "min_events" && value.is_integer() && *value.value<std::int64_t>() >= 0)
                r.min_events = *value.value<std::int64_t>();
            else if (k == "for" && value.is_string() && util::parse_duration(*text))
                r.sustain = *util::parse_duration(*text);
            else {
                bool known = false;
                for (const AlertRuleKey& rk : kKeys)
                    known = known || rk.key == k;
                fail(at, known ? k + ": wrong kind of value" : "unknown key " + k);
                ok = false;
            }
        }
        for (const AlertRuleKey& rk : kKeys) {
            if (rk.required && !t->contains(rk.key)) {
                fail(line, "missing " + std::string(rk.key));
                ok = false;
            }
        }
        if (!ok) continue;
        if (r.clear > r.raise) fail(line, r.name + ": clear must not be above raise"), ok = false;
        if (r.metric == "pattern_count" && r.pattern.empty())
            fail(line, r.name + ": pattern_count needs a pattern"), ok = false;
        if ((r.metric == "auth_fail_rate") != (r.scope == "sender_domain"))
            fail(line, r.name + ": auth_fail_rate goes with scope sender_domain, and only it"),
                ok = false;
        if (!names.insert(r.name).second) fail(line, "duplicate rule name " + r.name), ok = false;
        if (ok) c.alert_rules.push_back(std::move(r));
    }
}

}  // namespace mxpulse::config
