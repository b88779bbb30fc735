// Parser for DMARC policy records (RFC 7489 6.3), lenient only where the RFC allows.
#include "auth/dmarc_record.hpp"

#include <charconv>

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

// Lower-cases ASCII.
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Parses none/quarantine/reject.
std::optional<Policy> parse_policy(std::string_view v) {
    std::string l = lower(v);
    if (l == "none") return Policy::none;
    if (l == "quarantine") return Policy::quarantine;
    if (l == "reject") return Policy::reject;
    return std::nullopt;
}

// Parses a comma-separated list of mailto: URIs with optional !size suffix.
bool parse_uris(std::string_view v, std::vector<ReportUri>& out) {
    while (!v.empty()) {
        auto comma = v.find(',');
        std::string_view item = trim(v.substr(0, comma));
        v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
        if (item.empty()) continue;
        if (out.size() >= kMaxUris) return false;
        if (lower(item.substr(0, 7)) != "mailto:") return false;
        item.remove_prefix(7);
        ReportUri u;
        auto bang = item.rfind('!');
        if (bang != std::string_view::npos) {
            std::string_view size = item.substr(bang + 1);
            item = item.substr(0, bang);
            std::uint64_t n = 0;
            auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
            if (ec != std::errc() || p == size.data()) return false;
            std::string_view unit(p, static_cast<std::size_t>(size.data() + size.size() - p));
            std::uint64_t mult = 1;
            if (unit == "k")
                mult = 1ull << 10;
            else if (unit == "m")
                mult = 1ull << 20;
            else if (unit == "g")
                mult = 1ull << 30;
            else if (unit == "t")
                mult = 1ull << 40;
            else if (!unit.empty())
                return false;
            u.max_bytes = n * mult;
        }
        if (item.find('@') == std::string_view::npos) return false;
        u.address = std::string(item);
        out.push_back(std::move(u));
    }
    return true;
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
    DmarcRecord r;
    bool first = true;
    bool has_np = false;
    std::string_view rest = text;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        std::string_view part = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            out.error = "tag without value: " + std::string(part);
            return out;
        }
        std::string tag = lower(trim(part.substr(0, eq)));
        std::string_view value = trim(part.substr(eq + 1));
        if (first) {
            first = false;
            continue;  // v=DMARC1, checked above
        }
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
            std::string l = lower(value);
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
            if (!parse_uris(value, tag == "rua" ? r.rua : r.ruf)) {
                out.error = "bad " + tag + " URI list";
                return out;
            }
        } else if (tag == "fo") {
            r.fo = std::string(value);
        } else if (tag == "rf") {
            if (lower(value) != "afrf" && lower(value) != "iodef") {
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
