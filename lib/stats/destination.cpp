// What is counted for one destination domain, and its JSON and snapshot forms.
#include "stats/destination.hpp"

#include <algorithm>

#include "stats/codec.hpp"

namespace mxpulse::stats {

namespace {

// Returns a Unix time as kept in 32 bits (clamped to 0..2^32-1).
std::uint32_t seconds32(std::int64_t t) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(t, 0, UINT32_MAX));
}

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
            {"time_to_bounce_s", e.time_to_bounce_s},
            {"original_sender", e.original_sender}};
}

constexpr std::size_t kMaxText = 65536;        // one decoded string
constexpr std::size_t kMaxSamplesKept = 1000;  // samples decoded per destination
constexpr std::size_t kMaxEventPatterns = 64;  // patterns of one decoded sample

// Writes label counts.
void encode_labels(Encoder& e, const std::vector<std::pair<std::string, std::uint64_t>>& v) {
    e.u(v.size());
    for (const auto& [k, c] : v) {
        e.str(k);
        e.u(c);
    }
}

// Reads label counts; false when malformed.
bool decode_labels(Decoder& d, std::vector<std::pair<std::string, std::uint64_t>>& v) {
    std::uint64_t n = d.u(kMaxLabels + 1);
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
        std::string k = d.str(kMaxText);
        std::uint64_t c = d.u();
        v.emplace_back(std::move(k), c);
    }
    return !d.failed();
}

// Writes a bounce event. Every field of BounceEvent is written here and read in decode_event.
void encode_event(Encoder& e, const BounceEvent& b) {
    for (const std::string* f :
         {&b.recipient, &b.action, &b.status, &b.reply_code, &b.reason, &b.family, &b.cause_status,
          &b.diagnostic, &b.remote_mta, &b.last_attempt, &b.queue_id, &b.bounce_message_id,
          &b.original_message_id, &b.original_sender})
        e.str(*f);
    e.u(b.patterns.size());
    for (const std::string& p : b.patterns)
        e.str(p);
    e.s(b.seen_at);
    e.s(b.time_to_bounce_s);
}

// Reads a bounce event; false when malformed.
bool decode_event(Decoder& d, BounceEvent& b) {
    for (std::string* f :
         {&b.recipient, &b.action, &b.status, &b.reply_code, &b.reason, &b.family, &b.cause_status,
          &b.diagnostic, &b.remote_mta, &b.last_attempt, &b.queue_id, &b.bounce_message_id,
          &b.original_message_id, &b.original_sender})
        *f = d.str(kMaxText);
    std::uint64_t n = d.u(kMaxEventPatterns);
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i)
        b.patterns.push_back(d.str(kMaxText));
    b.seen_at = d.s();
    b.time_to_bounce_s = d.s();
    return !d.failed();
}

}  // namespace

double failure_rate(std::uint64_t failed, std::uint64_t outbound) {
    return outbound == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(outbound);
}

nlohmann::json Rate::to_json() const {
    return {{"failure_rate", sends ? nlohmann::json(value()) : nlohmann::json(nullptr)},
            {"rate_basis", basis()},
            {"failed_of_sends", failed_of_sends},
            {"sends", sends},
            {"unmatched_failed", unmatched}};
}

Rate rate_of(const Destination& d, Window w, std::int64_t now) {
    return {d.failed_of_sends(w, now), d.outbound(w, now), d.unmatched(w, now)};
}

std::uint64_t Destination::unmatched(Window w, std::int64_t now) const {
    if (!f_) return 0;
    std::uint64_t all = f_->failed.sum(w, now / 60);
    std::uint64_t matched = f_->matched ? f_->matched->arrived.sum(w, now / 60) : 0;
    return all - std::min(all, matched);
}

Destination::Failures& Destination::failures() {
    if (!f_) f_ = std::make_unique<Failures>();
    return *f_;
}

bool Destination::unpack(std::string_view packed, Evidence& ev) {
    Decoder d(packed);
    decode_labels(d, ev.reasons);
    decode_labels(d, ev.families);
    std::uint64_t n = d.u(kMaxSamplesKept);
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
        BounceEvent b;
        if (decode_event(d, b)) ev.samples.push_back(std::move(b));
    }
    std::uint64_t ns = d.u(kMaxStatuses);
    for (std::uint64_t i = 0; i < ns && !d.failed(); ++i) {
        StatusCount st;
        st.status = d.str(kMaxText);
        st.count = d.u();
        // The texts are those of a sample (1-based index from the newest), or follow.
        std::uint64_t same = d.u(ev.samples.size());
        if (same != 0) {
            const BounceEvent& b = ev.samples[ev.samples.size() - same];
            st.sample_diagnostic = b.diagnostic.substr(0, 512);
            st.remote_mta = b.remote_mta;
            st.last_attempt = b.last_attempt;
        } else {
            st.sample_diagnostic = d.str(kMaxText);
            st.remote_mta = d.str(kMaxText);
            st.last_attempt = d.str(kMaxText);
        }
        ev.statuses.push_back(std::move(st));
    }
    ev.samples_dropped = d.u();
    return d.done();
}

