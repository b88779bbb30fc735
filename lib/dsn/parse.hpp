// The bounce parser's entry point: a whole raw message in, a Report out.
#pragma once

#include <string_view>

#include "dsn/report.hpp"
#include "dsn/rules.hpp"
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

// As parse, classifying with rules instead of the embedded table (the corpus test's
// cross-validation runs it with rule subsets).
Report parse(std::string_view raw, const ParseLimits& limits, const RuleSet& rules);

}  // namespace mxpulse::dsn
