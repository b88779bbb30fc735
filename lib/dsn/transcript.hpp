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

// Returns diagnostic completed from a transcript in text when it holds only the first line of
// a multi-line reply ("552-5.7.0 ..."): the continuation lines ("<<< 552-...", "552 ...") that
// follow the same first line in text are appended. Returns diagnostic unchanged otherwise.
std::string complete_reply(std::string_view diagnostic, std::string_view text);

}  // namespace mxpulse::dsn