Destination::Evidence Destination::evidence() const {
    Evidence ev;
    // Packed by set_evidence() from checked data, so unpacking cannot fail.
    if (f_ && f_->packed_size != 0) unpack(std::string_view(f_->packed.get(), f_->packed_size), ev);
    return ev;
}

void Destination::set_evidence(const Evidence& ev) {
    std::string out;
    Encoder e(out);
    encode_labels(e, ev.reasons);
    encode_labels(e, ev.families);
    e.u(ev.samples.size());
    for (const BounceEvent& b : ev.samples)
        encode_event(e, b);
    e.u(ev.statuses.size());
    for (const StatusCount& st : ev.statuses) {
        e.str(st.status);
        e.u(st.count);
        std::size_t same = 0;
        for (std::size_t k = ev.samples.size(); k > 0 && same == 0; --k) {
            const BounceEvent& b = ev.samples[k - 1];
            if (b.remote_mta == st.remote_mta && b.last_attempt == st.last_attempt &&
                b.diagnostic.compare(0, 512, st.sample_diagnostic) == 0 &&
                st.sample_diagnostic.size() == std::min<std::size_t>(b.diagnostic.size(), 512))
                same = ev.samples.size() - k + 1;
        }
        e.u(same);
        if (same == 0) {
            e.str(st.sample_diagnostic);
            e.str(st.remote_mta);
            e.str(st.last_attempt);
        }
    }
    e.u(ev.samples_dropped);
    Failures& f = failures();
    f.packed = std::make_unique<char[]>(out.size());
    std::copy(out.begin(), out.end(), f.packed.get());
    f.packed_size = static_cast<std::uint32_t>(out.size());
}

std::size_t Destination::drop_samples() {
    if (!f_ || f_->packed_size == 0) return 0;
    Evidence ev = evidence();
    if (ev.samples.empty()) return 0;
    std::size_t before = f_->packed_size;
    // The status codes keep their counts; their sample texts go with the samples.
    ev.samples_dropped += ev.samples.size();
    ev.samples.clear();
    for (StatusCount& st : ev.statuses) {
        st.sample_diagnostic.clear();
        st.remote_mta.clear();
        st.last_attempt.clear();
    }
    set_evidence(ev);
    return before > f_->packed_size ? before - f_->packed_size : 0;
}

void Destination::add_outbound(std::uint32_t rcpts, std::int64_t now) {
    out_rcpts_.add(now / 60, rcpts);
    ++out_messages_;
    if (first_seen_ == 0) first_seen_ = now;
    last_outbound_ = now;
    // Taken after the latest failure was counted: in the same second too (times are seconds).
    if (f_ && f_->last_failed != 0 && f_->recovered_at == 0 && now >= f_->last_failed)
        f_->recovered_at = seconds32(now);
}

