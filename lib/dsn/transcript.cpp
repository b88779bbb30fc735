// SMTP session transcripts in vendor bounces (">>> MAIL From:", "<<< 550 ..."): per-recipient
// context.
#include "dsn/transcript.hpp"

#include <algorithm>

#include "dsn/text_scan.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Lines looked at above a recipient's line.
constexpr int kMaxLinesUp = 12;
// Occurrences of the address tried.
constexpr int kMaxOccurrences = 8;

// Returns the start of the line before the one starting at line_start, or npos at the top.
std::size_t previous_line(std::string_view text, std::size_t line_start) {
    if (line_start == 0) return std::string_view::npos;
    const std::size_t nl =
        line_start >= 2 ? text.rfind('\n', line_start - 2) : std::string_view::npos;
    return nl == std::string_view::npos ? 0 : nl + 1;
}

// Returns true when line names one of the recipients (sorted) other than address.
bool names_other(std::string_view line, std::string_view address,
                 const std::vector<std::string>& sorted) {
    if (line.find('@') == std::string_view::npos) return false;
    for (const auto& a : find_addresses(line))
        if (a != address && std::binary_search(sorted.begin(), sorted.end(), a)) return true;
    return false;
}

}  // namespace

// Returns the transcript lines from the last command sent down to a line naming address.
std::string transcript_context(std::string_view text, std::string_view address,
                               const std::vector<std::string>& recipients) {
    if (text.find(">>> ") == std::string_view::npos) return {};
    std::vector<std::string> sorted = recipients;
    std::sort(sorted.begin(), sorted.end());
    std::size_t from = 0;
    for (int n = 0; n < kMaxOccurrences; ++n) {
        const std::size_t at = util::ifind(text, address, from);
        if (at == std::string_view::npos) return {};
        from = at + address.size();
        const std::size_t nl = text.rfind('\n', at);
        const std::size_t own_start = nl == std::string_view::npos ? 0 : nl + 1;
        std::size_t own_end = text.find('\n', at);
        if (own_end == std::string_view::npos) own_end = text.size();
        std::size_t line = own_start;
        for (int up = 0; up <= kMaxLinesUp && line != std::string_view::npos; ++up) {
            std::size_t end = text.find('\n', line);
            if (end == std::string_view::npos) end = text.size();
            const std::string_view content = util::trim(text.substr(line, end - line));
            if (line != own_start && (content.empty() || names_other(content, address, sorted)))
                break;
            if (content.starts_with(">>> "))
                return util::squash_spaces(text.substr(line, own_end - line));
            line = previous_line(text, line);
        }
    }
    return {};
}

namespace {

// Returns the continuation lines of a reply with code that follow the line ending at pos.
std::string continuation(std::string_view text, std::size_t pos, std::string_view code) {
    std::string out;
    for (int lines = 0; pos != std::string_view::npos && lines < 16; ++lines) {
        const std::size_t start = pos + 1;
        pos = text.find('\n', start);
        std::string_view line = util::trim(
            text.substr(start, (pos == std::string_view::npos ? text.size() : pos) - start));
        if (line.starts_with("<<<")) line = util::trim(line.substr(3));
        if (line.size() < 4 || !line.starts_with(code) || (line[3] != '-' && line[3] != ' ')) break;
        out.push_back(' ');
        out.append(line);
        if (line[3] == ' ') break;  // the last line of the reply
    }
    return out;
}

}  // namespace

// Returns diagnostic with the continuation lines of its multi-line reply from text appended.
std::string complete_reply(std::string_view diagnostic, std::string_view text) {
    const std::string_view d = util::trim(diagnostic);
    if (d.size() < 12 || d[3] != '-' || d[0] < '2' || d[0] > '5') return std::string(diagnostic);
    const std::string_view first = d.substr(0, std::min<std::size_t>(d.size(), 60));
    std::size_t at = text.find(first);
    for (int n = 0; at != std::string_view::npos && n < 4; ++n) {
        const std::string more = continuation(text, text.find('\n', at), d.substr(0, 3));
        if (!more.empty()) return util::squash_spaces(std::string(d) + more);
        at = text.find(first, at + first.size());
    }
    return std::string(diagnostic);
}

}  // namespace mxpulse::dsn
