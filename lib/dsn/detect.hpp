// Cheap checks on the top-level headers: is this message a bounce, and of which kind.
#pragma once

#include <string_view>

#include "dsn/report.hpp"
#include "mime/header.hpp"
#include "mime/message.hpp"

namespace mxpulse::dsn {

// What is known of the envelope sender when the headers are looked at.
enum class Envelope {
    unknown,      // a stored message: only its headers are known
    null_sender,  // MAIL FROM:<>
    sender,       // a real sender: header wording alone does not make a bounce
};

// The top-level header values a cheap bounce check reads (empty when absent).
struct TopHeaders {
    std::string_view content_type;
    std::string_view from;
    std::string_view subject;
    bool failed_recipients = false;  // an X-Failed-Recipients field is present
};

// Returns true when the top-level headers alone say "bounce": a delivery-status report, or
// (unless a real envelope sender is known) another multipart/report, a daemon's From, a bounce
// subject or X-Failed-Recipients. Cheap enough for the milter's pre-filter.
bool looks_like_bounce(const TopHeaders& headers, Envelope envelope = Envelope::unknown);

// The same check on a parsed header block.
bool looks_like_bounce(const mime::HeaderBlock& headers, Envelope envelope = Envelope::unknown);

// Returns the kind of report a parsed message is (Kind::none when it is no bounce).
Kind detect_kind(const mime::Message& msg);

}  // namespace mxpulse::dsn
