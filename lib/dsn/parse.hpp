// The bounce parser's entry point: a whole raw message in, a Report out.
#pragma once

#include <string_view>

#include "dsn/report.hpp"
#include "mime/limits.hpp"

namespace mxpulse::dsn {

// Bounds of one parse: the MIME bounds plus the number of recipients kept.
struct ParseLimits {
    mime::Limits mime;
    std::size_t max_recipients = 1000;
};

// Parses a raw message (headers and body). "Not a bounce" is Report::is_bounce == false.
Report parse(std::string_view raw, const ParseLimits& limits = {});

}  // namespace mxpulse::dsn
