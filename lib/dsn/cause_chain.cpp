// Cause chains of expired messages: the last transient error behind an expiry, and pattern tags.
#include "dsn/cause_chain.hpp"

#include <array>
#include <string>

#include "dsn/attempts.hpp"
#include "dsn/codes.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Links kept of one chain; Microsoft's have three or four.
constexpr std::size_t kMaxLinks = 8;
// Characters of one link kept.
constexpr std::size_t kMaxLinkText = 300;

// One SMTP error found in text: reply code, status and the text that follows them.
struct Failure {
    std::string reply_code;
    std::string status;
    std::string text;
};

constexpr std::string_view kUnicodeArrow = "\xE2\x86\x92";

// Returns the position of the next chain arrow ("->" or "→") at or after from and its length
// in len, or npos.
std::size_t next_arrow(std::string_view text, std::size_t from, std::size_t& len) {
    const std::size_t ascii = text.find("->", from);
    const std::size_t unicode = text.find(kUnicodeArrow, from);
    if (ascii == std::string_view::npos && unicode == std::string_view::npos)
        return std::string_view::npos;
    if (ascii < unicode) {
        len = 2;
        return ascii;
    }
    len = kUnicodeArrow.size();
    return unicode;
}

// Returns text trimmed of spaces and of the quotes and dots that close a link.
std::string_view trim_link(std::string_view text) {
    text = util::trim(text);
    while (!text.empty() && (text.front() == '\'' || text.front() == '"'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == '\'' || text.back() == '"' || text.back() == ' '))
        text.remove_suffix(1);
    return text;
}

// Reads one link ("451 4.4.397 Error communicating with target host.") into a Failure.
Failure failure_of(std::string_view link) {
    Failure f;
    f.text = util::squash_spaces(link.substr(0, kMaxLinkText));
    std::size_t at = 0;
    const std::string reply = find_reply_code(link, 0, &at);
    if (!reply.empty() && at == 0) f.reply_code = reply;
    std::size_t s_at = 0;
    const std::string status = find_status(link, f.reply_code.empty() ? 0 : 3, &s_at);
    if (!status.empty() && s_at <= (f.reply_code.empty() ? 0 : 5)) f.status = status;
    return f;
}

// Returns the links of the first chain in text, outermost first; empty when text has no arrow
// between two SMTP errors.
std::vector<Failure> chain_links(std::string_view text) {
    std::size_t len = 0;
    const std::size_t first = next_arrow(text, 0, len);
    if (first == std::string_view::npos) return {};
    // The outermost link starts after the quote, bracket, "; " or line break before it.
    std::size_t start = first;
    const std::size_t floor = first > kMaxLinkText ? first - kMaxLinkText : 0;
    while (start > floor) {
        const char c = text[start - 1];
        if (c == '\'' || c == '"' || c == '\n' || c == '[' || c == ';' || c == ']') break;
        --start;
    }
    std::vector<Failure> links;
    std::size_t from = start;
    std::size_t arrow = first;
    while (links.size() < kMaxLinks) {
        const bool last = arrow == std::string_view::npos;
        std::string_view link = text.substr(from, last ? kMaxLinkText : arrow - from);
        if (last) {
            // The innermost link ends at a quote, a bracketed block or the line's end.
            for (std::string_view stop : {"'", "\"", "[", "\n", "\r"}) {
                const std::size_t e = link.find(stop);
                if (e != std::string_view::npos) link = link.substr(0, e);
            }
        }
        link = trim_link(link);
        if (!link.empty()) links.push_back(failure_of(link));
        if (last) break;
        from = arrow + len;
        arrow = next_arrow(text, from, len);
    }
    if (links.size() < 2 || (links.front().reply_code.empty() && links.front().status.empty()))
        return {};
    return links;
}

// Returns the first transient (4xx) failure in text, or an empty failure.
Failure first_transient(std::string_view text) {
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t at = 0;
        const std::string reply = find_reply_code(text, from, &at);
        if (reply.empty()) break;
        from = at + 3;
        if (reply[0] != '4') continue;
        Failure a;
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

// Returns text lower-cased without spaces, so wrapped words compare whole.
std::string compact_lower(std::string_view text) {
    std::string out;
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(util::lower(c));
    return out;
}

// Returns the value of a bracketed block "[NAME=value]" in text, or "".
std::string block_value(std::string_view text, std::string_view name) {
    const std::size_t at = util::ifind(text, "[" + std::string(name) + "=");
    if (at == std::string_view::npos) return {};
    const std::size_t from = at + name.size() + 2;
    const std::size_t end = text.find(']', from);
    if (end == std::string_view::npos || end - from > 255) return {};
    return std::string(util::trim(text.substr(from, end - from)));
}

// Winsock error numbers Microsoft writes inside chains, and what they mean.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kWinsock = {{
    {"10051", "network unreachable"},
    {"10054", "connection reset by peer"},
    {"10060", "connection timed out"},
    {"10061", "connection refused"},
}};

