// Cheap checks on the top-level headers: is this message a bounce, and of which kind.
#pragma once

#include "dsn/report.hpp"
#include "mime/header.hpp"
#include "mime/message.hpp"

namespace mxpulse::dsn {

// Returns true when the top-level headers alone say "bounce" (null sender, daemon From,
// multipart/report, bounce subject). Cheap enough for the milter's direction decision.
bool looks_like_bounce(const mime::HeaderBlock& headers);

// Returns the kind of report a parsed message is (Kind::none when it is no bounce).
Kind detect_kind(const mime::Message& msg);

}  // namespace mxpulse::dsn
