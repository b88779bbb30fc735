// Cause chains of expired messages: the last transient error behind an expiry, and pattern tags.
#include "dsn/cause_chain.hpp"

#include <string>

#include "dsn/codes.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// One SMTP error found in text: reply code, status and the text that follows them.
struct Attempt {
    std::string reply_code;
    std::string status;
    std::string text;
};

// Returns the first transient (4xx) attempt in text, or an empty attempt.
Attempt first_transient(std::string_view text) {
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t at = 0;
        const std::string reply = find_reply_code(text, from, &at);
        if (reply.empty()) break;
        from = at + 3;
        if (reply[0] != '4') continue;
        Attempt a;
        a.reply_code = reply;
        std::size_t s_at = 0;
        const std::string status = find_status(text, at + 3, &s_at);
        if (!status.empty() && s_at <= at + 6) a.status = status;
        // The cause text runs to the end of its line, quote or arrow.
        std::size_t end = text.size();
        for (std::string_view stop : {"\n", "'", "\xE2\x86\x92", "->", "]"}) {
            const std::size_t e = text.find(stop, at + 3);
            if (e != std::string_view::npos && e < end) end = e;
        }
        a.text = util::squash_spaces(text.substr(at, std::min(end, at + 300) - at));
        return a;
    }
    return {};
}

// Returns the history section of an Exchange NDR (after "Diagnostic information"), or "".
std::string_view history_section(std::string_view text) {
    const std::size_t at = util::ifind(text, "Diagnostic information for administrators");
    if (at == std::string_view::npos) return {};
    return text.substr(at, 8192);
}

// Returns text lower-cased without spaces, so wrapped words compare whole.
std::string compact_lower(std::string_view text) {
    std::string out;
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(util::lower(c));
    return out;
}

}  // namespace

// Returns true when the recipient's final verdict is an expiry.
bool is_expiry(const Recipient& r) {
    for (const auto& s : {r.status, r.reported_status})
        if (s.starts_with("5.4.") || s == "4.4.7") return true;
    if (r.reason == "expired") return true;
    return util::ifind(r.diagnostic, "message expired") != std::string_view::npos;
}

// Fills the cause fields and patterns of an expired recipient.
void find_cause(Recipient& r, std::string_view history) {
    if (!is_expiry(r)) return;
    Attempt cause = first_transient(r.diagnostic);
    if (cause.reply_code.empty()) cause = first_transient(history_section(history));
    if (cause.reply_code.empty() && r.status.starts_with("4.") && r.status != "4.4.7") {
        cause.status = r.status;
        cause.text = r.diagnostic.substr(0, 300);
    }
    if (cause.reply_code.empty() && cause.status.empty()) return;
    r.cause_status = cause.status;
    r.cause_reply_code = cause.reply_code;
    r.cause_text = cause.text;
    const std::string final_text = compact_lower(r.diagnostic);
    const bool final_5_4_300 = r.status == "5.4.300" || r.reported_status == "5.4.300" ||
                               final_text.find("5.4.300") != std::string::npos ||
                               final_text.find("messageexpired") != std::string::npos;
    const std::string why = compact_lower(cause.text);
    const bool socket_error = why.find("socketerror") != std::string::npos &&
                              why.find("10061") == std::string::npos &&
                              why.find("refused") == std::string::npos;
    if (final_5_4_300 && (cause.reply_code == "421" || cause.status == "4.4.2") && socket_error)
        r.patterns.push_back("m365-socketerror");
}

}  // namespace mxpulse::dsn
