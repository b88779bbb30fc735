// What the milter path hands the evidence store for one returning NDR: a record from the parsed
// report, and the NDR text cut to the store's bound. Cheap: no disk, no parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsn/report.hpp"
#include "evidence/record.hpp"

namespace mxpulse::evidence {

// One recipient as the pipeline counted it.
struct Counted {
    std::string recipient;
    std::string domain;
    std::string provider;
    std::string original_message_id;
    std::string original_sender;  // envelope sender of the correlated original, "" when unknown
};

// Builds the record of an NDR seen at now: the report's fields for each counted recipient
// (recipients the pipeline did not count, such as duplicates, are left out).
Record capture(const dsn::Report& report, const std::vector<Counted>& counted, std::int64_t now,
               std::string_view queue_id, std::string_view bounce_message_id);

}  // namespace mxpulse::evidence
