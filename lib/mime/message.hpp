// The bounded MIME entity parser: a raw message in, a flat list of decoded parts out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/header.hpp"
#include "mime/limits.hpp"

namespace mxpulse::mime {

// One entity of the tree, flattened in document order.
struct Part {
    std::size_t depth = 0;      // 0 = the top-level entity
    std::string media_type;     // lower-case "type/subtype"; "text/plain" when absent
    HeaderBlock headers;        // the entity's own header block (the top-level entity's is
                                // Message::headers; parts[0].headers stays empty)
    std::string body;           // decoded (text converted to UTF-8); empty for binary leaves
    bool attached = false;      // inside an attached message (message/rfc822, rfc822-headers)
    bool is_container = false;  // multipart/* or message/rfc822: the body is in later parts
};

// The parse result: the top-level headers, every part and the bounds that were hit.
struct Message {
    HeaderBlock headers;
    std::vector<Part> parts;
    std::vector<LimitHit> limits_hit;

    // Returns true when the parser recorded hit.
    bool hit(LimitHit hit) const;
};

// Parses a whole raw message (headers and body, LF or CRLF) within limits. Never throws on input.
Message parse(std::string_view raw, const Limits& limits = {});

}  // namespace mxpulse::mime
