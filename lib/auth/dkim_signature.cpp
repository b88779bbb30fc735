// The DKIM-Signature header field (RFC 6376 3.5) read with the shared tag-list parser.
#include "auth/dkim_signature.hpp"

#include "util/tag_list.hpp"

namespace mxpulse::auth {

// Checks the tag-list, the required tags and the version.
DkimSignatureHeader parse_dkim_signature(std::string_view value) {
    DkimSignatureHeader out;
    util::TagList tags = util::parse_tag_list(value);
    if (!tags.ok()) {
        out.error = "DKIM-Signature syntax error: " + tags.error;
        return out;
    }
    out.domain = tags.get("d");
    out.selector = tags.get("s");
    out.algorithm = tags.get("a");
    for (std::string_view required : {"v", "a", "b", "bh", "d", "h", "s"}) {
        if (tags.find(required) == nullptr) {
            out.error = "DKIM-Signature has no " + std::string(required) + "= tag (RFC 6376 3.5)";
            return out;
        }
    }
    if (tags.get("v") != "1") {
        out.error = "DKIM-Signature version v=" + std::string(tags.get("v")) +
                    " is not 1 (RFC 6376 6.1.1: incompatible version)";
    }
    return out;
}

}  // namespace mxpulse::auth
