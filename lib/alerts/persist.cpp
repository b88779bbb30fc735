// Alert state in a file beside the state file: snapshot, restore, forget.
#include "alerts/persist.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>

namespace mxpulse::alerts {

namespace {
constexpr int kFormat = 1;
constexpr std::size_t kMaxFileBytes = 16 << 20;  // 10,000 states per rule at most, as JSON
}  // namespace

nlohmann::json Engine::snapshot() const {
    std::lock_guard lock(mutex_);
    nlohmann::json states = nlohmann::json::array();
    for (const auto& [k, s] : states_) {
        states.push_back({{"rule", k.first},
                          {"key", k.second},
                          {"firing", s.firing},
                          {"raised_at", s.raised_at},
                          {"above_since", s.above_since},
                          {"value", s.value},
                          {"events", s.events},
                          {"severity", s.severity}});
    }
    return {{"format", kFormat}, {"states", states}, {"raised_totals", raised_totals_}};
}

int Engine::restore(const nlohmann::json& snapshot, std::string& error) noexcept {
    try {
        if (!snapshot.is_object() || snapshot.value("format", 0) != kFormat) {
            error = "not an alert state of format 1";
            return -1;
        }
        std::lock_guard lock(mutex_);
        std::set<std::string> names;
        for (const config::AlertRule& r : rules_)
            names.insert(r.name);
        int restored = 0;
        for (const nlohmann::json& j : snapshot.at("states")) {
            std::string rule = j.at("rule").get<std::string>();
            if (!names.contains(rule)) continue;  // a rule that is gone takes its alerts along
            State s;
            s.firing = j.at("firing").get<bool>();
            s.raised_at = j.at("raised_at").get<std::int64_t>();
            s.above_since = j.at("above_since").get<std::int64_t>();
            s.value = j.at("value").get<double>();
            s.events = j.at("events").get<std::uint64_t>();
            s.severity = j.at("severity").get<std::string>();
            states_[{rule, j.at("key").get<std::string>()}] = s;
            restored += s.firing;
        }
        for (const auto& [name, n] : snapshot.at("raised_totals").items())
            raised_totals_[name] = n.get<std::uint64_t>();
        return restored;
    } catch (const std::exception& e) {
        error = e.what();
        return -1;
    }
}

std::size_t Engine::forget(std::string_view key) {
    std::lock_guard lock(mutex_);
    return std::erase_if(states_,
                         [&](const auto& e) { return key.empty() || e.first.second == key; });
}

std::string alert_file_for(const std::string& state_file) {
    return state_file.empty() ? std::string() : state_file + ".alerts";
}

std::string save_alerts(const std::string& path, const Engine& engine) {
    if (path.empty()) return {};
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << engine.snapshot().dump();
        out.flush();
        if (!out) return "cannot write " + tmp;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return "cannot rename " + tmp + " to " + path;
    }
    return {};
}

AlertLoad load_alerts(const std::string& path, Engine& engine) noexcept {
    AlertLoad r;
    try {
        std::ifstream in(path, std::ios::binary);
        if (!in) return r;
        std::string text;
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        std::string error;
        if (text.size() > kMaxFileBytes) {
            error = "larger than 16 MiB";
        } else {
            nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
            r.alerts = j.is_discarded() ? -1 : engine.restore(j, error);
            if (j.is_discarded()) error = "not JSON";
        }
        if (error.empty()) {
            r.what = AlertLoad::What::loaded;
            return r;
        }
        r.alerts = 0;
        r.detail = error;
        std::string aside = path + ".bad";
        r.what = std::rename(path.c_str(), aside.c_str()) == 0 ? AlertLoad::What::set_aside
                                                               : AlertLoad::What::unusable;
    } catch (...) {
        r.what = AlertLoad::What::unusable;
    }
    return r;
}

}  // namespace mxpulse::alerts
