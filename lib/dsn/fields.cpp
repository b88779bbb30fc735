// RFC 3464 delivery-status fields: per-message and per-recipient groups, tolerant of variants.
#include "dsn/fields.hpp"

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true when a header block names a recipient.
bool names_recipient(const mime::HeaderBlock& b) {
    return b.has("Final-Recipient") || b.has("Original-Recipient") || b.has("X-Actual-Recipient");
}

// Returns true for the fields that belong to one recipient's group.
bool recipient_level(std::string_view name) {
    static constexpr std::string_view kNames[] = {
        "Final-Recipient",  "Original-Recipient", "X-Actual-Recipient", "Action",
        "Status",           "Remote-MTA",         "Diagnostic-Code",    "Last-Attempt-Date",
        "Will-Retry-Until", "Final-Log-ID"};
    for (auto n : kNames)
        if (util::iequals(name, n)) return true;
    return false;
}

// Splits a block that may hold several groups without blank lines between them. In the first
// block, the fields before the first recipient-level field go to lead (per-message fields);
// after that, a field name that repeats within the current group starts a new group.
std::vector<mime::HeaderBlock> split_block(mime::HeaderBlock& block, bool first,
                                           mime::HeaderBlock& lead) {
    std::vector<mime::HeaderBlock> groups;
    for (auto& f : block.fields) {
        if (groups.empty() && first && !recipient_level(f.name)) {
            lead.fields.push_back(std::move(f));
            continue;
        }
        if (groups.empty() || groups.back().has(f.name)) groups.emplace_back();
        groups.back().fields.push_back(std::move(f));
    }
    return groups;
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
            if (!util::trim(line).empty()) break;
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
            mime::HeaderBlock lead;
            auto groups = split_block(block, first, lead);
            if (first) out.per_message = std::move(lead);
            for (auto& g : groups) {
                if (!names_recipient(g) && !out.per_recipient.empty()) {
                    // A repeated field inside one recipient's group, not a new group.
                    for (auto& f : g.fields)
                        out.per_recipient.back().fields.push_back(std::move(f));
                } else if (names_recipient(g) && out.per_recipient.size() < max_recipients) {
                    out.per_recipient.push_back(std::move(g));
                }
            }
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
    std::string out(util::trim(value));
    if (out.size() >= 2 && out.front() == '<' && out.back() == '>')
        out = out.substr(1, out.size() - 2);
    return out;
}

// Returns true when text contains RFC 3464 recipient fields (Final-Recipient/Action/Status).
bool has_status_fields(std::string_view text) {
    return util::ifind(text, "Final-Recipient") != std::string_view::npos ||
           (util::ifind(text, "\nAction:") != std::string_view::npos &&
            util::ifind(text, "\nStatus:") != std::string_view::npos);
}

}  // namespace mxpulse::dsn
