// The original message's headers as an NDR returns them: Received chain, Microsoft 365 hops, IDs.
#include "evidence/original.hpp"

#include <arpa/inet.h>

#include "dsn/date.hpp"
#include "mime/encoded_word.hpp"
#include "mime/message.hpp"
#include "util/strings.hpp"

namespace mxpulse::evidence {

namespace {

constexpr std::size_t kMaxReceived = 64;  // Received: fields kept per original

// Returns the word after the keyword kw (" by ", "from ") in v, or "".
std::string word_after(std::string_view v, std::string_view kw) {
    std::size_t at = util::ifind(v, kw);
    if (at == std::string_view::npos) return {};
    std::size_t b = at + kw.size();
    while (b < v.size() && v[b] == ' ')
        ++b;
    std::size_t e = v.find_first_of(" ;()\t", b);
    return util::to_lower(v.substr(b, (e == std::string_view::npos ? v.size() : e) - b));
}

// Returns the first IPv4 or IPv6 address in text ("[192.0.2.1]", "(2603:10a6::12)"), or "".
std::string first_address(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t b = text.find_first_not_of(" \t[]()=,;", pos);
        if (b == std::string_view::npos) break;
        std::size_t e = text.find_first_of(" \t[]()=,;", b);
        if (e == std::string_view::npos) e = text.size();
        std::string tok(text.substr(b, e - b));
        if (util::to_lower(tok).starts_with("ipv6:")) tok = tok.substr(5);
        unsigned char buf[16];
        if (::inet_pton(AF_INET, tok.c_str(), buf) == 1 ||
            ::inet_pton(AF_INET6, tok.c_str(), buf) == 1)
            return tok;
        pos = e;
    }
    return {};
}

// Returns the header block of the returned original in msg, or nullptr.
const mime::HeaderBlock* find_original(const mime::Message& msg, mime::HeaderBlock& storage) {
    for (std::size_t i = 0; i < msg.parts.size(); ++i) {
        const mime::Part& p = msg.parts[i];
        if ((p.media_type == "message/rfc822" || p.media_type == "message/global") &&
            i + 1 < msg.parts.size())
            return &msg.parts[i + 1].headers;
        if (p.media_type == "text/rfc822-headers" || p.media_type == "text/rfc822-header") {
            std::vector<mime::LimitHit> hits;
            mime::parse_header_block(p.body, mime::Limits{}, storage, hits);
            return &storage;
        }
    }
    return nullptr;
}

// Sets sending_ip: the address that the first server outside Microsoft 365 saw (the newest hop
// written outside it, coming from a Microsoft 365 host), or, without Microsoft 365 hops, the one
// the bouncing server recorded in the newest field.
void find_sending_ip(OriginalHeaders& o, std::string_view reporting_mta) {
    for (const Hop& h : o.hops) {
        if (!is_m365_host(h.by) && is_m365_host(h.from)) {
            o.sending_ip = h.ip;
            return;
        }
        if (is_m365_host(h.by)) break;  // older hops are before the message left
    }
    if (o.m365_hosts.empty() && !o.hops.empty() && !reporting_mta.empty() &&
        o.hops.front().by == util::to_lower(reporting_mta))
        o.sending_ip = o.hops.front().ip;
}

}  // namespace

bool is_m365_host(std::string_view host) {
    std::string h = util::to_lower(host);
    return h.ends_with(".outlook.com") || h == "outlook.com";
}

Hop parse_received(std::string_view value) {
    Hop h;
    h.from = word_after(value, "from ");
    h.by = word_after(value, " by ");
    std::size_t from = util::ifind(value, "from ");
    std::size_t by = util::ifind(value, " by ");
    if (from != std::string_view::npos) {
        std::size_t end = by == std::string_view::npos || by < from ? value.size() : by;
        h.ip = first_address(value.substr(from + 5, end - from - 5));
    }
    return h;
}

OriginalHeaders original_headers(std::string_view raw_ndr, std::string_view reporting_mta) {
    OriginalHeaders o;
    mime::Message msg = mime::parse(raw_ndr);
    mime::HeaderBlock storage;
    const mime::HeaderBlock* h = find_original(msg, storage);
    if (!h || h->fields.empty()) return o;
    o.present = true;
    o.message_id = std::string(util::trim(h->get("Message-ID")));
    o.from = mime::decode_encoded_words(h->get("From"));
    o.sender = std::string(util::trim(h->has("Sender") ? h->get("Sender") : h->get("Return-Path")));
    o.date = util::squash_spaces(h->get("Date"));
    o.sent_at = dsn::to_iso8601(h->get("Date"));
    for (const mime::Field& f : h->fields) {
        if (util::to_lower(f.name) != "received" || o.received.size() >= kMaxReceived) continue;
        o.received.push_back(util::squash_spaces(f.value));
        Hop hop = parse_received(f.value);
        if (is_m365_host(hop.by) || is_m365_host(hop.from)) o.m365_hosts.push_back(hop);
        o.hops.push_back(std::move(hop));
    }
    find_sending_ip(o, reporting_mta);
    return o;
}

}  // namespace mxpulse::evidence
