// What is counted for one destination domain, and its JSON and snapshot forms.
#include "stats/destination.hpp"

#include <algorithm>

namespace mxpulse::stats {

namespace {

// Adds n to a bounded label count; a new label beyond the cap is folded into "other".
void bump(std::vector<std::pair<std::string, std::uint64_t>>& v, const std::string& label,
          std::uint64_t n) {
    std::string key = label.empty() ? "undefined" : label;
    for (auto& [k, c] : v) {
        if (k == key) {
            c += n;
            return;
        }
    }
    if (v.size() >= kMaxLabels) key = "other";
    for (auto& [k, c] : v) {
        if (k == key) {
            c += n;
            return;
        }
    }
    v.emplace_back(key, n);
}

// Returns the label counts as a JSON object.
nlohmann::json labels(const std::vector<std::pair<std::string, std::uint64_t>>& v) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, c] : v)
        j[k] = c;
    return j;
}

// Returns a series in snapshot form.
nlohmann::json series_json(const Series& s) {
    Series::Raw r = s.raw();
    return {{"m", r.minutes}, {"q", r.quarters}, {"h", r.hours}, {"l", r.last}, {"t", r.total}};
}

// Reads a series from snapshot form; false when malformed.
bool series_from(const nlohmann::json& j, Series& out) {
    if (!j.is_object()) return false;
    Series::Raw r{};
    auto m = j.value("m", std::vector<std::uint32_t>{});
    auto q = j.value("q", std::vector<std::uint32_t>{});
    auto h = j.value("h", std::vector<std::uint32_t>{});
    if (m.size() != r.minutes.size() || q.size() != r.quarters.size() || h.size() != r.hours.size())
        return false;
    std::copy(m.begin(), m.end(), r.minutes.begin());
    std::copy(q.begin(), q.end(), r.quarters.begin());
    std::copy(h.begin(), h.end(), r.hours.begin());
    r.last = j.value("l", std::int64_t{0});
    r.total = j.value("t", std::uint64_t{0});
    out = Series::from_raw(r);
    return true;
}

// Returns j[key] when it exists, else an empty JSON value of the given kind.
const nlohmann::json& member(const nlohmann::json& j, const char* key, bool array) {
    static const nlohmann::json kEmptyArray = nlohmann::json::array();
    static const nlohmann::json kEmptyObject = nlohmann::json::object();
    auto it = j.find(key);
    if (it != j.end()) return *it;
    return array ? kEmptyArray : kEmptyObject;
}

// Returns a bounce sample as JSON.
nlohmann::json sample_json(const BounceEvent& e) {
    return {{"recipient", e.recipient},
            {"action", e.action},
            {"status", e.status},
            {"reply_code", e.reply_code},
            {"reason", e.reason},
            {"family", e.family},
            {"cause_status", e.cause_status},
            {"patterns", e.patterns},
            {"diagnostic", e.diagnostic},
            {"remote_mta", e.remote_mta},
            {"last_attempt", e.last_attempt},
            {"queue_id", e.queue_id},
            {"bounce_message_id", e.bounce_message_id},
            {"original_message_id", e.original_message_id},
            {"seen_at", e.seen_at},
            {"time_to_bounce_s", e.time_to_bounce_s}};
}

// Reads a bounce sample from JSON.
BounceEvent sample_from(const nlohmann::json& j) {
    BounceEvent e;
    e.recipient = j.value("recipient", "");
    e.action = j.value("action", "");
    e.status = j.value("status", "");
    e.reply_code = j.value("reply_code", "");
    e.reason = j.value("reason", "");
    e.family = j.value("family", "");
    e.cause_status = j.value("cause_status", "");
    e.patterns = j.value("patterns", std::vector<std::string>{});
    e.diagnostic = j.value("diagnostic", "");
    e.remote_mta = j.value("remote_mta", "");
    e.last_attempt = j.value("last_attempt", "");
    e.queue_id = j.value("queue_id", "");
    e.bounce_message_id = j.value("bounce_message_id", "");
    e.original_message_id = j.value("original_message_id", "");
    e.seen_at = j.value("seen_at", std::int64_t{0});
    e.time_to_bounce_s = j.value("time_to_bounce_s", std::int64_t{-1});
    return e;
}

}  // namespace

double failure_rate(std::uint64_t failed, std::uint64_t outbound) {
    return outbound == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(outbound);
}

Destination::Failures& Destination::failures() {
    if (!f_) f_ = std::make_unique<Failures>();
    return *f_;
}

