// Names of MIME parser bounds and the helper that records a hit once.
#include "mime/limits.hpp"

#include <algorithm>

namespace mxpulse::mime {

// Returns the stable snake_case name of a hit.
std::string_view limit_name(LimitHit hit) {
    switch (hit) {
        case LimitHit::bytes:
            return "bytes";
        case LimitHit::parts:
            return "parts";
        case LimitHit::depth:
            return "depth";
        case LimitHit::headers:
            return "headers";
        case LimitHit::line_length:
            return "line_length";
        case LimitHit::decoded_bytes:
            return "decoded_bytes";
        case LimitHit::bad_base64:
            return "bad_base64";
        case LimitHit::missing_boundary:
            return "missing_boundary";
        case LimitHit::bad_charset:
            return "bad_charset";
    }
    return "unknown";
}

// Adds a hit to the list unless it is already there.
void note_limit(std::vector<LimitHit>& hits, LimitHit hit) {
    if (std::find(hits.begin(), hits.end(), hit) == hits.end()) hits.push_back(hit);
}

}  // namespace mxpulse::mime