void Destination::add_bounce(const BounceEvent& e, std::int64_t now, std::size_t samples,
                             std::int64_t sent_at) {
    Failures& f = failures();
    Evidence ev = evidence();
    // A send counts here only when it was counted here as outbound: not before this destination
    // was first seen (new, reset or evicted since).
    bool matched = sent_at != 0 && first_seen_ != 0 && sent_at >= first_seen_;
    if (first_seen_ == 0) first_seen_ = now;
    last_failure_ = now;
    if (e.action == "delayed") {
        if (!f.delayed) f.delayed = std::make_unique<Series>();
        f.delayed->add(now / 60);
    } else {
        f.failed.add(now / 60);
        if (matched) {
            if (!f.matched) f.matched = std::make_unique<Matched>();
            f.matched->of_sends.add_back(sent_at / 60);
            f.matched->arrived.add(now / 60);
        }
        if (f.first_failed == 0) f.first_failed = seconds32(now);
        f.last_failed = seconds32(now);
        if (f.recovered_at != 0 && (!matched || sent_at >= f.recovered_at)) f.recovered_at = 0;
        bump(ev.reasons, e.reason, 1);
        bump(ev.families, e.family, 1);
    }
    for (const std::string& p : e.patterns) {
        auto it = std::find_if(f.patterns.begin(), f.patterns.end(),
                               [&](auto& x) { return x.first == p; });
        if (it == f.patterns.end() && f.patterns.size() < kMaxLabels)
            it = f.patterns.insert(f.patterns.end(), {p, {}});
        if (it != f.patterns.end()) it->second.add(now / 60);
    }
    std::string status = e.status.empty() ? "unknown" : e.status;
    auto st = std::find_if(ev.statuses.begin(), ev.statuses.end(),
                           [&](auto& s) { return s.status == status; });
    if (st == ev.statuses.end()) {
        if (ev.statuses.size() >= kMaxStatuses) {
            auto least = std::min_element(ev.statuses.begin(), ev.statuses.end(),
                                          [](auto& a, auto& b) { return a.count < b.count; });
            ev.statuses.erase(least);
        }
        st = ev.statuses.insert(ev.statuses.end(), StatusCount{status, 0, {}, {}, {}});
    }
    ++st->count;
    st->sample_diagnostic = e.diagnostic.substr(0, 512);
    st->remote_mta = e.remote_mta;
    st->last_attempt = e.last_attempt;
    if (samples > 0) {
        ev.samples.push_back(e);
        while (ev.samples.size() > samples)
            ev.samples.erase(ev.samples.begin());
    }
    set_evidence(ev);
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
    bool still_failing = (f.last_failed != 0 && f.recovered_at == 0) ||
                         (o.f_->last_failed != 0 && o.f_->recovered_at == 0);
    f.recovered_at = still_failing ? 0 : std::max(f.recovered_at, o.f_->recovered_at);
    if (f.first_failed == 0 || (o.f_->first_failed != 0 && o.f_->first_failed < f.first_failed))
        f.first_failed = o.f_->first_failed;
    f.last_failed = std::max(f.last_failed, o.f_->last_failed);
    f.failed.merge(o.f_->failed);
    if (o.f_->delayed) {
        if (!f.delayed) f.delayed = std::make_unique<Series>();
        f.delayed->merge(*o.f_->delayed);
    }
    if (o.f_->matched) {
        if (!f.matched) f.matched = std::make_unique<Matched>();
        f.matched->of_sends.merge(o.f_->matched->of_sends);
        f.matched->arrived.merge(o.f_->matched->arrived);
    }
    for (const auto& pattern : o.f_->patterns) {
        const std::string& k = pattern.first;  // a named reference: lambdas may capture it
        auto it = std::find_if(f.patterns.begin(), f.patterns.end(),
                               [&](auto& x) { return x.first == k; });
        if (it == f.patterns.end() && f.patterns.size() < kMaxLabels)
            it = f.patterns.insert(f.patterns.end(), {k, {}});
        if (it != f.patterns.end()) it->second.merge(pattern.second);
    }
    Evidence ev = evidence();
    Evidence oe = o.evidence();
    for (auto& [k, c] : oe.reasons)
        bump(ev.reasons, k, c);
    for (auto& [k, c] : oe.families)
        bump(ev.families, k, c);
    for (const StatusCount& s : oe.statuses) {
        auto st = std::find_if(ev.statuses.begin(), ev.statuses.end(),
                               [&](auto& x) { return x.status == s.status; });
        if (st != ev.statuses.end())
            st->count += s.count;
        else if (ev.statuses.size() < kMaxStatuses)
            ev.statuses.push_back(s);
    }
    ev.samples_dropped += oe.samples_dropped;
    for (BounceEvent& e : oe.samples) {
        if (samples == 0) break;
        ev.samples.push_back(std::move(e));
    }
    if (ev.samples.size() > samples) {
        ev.samples.erase(ev.samples.begin(), ev.samples.begin() + static_cast<std::ptrdiff_t>(
                                                                      ev.samples.size() - samples));
    }
    set_evidence(ev);
}

std::uint64_t Destination::pattern(std::string_view name, Window w, std::int64_t now) const {
    if (!f_) return 0;
    std::uint64_t n = 0;
    for (const auto& [k, s] : f_->patterns) {
        if (name.empty() || k == name) n += s.sum(w, now / 60);
    }
    return n;
}

std::vector<std::string> Destination::pattern_names() const {
    std::vector<std::string> out;
    if (f_) {
        for (const auto& [k, s] : f_->patterns)
            out.push_back(k);
    }
    return out;
}

