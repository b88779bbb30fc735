// Files that hold several messages in mbox form ("From " postmark lines between them).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mxpulse::dsn {

// Returns the messages of an mbox-form text: split at postmark lines ("From sender date")
// that follow a blank line or a closing MIME boundary and precede a header field. A text that does
// not start with a postmark, or holds one message, is returned whole. At most max_messages are
// returned; the last one keeps the rest of the text.
std::vector<std::string_view> split_mbox(std::string_view raw, std::size_t max_messages);

}  // namespace mxpulse::dsn
