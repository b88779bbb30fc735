// SPF, DKIM and DMARC outcomes of outbound mail, counted per sender domain.
#include "stats/auth_counters.hpp"

#include <algorithm>

#include "stats/codec.hpp"

namespace mxpulse::stats {

namespace {
constexpr std::size_t kMaxName = 1024;
constexpr std::uint64_t kMaxDecoded = 1'000'000;  // sender domains read back at most

// Returns the index of an outcome name; unknown names count as "none".
std::size_t outcome_index(std::string_view name) {
    auto it = std::find(kAuthOutcomes.begin(), kAuthOutcomes.end(), name);
    return it == kAuthOutcomes.end() ? 0 : static_cast<std::size_t>(it - kAuthOutcomes.begin());
}
}  // namespace

void AuthCounters::record(std::string_view sender_domain, std::string_view spf,
                          std::string_view dkim, std::string_view dmarc, std::int64_t now) {
    std::lock_guard lock(mutex_);
    std::string key(sender_domain.empty() ? "(null sender)" : sender_domain);
    auto it = domains_.find(key);
    if (it == domains_.end()) {
        if (domains_.size() >= max_domains_) key = "other";
        it = domains_.try_emplace(key).first;
    }
    Domain& d = it->second;
    ++d.counts[0][outcome_index(spf)];
    ++d.counts[1][outcome_index(dkim)];
    ++d.counts[2][outcome_index(dmarc)];
    d.messages.add(now / 60);
    if (dmarc == "fail") d.dmarc_fail.add(now / 60);
    const std::string_view results[] = {spf, dkim, dmarc};
    for (std::size_t m = 0; m < 3; ++m) {
        if (results[m] == "pass") d.passes[m].add(now / 60);
    }
}

nlohmann::json AuthCounters::report_of(const std::string& name, const Domain& d, std::int64_t now) {
    const char* methods[] = {"spf", "dkim", "dmarc"};
    nlohmann::json windows = nlohmann::json::object();
    for (Window w : {Window::h1, Window::h24, Window::total}) {
        std::uint64_t n = d.messages.sum(w, now / 60);
        nlohmann::json x = {{"messages", n}, {"evaluated", n != 0}};
        for (std::size_t m = 0; m < 3; ++m) {
            std::uint64_t p = d.passes[m].sum(w, now / 60);
            x[methods[m]] = {
                {"pass", p},
                {"pass_rate", n ? nlohmann::json(static_cast<double>(p) / static_cast<double>(n))
                                : nlohmann::json(nullptr)}};
        }
        windows[std::string(window_name(w))] = std::move(x);
    }
    return {{"sender_domain", name},
            {"evaluated", true},
            {"windows", windows},
            {"results", counts_json(d.counts)}};
}

nlohmann::json AuthCounters::report(std::string_view name, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [k, d] : domains_) {
        if (name.empty() || k == name) rows.push_back(report_of(k, d, now));
    }
    std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
        return a["sender_domain"] < b["sender_domain"];
    });
    // A sender domain asked for but never seen sending: not evaluated, no rates.
    if (!name.empty() && rows.empty())
        rows.push_back({{"sender_domain", name}, {"evaluated", false}});
    return {{"domains", rows}};
}

nlohmann::json AuthCounters::counts_json(const Counts& c) {
    nlohmann::json j = nlohmann::json::object();
    const char* names[] = {"spf", "dkim", "dmarc"};
    for (std::size_t m = 0; m < 3; ++m) {
        nlohmann::json o = nlohmann::json::object();
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < kAuthOutcomes.size(); ++i) {
            o[std::string(kAuthOutcomes[i])] = c[m][i];
            total += c[m][i];
        }
        o["messages"] = total;
        o["pass_rate"] =
            total == 0 ? 0.0 : static_cast<double>(c[m][1]) / static_cast<double>(total);
        j[names[m]] = o;
    }
    return j;
}

std::optional<nlohmann::json> AuthCounters::domain(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = domains_.find(std::string(name));
    if (it == domains_.end()) return std::nullopt;
    return counts_json(it->second.counts);
}

nlohmann::json AuthCounters::to_json() const {
    std::lock_guard lock(mutex_);
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, d] : domains_)
        j[name] = counts_json(d.counts);
    return j;
}

std::vector<std::pair<std::string, AuthCounters::Counts>> AuthCounters::totals() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, Counts>> out;
    out.reserve(domains_.size());
    for (const auto& [name, d] : domains_)
        out.emplace_back(name, d.counts);
    return out;
}

std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> AuthCounters::windowed(
    Window w, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> out;
    for (const auto& [name, d] : domains_) {
        std::uint64_t m = d.messages.sum(w, now / 60);
        if (m > 0) out.emplace_back(name, m, d.dmarc_fail.sum(w, now / 60));
    }
    return out;
}

void AuthCounters::merge(Domain& d, const Domain& o) {
    for (std::size_t m = 0; m < 3; ++m) {
        for (std::size_t i = 0; i < kAuthOutcomes.size(); ++i)
            d.counts[m][i] += o.counts[m][i];
        d.passes[m].merge(o.passes[m]);
    }
    d.messages.merge(o.messages);
    d.dmarc_fail.merge(o.dmarc_fail);
}

void AuthCounters::encode(Encoder& e) const {
    std::lock_guard lock(mutex_);
    e.u(domains_.size());
    for (const auto& [name, d] : domains_) {
        e.str(name);
        for (const auto& method : d.counts) {
            for (std::uint64_t n : method)
                e.u(n);
        }
        d.messages.encode(e);
        d.dmarc_fail.encode(e);
        for (const Series& p : d.passes)
            p.encode(e);
    }
}

bool AuthCounters::decode(Decoder& d) {
    std::unordered_map<std::string, Domain> read;
    std::uint64_t n = d.u(kMaxDecoded);
    for (std::uint64_t k = 0; k < n && !d.failed(); ++k) {
        std::string name = d.str(kMaxName);
        Domain x;
        for (auto& method : x.counts) {
            for (std::uint64_t& c : method)
                c = d.u();
        }
        if (!x.messages.decode(d) || !x.dmarc_fail.decode(d)) return false;
        for (Series& p : x.passes) {
            if (!p.decode(d)) return false;
        }
        if (name.empty()) return false;
        // A smaller cap since the file was written: the rest folds into "other", as when counted.
        if (read.size() >= max_domains_ && !read.count(name)) name = "other";
        merge(read[name], x);
    }
    if (d.failed()) return false;
    std::lock_guard lock(mutex_);
    domains_ = std::move(read);
    return true;
}

void AuthCounters::clear() {
    std::lock_guard lock(mutex_);
    domains_.clear();
}

}  // namespace mxpulse::stats
