// RFC 3464 delivery-status fields: per-message and per-recipient groups, tolerant of variants.
#include "dsn/fields.hpp"

#include "mime/ascii.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true when a header block names a recipient.
bool names_recipient(const mime::HeaderBlock& b) {
    return b.has("Final-Recipient") || b.has("Original-Recipient") || b.has("X-Actual-Recipient");
}

}  // namespace

// Splits a delivery-status body into its per-message and per-recipient groups.
StatusGroups parse_status_groups(std::string_view body, std::size_t max_recipients) {
    StatusGroups out;
    mime::Limits limits;
    std::vector<mime::LimitHit> hits;
    std::size_t pos = 0;
    bool first = true;
    while (pos < body.size()) {
        // Skip blank lines between groups.
        while (pos < body.size() &&
               (body[pos] == '\n' || body[pos] == '\r' || body[pos] == ' ' || body[pos] == '\t')) {
            const std::size_t nl = body.find('\n', pos);
            const std::string_view line =
                body.substr(pos, nl == std::string_view::npos ? body.size() - pos : nl - pos);
            if (!mime::trim(line).empty()) break;
            pos = nl == std::string_view::npos ? body.size() : nl + 1;
        }
        if (pos >= body.size()) break;
        mime::HeaderBlock block;
        const std::size_t used = mime::parse_header_block(body.substr(pos), limits, block, hits);
        if (used == 0) {  // a non-field line: skip it
            const std::size_t nl = body.find('\n', pos);
            pos = nl == std::string_view::npos ? body.size() : nl + 1;
            continue;
        }
        pos += used;
        if (names_recipient(block)) {
            if (out.per_recipient.size() < max_recipients)
                out.per_recipient.push_back(std::move(block));
        } else if (first) {
            out.per_message = std::move(block);
        } else if (!out.per_recipient.empty()) {
            for (auto& f : block.fields)
                out.per_recipient.back().fields.push_back(std::move(f));
        }
        first = false;
    }
    return out;
}

// Returns the value after an optional "type;" prefix (e.g. "rfc822; a@b" -> "a@b").
std::string strip_type(std::string_view value) {
    const std::size_t semi = value.find(';');
    if (semi != std::string_view::npos && semi < 12) value = value.substr(semi + 1);
    std::string out(mime::trim(value));
    if (out.size() >= 2 && out.front() == '<' && out.back() == '>')
        out = out.substr(1, out.size() - 2);
    return out;
}

// Returns true when text contains RFC 3464 recipient fields (Final-Recipient/Action/Status).
bool has_status_fields(std::string_view text) {
    return mime::ifind(text, "Final-Recipient") != std::string_view::npos ||
           (mime::ifind(text, "\nAction:") != std::string_view::npos &&
            mime::ifind(text, "\nStatus:") != std::string_view::npos);
}

}  // namespace mxpulse::dsn
