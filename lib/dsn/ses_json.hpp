// Amazon SES event notifications (JSON bodies, often relayed by SNS): bounces, complaints,
// deliveries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// What one SES notification says: the report kind and its recipients (not yet classified).
struct SesNotice {
    Kind kind = Kind::none;
    std::string reporting_mta;
    std::string arrival_date;  // ISO 8601 with offset
    std::vector<Recipient> recipients;
    OriginalMessage original;
};

// Returns true when a text body starts like an SES (or SNS-wrapped SES) JSON notification.
bool looks_like_ses(std::string_view body);

// Parses an SES notification body; returns nullopt when it is not one, is malformed or nests
// deeper than the bound. Keeps at most max_recipients recipients.
std::optional<SesNotice> parse_ses(std::string_view body, std::size_t max_recipients);

}  // namespace mxpulse::dsn
