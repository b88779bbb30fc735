// The bundle's part built from the evidence store.
#include "evidence/kept.hpp"

#include <algorithm>
#include <map>

#include "evidence/bundle.hpp"
#include "evidence/original.hpp"
#include "util/strings.hpp"

namespace mxpulse::evidence {

namespace {

// Returns n with thousands separators ("1,312").
std::string thousands(std::uint64_t n) {
    std::string d = std::to_string(n), out;
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
        out += d[i];
    }
    return out;
}

// Returns the address inside angle brackets, or the whole value trimmed.
std::string bare(std::string_view v) {
    std::size_t lt = v.rfind('<'), gt = v.rfind('>');
    if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
        return std::string(v.substr(lt + 1, gt - lt - 1));
    return std::string(util::trim(v));
}

// Returns the cause chain as one line ("550 5.4.300 ... <- 421 4.4.2 ..."), or the status.
std::string chain_text(const KeptRecipient& k) {
    std::string out;
    for (const std::string& c : k.cause_chain)
        out += (out.empty() ? "" : " <- ") + c;
    if (out.empty()) out = k.status + (k.cause_status.empty() ? "" : " <- " + k.cause_status);
    return out;
}

// Returns true when the kept recipient carries the pattern as a tag or in its status texts.
bool has_pattern(const KeptRecipient& k, const std::string& p) {
    if (p.empty()) return true;
    if (std::find(k.patterns.begin(), k.patterns.end(), p) != k.patterns.end()) return true;
    std::string text = k.status + " " + k.cause_status + " " + chain_text(k) + " " + k.diagnostic;
    return util::ifind(text, p) != std::string_view::npos;
}

// Returns a record as JSON for the bundle: times as ISO 8601, only the selected recipients.
nlohmann::json ndr_json(const Record& r, const Selection& s) {
    nlohmann::json j = to_json(r);
    j["seen_at"] = iso_time(r.seen_at);
    j["seen_at_utc"] = utc_time(r.seen_at);
    nlohmann::json rcpts = nlohmann::json::array();
    for (std::size_t i = 0; i < r.recipients.size(); ++i) {
        if (!selected(s, r.recipients[i])) continue;
        nlohmann::json k = j["recipients"][i];
        k["cause"] = chain_text(r.recipients[i]);
        rcpts.push_back(std::move(k));
    }
    j["recipients"] = rcpts;
    j["sender_domain"] = sender_domain_of(r);
    return j;
}

// The lists a bundle recomputes from every kept NDR.
struct Tally {
    std::map<std::string, std::set<std::string>> recipients;  // by domain
    std::map<std::string, std::uint64_t> statuses, chains;
    std::set<std::string> bounce_ids, original_ids, sender_domains, sending_ips, m365_hosts;
    std::uint64_t failed = 0, delayed = 0;
    std::int64_t first = 0, last = 0;
};

// Counts one selected recipient of r into t.
void tally(Tally& t, const Record& r, const KeptRecipient& k) {
    t.recipients[k.domain].insert(k.recipient);
    ++t.statuses[k.status.empty() ? "(none)" : k.status];
    ++t.chains[chain_text(k)];
    (k.action == "delayed" ? t.delayed : t.failed)++;
    t.first = t.first == 0 ? r.seen_at : std::min(t.first, r.seen_at);
    t.last = std::max(t.last, r.seen_at);
}

// Counts the message-level facts of r into t.
void tally_record(Tally& t, const Record& r) {
    if (!r.bounce_message_id.empty()) t.bounce_ids.insert(r.bounce_message_id);
    if (!r.original_message_id.empty()) t.original_ids.insert(r.original_message_id);
    if (!sender_domain_of(r).empty()) t.sender_domains.insert(sender_domain_of(r));
    if (!r.original.sending_ip.empty()) t.sending_ips.insert(r.original.sending_ip);
    for (const Hop& h : r.original.m365_hosts)
        if (is_m365_host(h.by)) t.m365_hosts.insert(h.by);
}

// Returns a count map as a JSON array of {key, count}, largest first.
nlohmann::json counts(const std::map<std::string, std::uint64_t>& m, const char* key) {
    std::vector<std::pair<std::string, std::uint64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    nlohmann::json a = nlohmann::json::array();
    for (auto& [k, n] : v)
        a.push_back({{key, k}, {"count", n}});
    return a;
}

// Returns what the store lacks for the selection's domains, and the sentence that says so.
nlohmann::json coverage(const Store& store, const Selection& s, const Tally& t,
                        const nlohmann::json& b) {
    std::uint64_t lost = 0;
    std::int64_t newest_lost = 0;
    std::set<std::string> domains = s.domains;
    if (s.scope == "domain") domains = {s.name};
    for (const auto& d : domains) {
        Lost l = store.lost(d);
        lost += l.recipients;
        newest_lost = std::max(newest_lost, l.newest);
    }
    std::uint64_t counted =
        b.value("counts", nlohmann::json::object()).value("failed", std::uint64_t{0});
    std::uint64_t shown = t.failed;
    nlohmann::json st = store.stats();
    std::int64_t oldest = st.value("oldest_kept", std::int64_t{0});
    std::string note = "showing " + thousands(shown) + " of " +
                       thousands(std::max(counted, shown)) + " failed recipients";
    if (oldest) note += "; oldest kept " + iso_time(oldest);
    if (lost)
        note += "; " + thousands(lost) +
                " removed by the store's bounds or refused "
                "(newest removed " +
                iso_time(newest_lost) + ")";
    if (counted > shown + lost)
        note += "; " + thousands(counted - shown - lost) +
                " counted outside this time window, before the store kept them, or filtered out";
    return {{"shown_failed", shown},
            {"shown_delayed", t.delayed},
            {"counted_failed", counted},
            {"lost_failed", lost},
            {"newest_lost", newest_lost ? iso_time(newest_lost) : ""},
            {"oldest_kept", oldest ? iso_time(oldest) : ""},
            {"complete", lost == 0 && counted <= shown},
            {"note", note},
            {"store", st}};
}

// Adds each NDR's kept text to ndrs (in the order of records), up to kMaxExportBytes; returns how
// many were left out beyond that or because their file could not be read.
std::uint64_t add_texts(nlohmann::json& ndrs, const std::vector<Record>& records,
                        const Store& store) {
    std::map<std::string, const Record*> by_file;
    for (const Record& r : records)
        by_file[r.file] = &r;
    std::size_t total = 0;
    std::uint64_t left_out = 0;
    for (auto& n : ndrs) {
        auto it = by_file.find(n["file"].get<std::string>());
        auto text = it == by_file.end() ? std::nullopt : store.text(*it->second);
        if (!text || total + text->size() > kMaxExportBytes) {
            ++left_out;
            continue;
        }
        total += text->size();
        n["text"] = std::move(*text);
    }
    return left_out;
}

}  // namespace

