// The tag=value list of RFC 6376 3.2, shared by DKIM, DomainKeys, DMARC and the record audit.
#include "util/tag_list.hpp"

#include "util/strings.hpp"

namespace mxpulse::util {

namespace {

// True for the whitespace of FWS (SP, HTAB and the CR LF of a folded line).
bool is_fws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// True for ALPHA.
bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// True for ALNUMPUNC (ALPHA / DIGIT / "_").
bool is_alnumpunc(char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

// True for VALCHAR (%x21-3A / %x3C-7E: printable ASCII except ';').
bool is_valchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && c != ';';
}

// S without FWS at either end.
std::string_view trim_fws(std::string_view s) {
    while (!s.empty() && is_fws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_fws(s.back()))
        s.remove_suffix(1);
    return s;
}

// Checks one tag-spec and appends it to OUT; returns the error, empty when it is valid.
std::string parse_spec(std::string_view spec, TagList& out) {
    std::size_t eq = spec.find('=');
    if (eq == std::string_view::npos)
        return "tag without '=': \"" + std::string(trim_fws(spec).substr(0, 40)) + "\"";
    std::string_view name = trim_fws(spec.substr(0, eq));
    if (name.empty()) return "empty tag name";
    if (!is_alpha(name.front())) return "bad tag name \"" + std::string(name.substr(0, 40)) + "\"";
    for (char c : name) {
        if (!is_alnumpunc(c)) return "bad tag name \"" + std::string(name.substr(0, 40)) + "\"";
    }
    std::string_view value = trim_fws(spec.substr(eq + 1));
    for (char c : value) {
        if (!is_valchar(c) && !is_fws(c)) {
            return "byte 0x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) +
                   std::string(1, "0123456789abcdef"[c & 15]) + " not allowed in the value of " +
                   std::string(name);
        }
    }
    if (out.find(name) != nullptr) return "tag " + std::string(name) + " repeated";
    out.tags.push_back({name, value});
    return {};
}

}  // namespace

// Finds a tag by exact name.
const Tag* TagList::find(std::string_view name) const {
    for (const auto& t : tags) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

// Finds a tag by name ignoring ASCII case.
const Tag* TagList::ifind(std::string_view name) const {
    for (const auto& t : tags) {
        if (iequals(t.name, name)) return &t;
    }
    return nullptr;
}

// The value of NAME or FALLBACK.
std::string_view TagList::get(std::string_view name, std::string_view fallback) const {
    const Tag* t = find(name);
    return t != nullptr ? t->value : fallback;
}

// Splits on ';' and checks each tag-spec; only the last may be empty (the trailing ';').
TagList parse_tag_list(std::string_view text, std::size_t max_tags) {
    TagList out;
    std::size_t pos = 0;
    while (true) {
        std::size_t semi = text.find(';', pos);
        std::string_view spec =
            text.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
        bool last = semi == std::string_view::npos;
        if (trim_fws(spec).empty()) {
            // Allowed only as the empty remainder after a final ';' (or an empty list).
            if (!last) {
                out.error = "empty tag-spec (\";;\" or a leading ';')";
                out.tags.clear();
            }
            return out;
        }
        if (out.tags.size() >= max_tags) {
            out.error = "more than " + std::to_string(max_tags) + " tags";
            out.tags.clear();
            return out;
        }
        out.error = parse_spec(spec, out);
        if (!out.error.empty()) {
            out.tags.clear();
            return out;
        }
        if (last) return out;
        pos = semi + 1;
    }
}

// Drops every FWS character.
std::string strip_fws(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (!is_fws(c)) out += c;
    }
    return out;
}

}  // namespace mxpulse::util
