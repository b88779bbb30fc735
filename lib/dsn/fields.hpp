// RFC 3464 delivery-status fields: per-message and per-recipient groups, tolerant of variants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/header.hpp"

namespace mxpulse::dsn {

// The field groups of one message/delivery-status body.
struct StatusGroups {
    mime::HeaderBlock per_message;
    std::vector<mime::HeaderBlock> per_recipient;
};

// Splits a delivery-status body into its per-message and per-recipient groups.
StatusGroups parse_status_groups(std::string_view body, std::size_t max_recipients);

// Returns the value after an optional "type;" prefix (e.g. "rfc822; a@b" -> "a@b").
std::string strip_type(std::string_view value);

// Returns true when text contains RFC 3464 recipient fields (Final-Recipient/Action/Status).
bool has_status_fields(std::string_view text);

}  // namespace mxpulse::dsn
