// Header blocks: unfolding, bounded field lists and Content-Type parameters.
#include "mime/header.hpp"

#include "util/strings.hpp"

namespace mxpulse::mime {
namespace {

// Returns the length of the field name at the start of line (up to the colon), or 0.
std::size_t field_name_length(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] > ' ' && line[i] < 127 && line[i] != ':')
        ++i;
    if (i == 0) return 0;
    std::size_t j = i;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t'))
        ++j;
    return (j < line.size() && line[j] == ':') ? i : 0;
}

// Returns the next line of text from pos (without CR/LF) and advances pos past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

// Returns the value of the first field called name (any case), or "".
std::string_view HeaderBlock::get(std::string_view name) const {
    for (const auto& f : fields)
        if (f.name.size() == name.size() && util::iequals(f.name, name)) return f.value;
    return {};
}

// Returns true when a field called name (any case) exists.
bool HeaderBlock::has(std::string_view name) const {
    for (const auto& f : fields)
        if (f.name.size() == name.size() && util::iequals(f.name, name)) return true;
    return false;
}

// Parses the header block at the start of text into out; returns the offset of the body.
std::size_t parse_header_block(std::string_view text, const Limits& limits, HeaderBlock& out,
                               std::vector<LimitHit>& hits) {
    std::size_t pos = 0;
    if (text.starts_with("From ")) next_line(text, pos);  // mbox separator
    out.fields.reserve(16);
    bool dropping = false;
    while (pos < text.size()) {
        const std::size_t line_start = pos;
        std::string_view line = next_line(text, pos);
        if (line.empty()) return pos;
        if (line[0] == ' ' || line[0] == '\t') {
            if (out.fields.empty() || dropping) continue;
            std::string& value = out.fields.back().value;
            const std::string_view more = util::trim(line);
            if (value.size() + more.size() + 1 > limits.max_line) {
                note_limit(hits, LimitHit::line_length);
                continue;
            }
            if (!value.empty() && !more.empty()) value.push_back(' ');
            value.append(more);
            continue;
        }
        const std::size_t name_len = field_name_length(line);
        if (name_len == 0) return line_start;  // not a header line: the body starts here
        if (out.fields.size() >= limits.max_headers) {
            note_limit(hits, LimitHit::headers);
            dropping = true;
            continue;
        }
        dropping = false;
        std::string_view value = line.substr(line.find(':') + 1);
        if (value.size() > limits.max_line) {
            note_limit(hits, LimitHit::line_length);
            value = value.substr(0, limits.max_line);
        }
        out.fields.push_back(
            {std::string(line.substr(0, name_len)), std::string(util::trim(value))});
    }
    return pos;
}

// Returns the lower-case "type/subtype" of a Content-Type value, or "".
std::string media_type(std::string_view content_type) {
    const std::size_t semi = content_type.find(';');
    std::string out = util::to_lower(util::trim(content_type.substr(0, semi)));
    std::string clean;
    for (char c : out)
        if (c != ' ' && c != '\t' && c != '"') clean.push_back(c);
    return clean;
}

// Returns the unquoted value of parameter name in a structured header value, or "".
std::string header_param(std::string_view value, std::string_view name) {
    std::size_t pos = value.find(';');
    while (pos != std::string_view::npos && pos < value.size()) {
        ++pos;
        while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t'))
            ++pos;
        const std::size_t eq = value.find('=', pos);
        if (eq == std::string_view::npos) return {};
        const std::string_view key = util::trim(value.substr(pos, eq - pos));
        std::size_t v = eq + 1;
        while (v < value.size() && (value[v] == ' ' || value[v] == '\t'))
            ++v;
        std::string result;
        std::size_t end = v;
        if (v < value.size() && value[v] == '"') {
            end = v + 1;
            while (end < value.size() && value[end] != '"') {
                if (value[end] == '\\' && end + 1 < value.size()) ++end;
                result.push_back(value[end]);
                ++end;
            }
        } else {
            while (end < value.size() && value[end] != ';' && value[end] != ' ' &&
                   value[end] != '\t')
                result.push_back(value[end++]);
        }
        if (util::iequals(key, name)) return result;
        pos = value.find(';', end);
    }
    return {};
}

}  // namespace mxpulse::mime
