// SMTP session transcripts in vendor bounces (">>> MAIL From:", "<<< 550 ..."): per-recipient
// context.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::dsn {

// Returns the part of a session transcript that led to a line naming address: from the last
// command sent (">>> ...") above that line down to the line itself, whitespace-folded. The
// search upwards stops at a blank line, at a line naming another of the recipients, or after
// a few lines. Returns "" when no such command is found for any line naming address.
std::string transcript_context(std::string_view text, std::string_view address,
                               const std::vector<std::string>& recipients);

}  // namespace mxpulse::dsn
