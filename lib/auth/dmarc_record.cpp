// Parser for DMARC policy records (RFC 7489 6.3), lenient only where the RFC allows.
#include "auth/dmarc_record.hpp"

#include <charconv>
#include <limits>

#include "util/strings.hpp"
#include "util/tag_list.hpp"

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxRecord = 4096;
constexpr std::size_t kMaxUris = 16;

// Trims spaces and tabs.
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Parses none/quarantine/reject.
std::optional<Policy> parse_policy(std::string_view v) {
    std::string l = util::to_lower(v);
    if (l == "none") return Policy::none;
    if (l == "quarantine") return Policy::quarantine;
    if (l == "reject") return Policy::reject;
    return std::nullopt;
}

// Reads one "mailto:addr[!size[kmgt]]" URI into U; returns why it is unusable, empty when not.
std::string parse_uri(std::string_view item, ReportUri& u) {
    if (!util::istarts_with(item, "mailto:")) {
        auto colon = item.find(':');
        return colon == std::string_view::npos ? "not a URI" : "unsupported scheme";
    }
    item.remove_prefix(7);
    auto bang = item.rfind('!');
    if (bang != std::string_view::npos) {
        std::string_view size = item.substr(bang + 1);
        item = item.substr(0, bang);
        std::uint64_t n = 0;
        auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
        if (ec != std::errc() || p == size.data()) return "bad size limit";
        std::string unit = util::to_lower(
            std::string_view(p, static_cast<std::size_t>(size.data() + size.size() - p)));
        int shift = unit.empty()  ? 0
                    : unit == "k" ? 10
                    : unit == "m" ? 20
                    : unit == "g" ? 30
                    : unit == "t" ? 40
                                  : -1;
        if (shift < 0) return "bad size unit";
        if (n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return "size limit too large";
        u.max_bytes = n << shift;
    }
    auto at = item.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == item.size())
        return "no address in mailto:";
    u.address = std::string(item);
    return {};
}

// Reads the comma-separated URI list of TAG; unusable URIs go to R.ignored_uris (RFC 7489 6.3).
void parse_uris(std::string_view tag, std::string_view v, std::vector<ReportUri>& out,
                DmarcRecord& r) {
    for (std::string_view raw : util::split(v, ",")) {
        std::string_view item = trim(raw);
        if (item.empty()) continue;
        if (out.size() >= kMaxUris) {
            r.ignored_uris.push_back(std::string(tag) + ": URIs after the first " +
                                     std::to_string(kMaxUris) + " (limit)");
            return;
        }
        ReportUri u;
        std::string why = parse_uri(item, u);
        if (why.empty())
            out.push_back(std::move(u));
        else
            r.ignored_uris.push_back(std::string(tag) + ": " + std::string(item.substr(0, 80)) +
                                     " (" + why + ")");
    }
}

}  // namespace

// Name of a policy.
std::string_view policy_name(Policy p) {
    switch (p) {
        case Policy::none:
            return "none";
        case Policy::quarantine:
            return "quarantine";
        case Policy::reject:
            return "reject";
    }
    return "none";
}

// True when TEXT begins with the v=DMARC1 tag (spaces allowed around '=').
bool looks_like_dmarc(std::string_view text) {
    text = trim(text);
    if (text.empty() || text.front() != 'v') return false;
    text = trim(text.substr(1));
    if (text.empty() || text.front() != '=') return false;
    text = trim(text.substr(1));
    if (text.substr(0, 6) != "DMARC1") return false;
    text = trim(text.substr(6));
    return text.empty() || text.front() == ';';
}

// Parses one DMARC record.
DmarcParse parse_dmarc_record(std::string_view text) {
    DmarcParse out;
    if (text.size() > kMaxRecord) {
        out.error = "record too long";
        return out;
    }
    if (trim(text).empty()) {
        out.error = "empty record";
        return out;
    }
    if (!looks_like_dmarc(text)) {
        out.error = "bad version: v=DMARC1 must come first";
        return out;
    }
    util::TagList tags = util::parse_tag_list(text);
    if (!tags.ok()) {
        out.error = "tag-list syntax error: " + tags.error;
        return out;
    }
    DmarcRecord r;
    bool has_np = false;
    // Tag names are ABNF strings, so case-insensitive (RFC 7489 6.4); v=DMARC1 came first.
    for (std::size_t i = 1; i < tags.tags.size(); ++i) {
        std::string tag = util::to_lower(tags.tags[i].name);
        std::string_view value = tags.tags[i].value;
        if (tag == "p" || tag == "sp" || tag == "np") {
            auto pol = parse_policy(value);
            if (!pol) {
                out.error = "bad " + tag + " value";
                return out;
            }
            if (tag == "p") {
                r.p = *pol;
                r.has_p = true;
            } else if (tag == "sp") {
                r.sp = *pol;
                r.has_sp = true;
            } else {
                r.np = *pol;
                has_np = true;
            }
        } else if (tag == "adkim" || tag == "aspf") {
            std::string l = util::to_lower(value);
            if (l != "r" && l != "s") {
                out.error = "bad " + tag + " value";
                return out;
            }
            (tag == "adkim" ? r.strict_dkim : r.strict_spf) = l == "s";
        } else if (tag == "pct") {
            int n = -1;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || p != value.data() + value.size() || n < 0 || n > 100) {
                out.error = "bad pct value";
                return out;
            }
            r.pct = n;
        } else if (tag == "rua" || tag == "ruf") {
            parse_uris(tag, value, tag == "rua" ? r.rua : r.ruf, r);
        } else if (tag == "fo") {
            r.fo = std::string(value);
        } else if (tag == "rf") {
            if (util::to_lower(value) != "afrf" && util::to_lower(value) != "iodef") {
                out.error = "bad rf value";
                return out;
            }
        } else if (tag == "ri") {
            unsigned long n = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || p != value.data() + value.size()) {
                out.error = "bad ri value";
                return out;
            }
        }
        // Unknown tags are ignored (RFC 7489 6.3).
    }
    if (!r.has_p) {
        // RFC 7489 6.6.3: without p, a record with a valid rua is treated as p=none.
        if (r.rua.empty()) {
            out.error = "missing p tag";
            return out;
        }
    }
    if (!r.has_sp) r.sp = r.p;
    if (!has_np) r.np = r.sp;
    out.record = r;
    return out;
}

}  // namespace mxpulse::auth