nlohmann::json Destination::to_json(std::int64_t now, bool with_samples) const {
    nlohmann::json windows = nlohmann::json::object();
    for (Window w : {Window::m1, Window::m5, Window::m15, Window::h1, Window::h24, Window::total}) {
        nlohmann::json x = rate_of(*this, w, now).to_json();
        x["outbound_rcpts"] = outbound(w, now);
        x["failed"] = failed(w, now);
        x["delayed"] = delayed(w, now);
        x["patterns"] = pattern("", w, now);
        windows[std::string(window_name(w))] = std::move(x);
    }
    nlohmann::json j = {{"provider", provider},
                        {"outbound_messages", out_messages_},
                        {"first_seen", first_seen_},
                        {"last_outbound", last_outbound_},
                        {"last_failure", last_failure_},
                        {"first_failed", first_failed()},
                        {"last_failed", last_failed()},
                        {"recovered_at", recovered_at()},
                        {"windows", windows}};
    Evidence ev = evidence();
    nlohmann::json statuses = nlohmann::json::array();
    nlohmann::json patterns = nlohmann::json::object();
    std::vector<StatusCount> sorted = ev.statuses;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.count > b.count; });
    for (const StatusCount& s : sorted) {
        statuses.push_back({{"status", s.status},
                            {"count", s.count},
                            {"sample_diagnostic", s.sample_diagnostic},
                            {"remote_mta", s.remote_mta},
                            {"last_attempt", s.last_attempt}});
    }
    if (f_) {
        for (const auto& [k, s] : f_->patterns)
            patterns[k] = s.total();
    }
    j["reasons"] = labels(ev.reasons);
    j["families"] = labels(ev.families);
    j["patterns"] = patterns;
    j["statuses"] = statuses;
    if (with_samples) {
        nlohmann::json s = nlohmann::json::array();
        for (const BounceEvent& e : ev.samples)
            s.push_back(sample_json(e));
        j["samples"] = s;
        // Samples forgotten to keep memory bounded (stats.max_destinations x samples): the list
        // above was cut by this many.
        if (ev.samples_dropped) j["samples_dropped"] = ev.samples_dropped;
    }
    return j;
}

void Destination::encode(Encoder& e) const {
    e.str(provider);
    out_rcpts_.encode(e);
    e.u(out_messages_);
    e.s(first_seen_);
    e.s(last_outbound_);
    e.s(last_failure_);
    e.u(f_ ? 1 : 0);
    if (!f_) return;
    f_->failed.encode(e);
    static const Series kNone;  // what a destination without delays writes
    (f_->delayed ? *f_->delayed : kNone).encode(e);
    e.u(f_->patterns.size());
    for (const auto& [k, s] : f_->patterns) {
        e.str(k);
        s.encode(e);
    }
    e.str(std::string_view(f_->packed.get(), f_->packed_size));
    // Format 3: the failures matched to their sends (when any), and the since-when times.
    e.u(f_->matched ? 1 : 0);
    if (f_->matched) {
        f_->matched->of_sends.encode(e);
        f_->matched->arrived.encode(e);
    }
    e.u(f_->first_failed);
    e.u(f_->last_failed);
    e.u(f_->recovered_at);
}

bool Destination::decode(Decoder& d, unsigned format) {
    Destination x;
    x.provider = d.str(kMaxText);
    if (!x.out_rcpts_.decode(d)) return false;
    x.out_messages_ = d.u();
    x.first_seen_ = d.s();
    x.last_outbound_ = d.s();
    x.last_failure_ = d.s();
    std::uint64_t has_f = d.u(1);
    if (d.failed()) return false;
    if (has_f) {
        Failures& f = x.failures();
        Series delayed;
        if (!f.failed.decode(d) || !delayed.decode(d)) return false;
        if (delayed.total() != 0 || delayed.last_minute() != 0)
            f.delayed = std::make_unique<Series>(std::move(delayed));
        std::uint64_t n = d.u(kMaxLabels);
        for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
            std::string k = d.str(kMaxText);
            Series s;
            if (!s.decode(d)) return false;
            f.patterns.emplace_back(std::move(k), std::move(s));
        }
        std::string packed = d.str(64u * 1024 * 1024);
        if (d.failed()) return false;
        // The evidence comes from outside here: it must unpack completely; it is repacked, so
        // that what is kept is always well-formed.
        Evidence ev;
        if (!packed.empty() && !unpack(packed, ev)) return false;
        if (!packed.empty()) x.set_evidence(ev);
        if (format >= 3) {
            if (d.u(1) != 0) {
                f.matched = std::make_unique<Matched>();
                if (!f.matched->of_sends.decode(d) || !f.matched->arrived.decode(d)) return false;
            }
            f.first_failed = static_cast<std::uint32_t>(d.u(UINT32_MAX));
            f.last_failed = static_cast<std::uint32_t>(d.u(UINT32_MAX));
            f.recovered_at = static_cast<std::uint32_t>(d.u(UINT32_MAX));
        } else if (f.failed.total() != 0) {
            // Format 2 knew neither: its failures are unmatched (none arrived matched), and the
            // latest is its latest failure; the first is not known.
            f.last_failed = seconds32(x.last_failure_);
        }
    }
    if (d.failed()) return false;
    *this = std::move(x);
    return true;
}

}  // namespace mxpulse::stats
