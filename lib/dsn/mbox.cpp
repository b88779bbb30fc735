// Files that hold several messages in mbox form ("From " postmark lines between them).
#include "dsn/mbox.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true when line is a postmark: "From ", a sender, and a time of day "hh:mm".
bool postmark(std::string_view line) {
    if (!line.starts_with("From ") || line.size() > 200) return false;
    const std::size_t colon = line.find(':', 5);
    return colon != std::string_view::npos && colon >= 2 && colon + 2 < line.size() &&
           line[colon - 1] >= '0' && line[colon - 1] <= '9' && line[colon + 1] >= '0' &&
           line[colon + 1] <= '9';
}

// Returns true when the line starting at pos looks like a header field ("Name: value").
bool header_line(std::string_view text, std::size_t pos) {
    std::size_t i = pos;
    while (i < text.size() && i - pos < 80) {
        const char c = text[i];
        if (c == ':') return i > pos;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return false;
        ++i;
    }
    return false;
}

// Returns the line starting at pos, without its line ending.
std::string_view line_at(std::string_view text, std::size_t pos) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
}

}  // namespace

// Returns the messages of an mbox-form text (the whole text when it is not one).
std::vector<std::string_view> split_mbox(std::string_view raw, std::size_t max_messages) {
    std::vector<std::string_view> out;
    if (!postmark(line_at(raw, 0))) return {raw};
    std::size_t start = 0;
    std::size_t pos = 0;
    while (out.size() + 1 < max_messages) {
        const std::size_t at = raw.find("\nFrom ", pos);
        if (at == std::string_view::npos) break;
        pos = at + 1;
        // A postmark follows a blank line (or a closing MIME boundary) and precedes a header.
        const std::size_t prev_start = at == 0 ? 0 : raw.rfind('\n', at - 1);
        const std::string_view prev =
            line_at(raw, prev_start == std::string_view::npos ? 0 : prev_start + 1);
        const bool blank_before =
            prev.empty() || (prev.size() > 4 && prev.starts_with("--") && prev.ends_with("--"));
        const std::string_view line = line_at(raw, at + 1);
        const std::size_t next = at + 1 + line.size();
        const std::size_t after = raw.find('\n', next);
        if (!blank_before || !postmark(line) || after == std::string_view::npos ||
            !header_line(raw, after + 1))
            continue;
        out.push_back(raw.substr(start, at + 1 - start));
        start = at + 1;
    }
    out.push_back(raw.substr(start));
    return out;
}

}  // namespace mxpulse::dsn