bool selected(const Selection& s, const KeptRecipient& k) {
    bool in_scope = s.scope == "domain" ? k.domain == s.name
                                        : k.provider == s.name || s.domains.count(k.domain) > 0;
    return in_scope && has_pattern(k, s.pattern);
}

std::string sender_domain_of(const Record& r) {
    std::string from = util::address_domain(bare(r.original.from));
    return util::to_lower(from.empty() ? util::address_domain(r.original_sender) : from);
}

void add_kept(nlohmann::json& b, const Store& store, const Selection& s) {
    std::vector<Record> records =
        store.select([&s](const KeptRecipient& k) { return selected(s, k); });
    Tally t;
    nlohmann::json ndrs = nlohmann::json::array();
    for (const Record& r : records) {
        if (r.seen_at < s.since || r.seen_at > s.until) continue;
        if (!s.sender_domain.empty() && sender_domain_of(r) != util::to_lower(s.sender_domain))
            continue;
        for (const KeptRecipient& k : r.recipients)
            if (selected(s, k)) tally(t, r, k);
        tally_record(t, r);
        ndrs.push_back(ndr_json(r, s));
    }
    b["kept"] = coverage(store, s, t, b);
    if (s.texts) b["kept"]["texts_left_out"] = add_texts(ndrs, records, store);
    b["ndrs"] = ndrs;
    nlohmann::json affected = nlohmann::json::object();
    for (const auto& [domain, set] : t.recipients)
        affected[domain.empty() ? "(none)" : domain] = set;
    b["affected_recipients"] = affected;
    b["first_seen"] = t.first ? iso_time(t.first) : "";
    b["last_seen"] = t.last ? iso_time(t.last) : "";
    b["first_seen_utc"] = t.first ? utc_time(t.first) : "";
    b["last_seen_utc"] = t.last ? utc_time(t.last) : "";
    b["kept_by_status"] = counts(t.statuses, "status");
    b["kept_by_cause"] = counts(t.chains, "cause");
    b["message_ids"] = {{"bounces", t.bounce_ids}, {"originals", t.original_ids}};
    b["sender_domains"] = t.sender_domains;
    b["sending_ips"] = t.sending_ips;
    b["m365_hosts"] = t.m365_hosts;
    if (!records.empty() && !ndrs.empty()) {
        const std::string file = ndrs.back()["file"];
        for (auto it = records.rbegin(); it != records.rend(); ++it)
            if (it->file == file) {
                auto text = store.text(*it);
                b["sample_ndr"] = {{"file", file},
                                   {"text", text ? *text : ""},
                                   {"readable", text.has_value()},
                                   {"truncated", it->truncated},
                                   {"ndr_bytes", it->ndr_bytes}};
                break;
            }
    }
}

}  // namespace mxpulse::evidence
