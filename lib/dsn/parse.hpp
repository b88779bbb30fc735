// The bounce parser's entry point: a whole raw message in, a Report out.
#pragma once

#include <string_view>

#include "dsn/report.hpp"
#include "mime/limits.hpp"

namespace mxpulse::dsn {

// Bounds of one parse: the MIME bounds, the number of recipients kept and of mbox messages.
struct ParseLimits {
    mime::Limits mime;
    std::size_t max_recipients = 1000;
    std::size_t max_messages = 64;  // messages of an mbox-form text
};

// Parses a raw message (headers and body), or each message of an mbox-form text, merging their
// recipients. "Not a bounce" is Report::is_bounce == false.
Report parse(std::string_view raw, const ParseLimits& limits = {});

}  // namespace mxpulse::dsn
