// The bounded MIME entity parser: a raw message in, a flat list of decoded parts out.
#include "mime/message.hpp"

#include <algorithm>

#include "mime/charset.hpp"
#include "mime/transfer.hpp"
#include "util/strings.hpp"

namespace mxpulse::mime {
namespace {

// The state of one parse: limits, output and the decoded-bytes budget.
struct Parser {
    const Limits& limits;
    Message& out;
    std::size_t decoded = 0;

    void entity(std::string_view text, std::size_t depth, bool attached, bool digest_child);
    void multipart(std::string_view body, std::string_view boundary, std::size_t depth,
                   bool attached, bool digest);
    void leaf(Part& part, const HeaderBlock& headers, std::string_view body);
    bool room_for_part();
};

// Returns true when media types of this kind are worth decoding (text-like reports).
bool wants_body(std::string_view type) {
    return type.starts_with("text/") || type.starts_with("message/") || type.empty() ||
           type == "application/octet-stream";
}

// Guesses a boundary from the first "--token" line of body, or "".
std::string guess_boundary(std::string_view body) {
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t nl = body.find('\n', pos);
        if (nl == std::string_view::npos) nl = body.size();
        std::string_view line = util::trim(body.substr(pos, nl - pos));
        if (line.size() > 4 && line.starts_with("--") && line.find(' ') == std::string_view::npos &&
            line[2] != '-')
            return std::string(line.substr(2));
        pos = nl + 1;
    }
    return {};
}

// Finds the next delimiter line "--boundary" at or after from; returns its start or npos.
std::size_t find_delimiter(std::string_view body, std::string_view boundary, std::size_t from) {
    std::string needle = "--";
    needle.append(boundary);
    while (true) {
        const std::size_t at = body.find(needle, from);
        if (at == std::string_view::npos) return at;
        if (at == 0 || body[at - 1] == '\n') return at;
        from = at + 1;
    }
}

// Returns true when a part may still be added; records the hit otherwise.
bool Parser::room_for_part() {
    if (out.parts.size() < limits.max_parts) return true;
    note_limit(out.limits_hit, LimitHit::parts);
    return false;
}

// Decodes a leaf body into part.body when its type is text-like and the budget allows; headers
// are the part's own.
void Parser::leaf(Part& part, const HeaderBlock& headers, std::string_view body) {
    if (!wants_body(part.media_type)) return;
    // Bodies inside a returned message are not needed (its headers are), except the status
    // fields of a bounce that was forwarded as an attachment; skip decoding the others.
    if (part.attached && part.media_type != "text/rfc822-headers" &&
        part.media_type != "text/rfc822-header" && part.media_type != "message/delivery-status" &&
        part.media_type != "message/global-delivery-status")
        return;
    const std::string cte = util::to_lower(util::trim(headers.get("Content-Transfer-Encoding")));
    std::string decoded_body;
    if (cte == "base64") {
        bool broken = false;
        decoded_body = decode_base64(body, broken);
        if (broken) note_limit(out.limits_hit, LimitHit::bad_base64);
    } else if (cte == "quoted-printable") {
        decoded_body = decode_quoted_printable(body);
    } else {
        decoded_body.assign(body);
    }
    const std::string charset = header_param(headers.get("Content-Type"), "charset");
    if (!charset.empty()) {
        bool ok = true;
        convert_to_utf8(decoded_body, charset, ok);
        if (!ok) note_limit(out.limits_hit, LimitHit::bad_charset);
    }
    if (decoded + decoded_body.size() > limits.max_decoded) {
        note_limit(out.limits_hit, LimitHit::decoded_bytes);
        decoded_body.resize(limits.max_decoded > decoded ? limits.max_decoded - decoded : 0);
    }
    decoded += decoded_body.size();
    part.body = std::move(decoded_body);
}

// Splits a multipart body at its delimiters and parses every child entity.
void Parser::multipart(std::string_view body, std::string_view boundary, std::size_t depth,
                       bool attached, bool digest) {
    std::string guessed;
    std::size_t at = boundary.empty() ? std::string_view::npos : find_delimiter(body, boundary, 0);
    if (at == std::string_view::npos) {
        note_limit(out.limits_hit, LimitHit::missing_boundary);
        guessed = guess_boundary(body);
        boundary = guessed;
        at = boundary.empty() ? std::string_view::npos : find_delimiter(body, boundary, 0);
        if (at == std::string_view::npos) {
            // No delimiter at all: treat the whole body as one text part.
            if (!room_for_part()) return;
            Part p;
            p.depth = depth + 1;
            p.media_type = "text/plain";
            p.attached = attached;
            leaf(p, p.headers, body);
            out.parts.push_back(std::move(p));
            return;
        }
    }
    while (at != std::string_view::npos) {
        std::size_t start = at + 2 + boundary.size();
        if (body.substr(start, 2) == "--") return;  // close delimiter
        const std::size_t eol = body.find('\n', start);
        if (eol == std::string_view::npos) break;
        start = eol + 1;
        const std::size_t next = find_delimiter(body, boundary, start);
        std::size_t end = next == std::string_view::npos ? body.size() : next;
        if (next == std::string_view::npos) note_limit(out.limits_hit, LimitHit::missing_boundary);
        if (end > start && body[end - 1] == '\n') --end;  // the CRLF before a delimiter
        if (end > start && body[end - 1] == '\r') --end;
        if (!room_for_part()) return;
        entity(body.substr(start, end - start), depth + 1, attached, digest);
        at = next;
    }
    note_limit(out.limits_hit, LimitHit::missing_boundary);
}

// Parses one entity (header block and body) at depth and appends it and its children.
void Parser::entity(std::string_view text, std::size_t depth, bool attached, bool digest_child) {
    if (!room_for_part()) return;
    Part part;
    part.depth = depth;
    part.attached = attached;
    // The top-level header block goes straight to Message::headers (parts[0] has none).
    HeaderBlock& headers = depth == 0 ? out.headers : part.headers;
    const std::size_t body_at = parse_header_block(text, limits, headers, out.limits_hit);
    const std::string_view body = text.substr(std::min(body_at, text.size()));
    const std::string_view ct = headers.get("Content-Type");
    part.media_type = media_type(ct);
    if (part.media_type.empty() || part.media_type.find('/') == std::string::npos)
        part.media_type = digest_child ? "message/rfc822" : "text/plain";
    const std::string& type = part.media_type;
    const bool nested = type.starts_with("multipart/") || type == "message/rfc822" ||
                        type == "message/global" || type == "message/partial";
    if (nested && depth + 1 >= limits.max_depth) {
        note_limit(out.limits_hit, LimitHit::depth);
        out.parts.push_back(std::move(part));
        return;
    }
    if (type.starts_with("multipart/")) {
        part.is_container = true;
        const std::string boundary = header_param(ct, "boundary");
        out.parts.push_back(std::move(part));
        multipart(body, boundary, depth, attached, type == "multipart/digest");
        return;
    }
    if (type == "message/rfc822" || type == "message/global") {
        const std::string cte =
            util::to_lower(util::trim(headers.get("Content-Transfer-Encoding")));
        part.is_container = true;
        out.parts.push_back(std::move(part));
        if (cte == "base64" || cte == "quoted-printable") {
            bool broken = false;
            const std::string inner =
                cte == "base64" ? decode_base64(body, broken) : decode_quoted_printable(body);
            if (broken) note_limit(out.limits_hit, LimitHit::bad_base64);
            entity(inner, depth + 1, true, false);
            return;
        }
        entity(body, depth + 1, true, false);
        return;
    }
    if (type == "text/rfc822-headers" || type == "text/rfc822-header") part.attached = true;
    leaf(part, headers, body);
    out.parts.push_back(std::move(part));
}

}  // namespace

// Returns true when the parser recorded hit.
bool Message::hit(LimitHit h) const {
    return std::find(limits_hit.begin(), limits_hit.end(), h) != limits_hit.end();
}

// Parses a whole raw message (headers and body, LF or CRLF) within limits. Never throws on input.
Message parse(std::string_view raw, const Limits& limits) {
    Message out;
    if (raw.size() > limits.max_bytes) {
        note_limit(out.limits_hit, LimitHit::bytes);
        raw = raw.substr(0, limits.max_bytes);
    }
    // A bounce has a handful of parts; room for them up front saves regrowing the list.
    out.parts.reserve(std::min<std::size_t>(8, limits.max_parts));
    Parser parser{limits, out};
    parser.entity(raw, 0, false, false);
    return out;
}

}  // namespace mxpulse::mime
