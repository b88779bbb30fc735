// The alert engine: rules evaluated with hysteresis and a sustain time.
#include "alerts/engine.hpp"

#include <algorithm>
#include <set>

namespace mxpulse::alerts {

namespace {
// Returns true when two rules define the same condition.
bool same_rule(const config::AlertRule& a, const config::AlertRule& b) {
    return a.metric == b.metric && a.scope == b.scope && a.window == b.window &&
           a.pattern == b.pattern && a.raise == b.raise && a.clear == b.clear &&
           a.min_events == b.min_events && a.sustain == b.sustain;
}

// Returns a transition as JSON.
nlohmann::json transition_json(const Transition& t) {
    return {{"state", t.raised ? "raised" : "cleared"},
            {"rule", t.rule},
            {"key", t.key},
            {"metric", t.metric},
            {"window", t.window},
            {"severity", t.severity},
            {"value", t.value},
            {"threshold", t.threshold},
            {"events", t.events},
            {"at", t.at}};
}
}  // namespace

void Engine::set_rules(std::vector<config::AlertRule> rules) {
    std::lock_guard lock(mutex_);
    std::set<std::string> keep;
    for (const config::AlertRule& r : rules) {
        for (const config::AlertRule& old : rules_) {
            if (old.name == r.name && same_rule(old, r)) keep.insert(r.name);
        }
    }
    std::erase_if(states_, [&](const auto& s) { return !keep.contains(s.first.first); });
    rules_ = std::move(rules);
}

std::vector<config::AlertRule> Engine::rules() const {
    std::lock_guard lock(mutex_);
    return rules_;
}

std::vector<Transition> Engine::observe(const config::AlertRule& rule,
                                        const std::vector<Sample>& samples, std::int64_t now) {
    std::lock_guard lock(mutex_);
    std::vector<Transition> out;
    auto transition = [&](bool raised, const std::string& key, const State& s) {
        Transition t{raised,      rule.name,
                     key,         rule.metric,
                     rule.window, rule.severity,
                     s.value,     raised ? rule.raise : rule.clear,
                     s.events,    now};
        if (raised) ++raised_totals_[rule.name];
        recent_.push_back(t);
        while (recent_.size() > kRecent)
            recent_.pop_front();
        out.push_back(std::move(t));
    };
    std::set<std::string> seen;
    std::size_t states = 0;
    for (const auto& [k, s] : states_)
        states += k.first == rule.name;
    for (const Sample& sample : samples) {
        seen.insert(sample.key);
        auto it = states_.find({rule.name, sample.key});
        bool reaches = sample.events >= static_cast<std::uint64_t>(rule.min_events) &&
                       sample.value >= rule.raise;
        if (it == states_.end()) {
            if (!reaches || states >= kMaxStatesPerRule) continue;
            it = states_.emplace(std::pair{rule.name, sample.key}, State{}).first;
            ++states;
        }
        State& s = it->second;
        s.value = sample.value;
        s.events = sample.events;
        s.severity = rule.severity;
        if (!s.firing) {
            if (!reaches) {
                s.above_since = -1;
                continue;
            }
            if (s.above_since < 0) s.above_since = now;
            if (now - s.above_since >= rule.sustain.count() / 1000) {
                s.firing = true;
                s.raised_at = now;
                transition(true, sample.key, s);
            }
        } else if (sample.value < rule.clear) {
            s.firing = false;
            s.above_since = -1;
            transition(false, sample.key, s);
        }
    }
    // A key with nothing left in the window has the value 0.
    for (auto& [k, s] : states_) {
        if (k.first != rule.name || seen.contains(k.second)) continue;
        s.value = 0;
        s.events = 0;
        s.above_since = -1;
        if (s.firing && 0 < rule.clear) {
            s.firing = false;
            transition(false, k.second, s);
        }
    }
    std::erase_if(states_, [&](const auto& e) {
        return e.first.first == rule.name && !e.second.firing && e.second.above_since < 0;
    });
    return out;
}

nlohmann::json Engine::to_json() const {
    std::lock_guard lock(mutex_);
    nlohmann::json active = nlohmann::json::array();
    for (const auto& [k, s] : states_) {
        if (!s.firing) continue;
        active.push_back({{"rule", k.first},
                          {"key", k.second},
                          {"severity", s.severity},
                          {"value", s.value},
                          {"events", s.events},
                          {"since", s.raised_at}});
    }
    nlohmann::json recent = nlohmann::json::array();
    for (auto it = recent_.rbegin(); it != recent_.rend(); ++it)
        recent.push_back(transition_json(*it));
    nlohmann::json rules = nlohmann::json::array();
    for (const config::AlertRule& r : rules_)
        rules.push_back(r.name);
    return {{"active", active}, {"recent", recent}, {"rules", rules}};
}

std::vector<Active> Engine::active() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string> scopes;
    for (const config::AlertRule& r : rules_)
        scopes[r.name] = r.scope;
    std::vector<Active> out;
    for (const auto& [k, s] : states_) {
        if (s.firing) out.push_back({k.first, scopes[k.first], k.second, s.severity, s.raised_at});
    }
    return out;
}

std::map<std::string, std::uint64_t> Engine::raised_totals() const {
    std::lock_guard lock(mutex_);
    return raised_totals_;
}

}  // namespace mxpulse::alerts
