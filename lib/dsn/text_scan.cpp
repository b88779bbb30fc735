// Vendor bounces without a machine-readable part: recipients and their text in the human part.
#include "dsn/text_scan.hpp"

#include <algorithm>
#include <array>

#include "dsn/phrase_matcher.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true for a byte allowed in the local part of an address we recognise.
bool local_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-' || c == '=' || c == '\'';
}

// Returns true for a byte allowed in a domain name.
bool domain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

// An address occurrence: its text and where it starts.
struct Occurrence {
    std::string address;
    std::size_t at;
};

// Returns every plausible address occurrence in text, in order.
std::vector<Occurrence> occurrences(std::string_view text) {
    std::vector<Occurrence> out;
    std::size_t pos = 0;
    while ((pos = text.find('@', pos)) != std::string_view::npos) {
        std::size_t l = pos;
        while (l > 0 && local_char(text[l - 1]) && pos - l < 128)
            --l;
        std::size_t r = pos + 1;
        while (r < text.size() && domain_char(text[r]) && r - pos < 256)
            ++r;
        while (l < pos && (text[l] == '.' || text[l] == '\'' || text[l] == '='))
            ++l;
        while (r > pos + 1 && (text[r - 1] == '.' || text[r - 1] == '-'))
            --r;
        const std::string_view domain = text.substr(pos + 1, r - pos - 1);
        if (l < pos && domain.find('.') != std::string_view::npos && domain.front() != '.')
            out.push_back({util::to_lower(text.substr(l, r - l)), l});
        pos = r > pos ? r : pos + 1;
    }
    return out;
}

// Returns 2 when the occurrence at `at` begins a line (after blanks, '<' or quotes), 1 when a
// label such as "Recipient:" or a reply code precedes it on its line, else 0.
int at_line_start(std::string_view text, std::size_t at) {
    std::size_t i = at;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '<' ||
                     text[i - 1] == '"' || text[i - 1] == '*'))
        --i;
    if (i == 0 || text[i - 1] == '\n') return 2;
    const std::size_t line_start = text.rfind('\n', i - 1);
    const std::string_view prefix =
        util::trim(text.substr(line_start == std::string_view::npos ? 0 : line_start + 1,
                               i - (line_start == std::string_view::npos ? 0 : line_start + 1)));
    static constexpr std::array<std::string_view, 10> labels{"to:",
                                                             "recipient:",
                                                             "rcpt:",
                                                             "address:",
                                                             "addressed to:",
                                                             "original-recipient:",
                                                             "target mail address:",
                                                             "failed recipient:",
                                                             "recipient address:",
                                                             "rcpt to:"};
    // "554 <user@example.org>... Host unknown" (sendmail transcripts): a bare reply code.
    if (prefix.size() == 3 && prefix[0] >= '4' && prefix[0] <= '5' && prefix[1] >= '0' &&
        prefix[1] <= '9' && prefix[2] >= '0' && prefix[2] <= '9')
        return 1;
    // A bare "To:" line repeats the returned message's header: no evidence of a failure.
    if (util::iequals(prefix, "to:")) return 0;
    if (prefix.size() <= 40 && prefix.size() >= 3 &&
        util::iequals(prefix.substr(prefix.size() - 3), "to:"))
        return 1;
    for (auto label : labels)
        if (prefix.size() <= 40 && prefix.size() >= label.size() &&
            util::iequals(prefix.substr(prefix.size() - label.size()), label))
            return 1;
    return 0;
}

// Returns true when the address is a system mailbox that never is the failed recipient.
bool system_address(std::string_view a) {
    return a.starts_with("mailer-daemon@") || a.starts_with("postmaster@") ||
           a.find("mailer-daemon") != std::string_view::npos;
}

}  // namespace

// Returns the offset where the returned copy of the original message starts in text (or size).
std::size_t human_text_end(std::string_view text) {
    static constexpr std::array<std::string_view, 20> markers{
        "this is a copy of the message",
        "below this line is a copy of the message",
        "original message follows",
        "----- original message",
        "-----original message",
        "--- original message",
        "returned mail follows",
        "original message header",
        "header of the original message",
        "headers of the original message",
        "unsent message below",
        "message headers follow",
        "\nreturn-path:",
        "\nreceived: from",
        "\nreceived:from",
        "------ this is a copy",
        "content-type: message/rfc822",
        "bounced e-mail:",
        "original message headers",
        "--- the header of the original",
    };
    // One case-insensitive pass finds the earliest marker after the first byte.
    static const PhraseMatcher matcher{std::vector<std::string>(markers.begin(), markers.end())};
    const std::size_t at = matcher.earliest(text, 1);
    return at == PhraseMatcher::npos ? text.size() : at;
}

