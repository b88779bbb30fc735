// What a returning bounce gets at end of message: one header per failed or delayed recipient,
// the configured actions, and the events the registry counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dsn/report.hpp"
#include "stats/destination.hpp"

namespace mxpulse::tagging {

// One failed or delayed recipient of a bounce, ready to count and tag.
struct Tagged {
    std::string domain;  // the recipient's domain, lowercased
    stats::BounceEvent event;
};

// The decisions for one bounce.
struct Plan {
    std::vector<Tagged> recipients;    // every failed or delayed recipient
    std::vector<std::string> headers;  // header values to add (at most tagging.max_headers)
    std::size_t untagged = 0;          // recipients beyond tagging.max_headers
    bool prefix_subject = false;
    bool copy = false;
    bool quarantine = false;
    std::string matched;  // the pattern or reason that triggered an action
};

// Returns true when a report's recipient is a delivery failure or delay worth counting.
bool counts(const dsn::Report& report, const dsn::Recipient& r);

// Returns the header value for one recipient:
// "yahoo.com; reason=expired; status=5.4.300; cause=4.4.2; pattern=m365-socketerror;
// remote-mta=..."
std::string header_value(const Tagged& t);

// Decides headers and actions for a parsed bounce under the configuration.
Plan plan(const dsn::Report& report, const config::Config& c, std::int64_t now);

}  // namespace mxpulse::tagging