void Destination::add_outbound(std::uint32_t rcpts, std::int64_t now) {
    out_rcpts_.add(now / 60, rcpts);
    ++out_messages_;
    if (first_seen_ == 0) first_seen_ = now;
    last_outbound_ = now;
}

void Destination::add_bounce(const BounceEvent& e, std::int64_t now, std::size_t samples) {
    Failures& f = failures();
    if (first_seen_ == 0) first_seen_ = now;
    last_failure_ = now;
    if (e.action == "delayed") {
        f.delayed.add(now / 60);
    } else {
        f.failed.add(now / 60);
        bump(f.reasons, e.reason, 1);
        bump(f.families, e.family, 1);
    }
    for (const std::string& p : e.patterns) {
        auto it = std::find_if(f.patterns.begin(), f.patterns.end(),
                               [&](auto& x) { return x.first == p; });
        if (it == f.patterns.end() && f.patterns.size() < kMaxLabels)
            it = f.patterns.insert(f.patterns.end(), {p, {}});
        if (it != f.patterns.end()) it->second.add(now / 60);
    }
    std::string status = e.status.empty() ? "unknown" : e.status;
    auto st = std::find_if(f.statuses.begin(), f.statuses.end(),
                           [&](auto& s) { return s.status == status; });
    if (st == f.statuses.end()) {
        if (f.statuses.size() >= kMaxStatuses) {
            auto least = std::min_element(f.statuses.begin(), f.statuses.end(),
                                          [](auto& a, auto& b) { return a.count < b.count; });
            f.statuses.erase(least);
        }
        st = f.statuses.insert(f.statuses.end(), StatusCount{status, 0, {}, {}, {}});
    }
    ++st->count;
    st->sample_diagnostic = e.diagnostic.substr(0, 512);
    st->remote_mta = e.remote_mta;
    st->last_attempt = e.last_attempt;
    if (samples > 0) {
        f.samples.push_back(e);
        while (f.samples.size() > samples)
            f.samples.pop_front();
    }
}

void Destination::merge(const Destination& o, std::size_t samples) {
    out_rcpts_.merge(o.out_rcpts_);
    out_messages_ += o.out_messages_;
    if (first_seen_ == 0 || (o.first_seen_ != 0 && o.first_seen_ < first_seen_))
        first_seen_ = o.first_seen_;
    last_outbound_ = std::max(last_outbound_, o.last_outbound_);
    last_failure_ = std::max(last_failure_, o.last_failure_);
    if (!o.f_) return;
    Failures& f = failures();
    f.failed.merge(o.f_->failed);
    f.delayed.merge(o.f_->delayed);
    for (auto& [k, c] : o.f_->reasons)
        bump(f.reasons, k, c);
    for (auto& [k, c] : o.f_->families)
        bump(f.families, k, c);
    for (auto& [k, s] : o.f_->patterns) {
        auto it = std::find_if(f.patterns.begin(), f.patterns.end(),
                               [&](auto& x) { return x.first == k; });
        if (it == f.patterns.end() && f.patterns.size() < kMaxLabels)
            it = f.patterns.insert(f.patterns.end(), {k, {}});
        if (it != f.patterns.end()) it->second.merge(s);
    }
    for (const StatusCount& s : o.f_->statuses) {
        auto st = std::find_if(f.statuses.begin(), f.statuses.end(),
                               [&](auto& x) { return x.status == s.status; });
        if (st != f.statuses.end())
            st->count += s.count;
        else if (f.statuses.size() < kMaxStatuses)
            f.statuses.push_back(s);
    }
    for (const BounceEvent& e : o.f_->samples) {
        if (samples == 0) break;
        f.samples.push_back(e);
        while (f.samples.size() > samples)
            f.samples.pop_front();
    }
}

std::uint64_t Destination::pattern(std::string_view name, Window w, std::int64_t now) const {
    if (!f_) return 0;
    std::uint64_t n = 0;
    for (const auto& [k, s] : f_->patterns) {
        if (name.empty() || k == name) n += s.sum(w, now / 60);
    }
    return n;
}