// Returns every e-mail address in text in order of first appearance (lower-cased, unique).
std::vector<std::string> find_addresses(std::string_view text) {
    std::vector<std::string> out;
    for (auto& o : occurrences(text))
        if (std::find(out.begin(), out.end(), o.address) == out.end()) out.push_back(o.address);
    return out;
}

// Returns the recipients of a vendor bounce's human text, skipping excluded addresses.
std::vector<TextHit> scan_text(std::string_view text, const std::vector<std::string>& exclude,
                               std::size_t max_recipients) {
    std::vector<Occurrence> all = occurrences(text);
    std::vector<std::string> ordered;
    std::vector<std::string> line_start;
    for (const auto& o : all) {
        if (system_address(o.address)) continue;
        const int position = at_line_start(text, o.at);
        const bool line_head = position > 0;
        if (position < 2 && std::find(exclude.begin(), exclude.end(), o.address) != exclude.end())
            continue;
        // "MAIL FROM:<x>" and "from x" name the sender, not a recipient.
        const std::size_t back = o.at >= 12 ? o.at - 12 : 0;
        const std::string_view before = text.substr(back, o.at - back);
        if (util::ifind(before, "from:") != std::string_view::npos ||
            util::ifind(before, "from <") != std::string_view::npos ||
            util::ifind(before, "sender") != std::string_view::npos)
            continue;
        if (std::find(ordered.begin(), ordered.end(), o.address) == ordered.end())
            ordered.push_back(o.address);
        if (line_head &&
            std::find(line_start.begin(), line_start.end(), o.address) == line_start.end())
            line_start.push_back(o.address);
    }
    std::vector<std::string> chosen = line_start;
    if (chosen.empty() && !ordered.empty()) chosen.push_back(ordered.front());
    if (chosen.size() > max_recipients) chosen.resize(max_recipients);
    std::vector<TextHit> out;
    for (const auto& a : chosen)
        out.push_back({a, {}});
    // Each recipient's block runs from the line of its first occurrence to the line of the next
    // occurrence of another chosen recipient: one pass over the occurrences, in text order.
    std::vector<std::pair<std::size_t, std::size_t>> marks;  // (offset, index in out)
    std::vector<std::size_t> first(out.size(), std::string_view::npos);
    for (const auto& o : all) {
        const auto it = std::find(chosen.begin(), chosen.end(), o.address);
        if (it == chosen.end()) continue;
        const auto index = static_cast<std::size_t>(it - chosen.begin());
        marks.emplace_back(o.at, index);
        if (first[index] == std::string_view::npos) first[index] = o.at;
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::size_t at = first[i];
        if (at == std::string_view::npos) continue;
        std::size_t start = text.rfind('\n', at);
        start = start == std::string_view::npos ? 0 : start + 1;
        std::size_t end = text.size();
        const auto next = std::find_if(marks.begin(), marks.end(), [&](const auto& m) {
            return m.first > at && m.second != i;
        });
        if (next != marks.end()) {
            const std::size_t line = text.rfind('\n', next->first);
            const std::size_t cut = line == std::string_view::npos ? next->first : line;
            if (cut > at) end = cut;
        }
        if (end - start > 4096) end = start + 4096;
        out[i].block = util::squash_spaces(text.substr(start, end - start));
    }
    return out;
}

// Returns the text block describing address (its first line up to the next address line), or "".
std::string block_for(std::string_view text, std::string_view address) {
    const std::size_t at = util::ifind(text, address);
    if (at == std::string_view::npos) return {};
    std::size_t start = text.rfind('\n', at);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::size_t end = std::min(text.size(), start + 2048);
    const std::size_t para = text.find("\n\n\n", at);
    if (para != std::string_view::npos && para < end) end = para;
    return util::squash_spaces(text.substr(start, end - start));
}

}  // namespace mxpulse::dsn