// Returns " (winsock N: meaning)" for the first Winsock number in text, or "".
std::string winsock_note(std::string_view text) {
    for (const auto& [number, meaning] : kWinsock) {
        const std::size_t at = text.find(number);
        if (at == std::string_view::npos) continue;
        // A number of its own, not part of a longer one.
        const bool left = at == 0 || !(text[at - 1] >= '0' && text[at - 1] <= '9');
        const std::size_t after = at + number.size();
        const bool right = after >= text.size() || !(text[after] >= '0' && text[after] <= '9');
        if (left && right)
            return " (winsock " + std::string(number) + ": " + std::string(meaning) + ")";
    }
    return {};
}

}  // namespace

// Returns true when the recipient's final verdict is an expiry.
bool is_expiry(const Recipient& r) {
    for (const auto& s : {r.status, r.reported_status})
        if (s.starts_with("5.4.") || s == "4.4.7") return true;
    if (r.reason == "expired") return true;
    return util::ifind(r.diagnostic, "message expired") != std::string_view::npos;
}

// Fills the remote MTA and its address from Microsoft's bracketed blocks when they are unknown.
void find_endpoint(Recipient& r, std::string_view history) {
    for (std::string_view text : {std::string_view(r.diagnostic), history}) {
        std::string server = block_value(text, "LastAttemptedServerName");
        std::string ip = block_value(text, "LastAttemptedIP");
        if (server.empty() && ip.empty()) continue;
        // "192.0.2.1:25" or "[2001:db8::1]:25": the port goes.
        if (const std::size_t colon = ip.rfind(':');
            colon != std::string::npos && ip.find(':') == colon)
            ip.resize(colon);
        if (r.remote_mta.empty()) r.remote_mta = server.empty() ? ip : server;
        if (r.remote_ip.empty()) r.remote_ip = ip;
        return;
    }
}

// Fills the cause fields and patterns of an expired recipient.
void find_cause(Recipient& r, std::string_view history) {
    find_endpoint(r, history);
    const std::string_view admin = history_section(history);
    r.attempts = read_attempts(admin);
    std::vector<Failure> links = chain_links(r.diagnostic);
    if (links.empty()) links = chain_links(admin);
    Failure cause;
    std::string chain_text;
    if (!links.empty()) {
        // Microsoft's chain: the rightmost link is the root cause, whatever the verdict.
        for (const auto& link : links) {
            r.cause_chain.push_back(link.text);
            chain_text += link.text + ' ';
        }
        // Its text is the cause; a last link without codes ("-> SocketTimedout") takes the
        // codes of the nearest link before it that has them.
        cause.text = links.back().text;
        for (auto link = links.rbegin(); link != links.rend(); ++link)
            if (!link->reply_code.empty() || !link->status.empty()) {
                cause.reply_code = link->reply_code;
                cause.status = link->status;
                break;
            }
    } else {
        if (!is_expiry(r)) return;
        cause = first_transient(r.diagnostic);
        if (cause.reply_code.empty()) cause = first_transient(admin);
        if (cause.reply_code.empty() && r.status.starts_with("4.") && r.status != "4.4.7") {
            cause.status = r.status;
            cause.text = r.diagnostic.substr(0, 300);
        }
        if (cause.reply_code.empty() && cause.status.empty()) return;
        chain_text = cause.text;
    }
    r.cause_status = cause.status;
    r.cause_reply_code = cause.reply_code;
    r.cause_text = cause.text;
    // Microsoft's "[Message=...]" block says what the last link only summarises.
    const std::string message = block_value(r.diagnostic, "Message");
    if (!message.empty() && util::ifind(r.cause_text, message) == std::string_view::npos)
        r.cause_text += " [" + message + "]";
    const std::string note = winsock_note(chain_text + ' ' + message + ' ' + r.diagnostic);
    if (!note.empty()) r.cause_text += note;
    const std::string final_text = compact_lower(r.diagnostic);
    const bool final_5_4_300 = r.status == "5.4.300" || r.reported_status == "5.4.300" ||
                               final_text.find("5.4.300") != std::string::npos ||
                               final_text.find("messageexpired") != std::string::npos;
    // A delay notice with the same cause: the early warning, a day before the expiry.
    const bool delayed_4_4_7 = (r.status == "4.4.7" || r.reported_status == "4.4.7") &&
                               final_text.find("messagedelayed") != std::string::npos;
    const std::string why = compact_lower(cause.text);
    const std::string all = compact_lower(chain_text + ' ' + r.cause_text);
    const bool socket_error = why.find("socketerror") != std::string::npos &&
                              all.find("10061") == std::string::npos &&
                              all.find("refused") == std::string::npos;
    if ((final_5_4_300 || delayed_4_4_7) &&
        (cause.reply_code == "421" || cause.status == "4.4.2") && socket_error)
        r.patterns.push_back("m365-socketerror");
}

}  // namespace mxpulse::dsn