nlohmann::json Destination::to_json(std::int64_t now, bool with_samples) const {
    nlohmann::json windows = nlohmann::json::object();
    for (Window w : {Window::m1, Window::m5, Window::m15, Window::h1, Window::h24, Window::total}) {
        std::uint64_t out = outbound(w, now), fail = failed(w, now);
        windows[std::string(window_name(w))] = {{"outbound_rcpts", out},
                                                {"failed", fail},
                                                {"delayed", delayed(w, now)},
                                                {"patterns", pattern("", w, now)},
                                                {"failure_rate", failure_rate(fail, out)}};
    }
    nlohmann::json j = {{"provider", provider},          {"outbound_messages", out_messages_},
                        {"first_seen", first_seen_},     {"last_outbound", last_outbound_},
                        {"last_failure", last_failure_}, {"windows", windows}};
    nlohmann::json statuses = nlohmann::json::array();
    nlohmann::json patterns = nlohmann::json::object();
    if (f_) {
        std::vector<StatusCount> sorted = f_->statuses;
        std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.count > b.count; });
        for (const StatusCount& s : sorted) {
            statuses.push_back({{"status", s.status},
                                {"count", s.count},
                                {"sample_diagnostic", s.sample_diagnostic},
                                {"remote_mta", s.remote_mta},
                                {"last_attempt", s.last_attempt}});
        }
        for (const auto& [k, s] : f_->patterns)
            patterns[k] = s.total();
    }
    j["reasons"] = f_ ? labels(f_->reasons) : nlohmann::json::object();
    j["families"] = f_ ? labels(f_->families) : nlohmann::json::object();
    j["patterns"] = patterns;
    j["statuses"] = statuses;
    if (with_samples) {
        nlohmann::json s = nlohmann::json::array();
        if (f_) {
            for (const BounceEvent& e : f_->samples)
                s.push_back(sample_json(e));
        }
        j["samples"] = s;
    }
    return j;
}

nlohmann::json Destination::snapshot() const {
    nlohmann::json j = {{"p", provider},     {"o", series_json(out_rcpts_)}, {"om", out_messages_},
                        {"fs", first_seen_}, {"lo", last_outbound_},         {"lf", last_failure_}};
    if (f_) {
        nlohmann::json pats = nlohmann::json::object();
        for (const auto& [k, s] : f_->patterns)
            pats[k] = series_json(s);
        nlohmann::json sts = nlohmann::json::array();
        for (const StatusCount& s : f_->statuses) {
            sts.push_back({s.status, s.count, s.sample_diagnostic, s.remote_mta, s.last_attempt});
        }
        nlohmann::json samples = nlohmann::json::array();
        for (const BounceEvent& e : f_->samples)
            samples.push_back(sample_json(e));
        j["f"] = {{"failed", series_json(f_->failed)},
                  {"delayed", series_json(f_->delayed)},
                  {"reasons", labels(f_->reasons)},
                  {"families", labels(f_->families)},
                  {"patterns", pats},
                  {"statuses", sts},
                  {"samples", samples}};
    }
    return j;
}

bool Destination::from_snapshot(const nlohmann::json& j) {
    if (!j.is_object() || !series_from(member(j, "o", false), out_rcpts_)) return false;
    provider = j.value("p", "");
    out_messages_ = j.value("om", std::uint64_t{0});
    first_seen_ = j.value("fs", std::int64_t{0});
    last_outbound_ = j.value("lo", std::int64_t{0});
    last_failure_ = j.value("lf", std::int64_t{0});
    if (!j.contains("f")) return true;
    const nlohmann::json& f = j["f"];
    Failures& fl = failures();
    if (!series_from(member(f, "failed", false), fl.failed) ||
        !series_from(member(f, "delayed", false), fl.delayed)) {
        return false;
    }
    for (auto& [k, v] : member(f, "reasons", false).items())
        bump(fl.reasons, k, v.get<std::uint64_t>());
    for (auto& [k, v] : member(f, "families", false).items())
        bump(fl.families, k, v.get<std::uint64_t>());
    for (auto& [k, v] : member(f, "patterns", false).items()) {
        Series s;
        if (!series_from(v, s)) return false;
        if (fl.patterns.size() < kMaxLabels) fl.patterns.emplace_back(k, s);
    }
    for (const auto& s : member(f, "statuses", true)) {
        if (!s.is_array() || s.size() != 5 || fl.statuses.size() >= kMaxStatuses) continue;
        fl.statuses.push_back({s[0].get<std::string>(), s[1].get<std::uint64_t>(),
                               s[2].get<std::string>(), s[3].get<std::string>(),
                               s[4].get<std::string>()});
    }
    for (const auto& s : member(f, "samples", true))
        fl.samples.push_back(sample_from(s));
    return true;
}

}  // namespace mxpulse::stats
