// Authentication result values shared by SPF, DKIM and DMARC (RFC 8601 vocabulary).
#include "auth/result.hpp"

namespace mxpulse::auth {

// Parses a result name.
std::optional<Result> parse_result(std::string_view name) {
    for (Result r : {Result::none, Result::pass, Result::fail, Result::softfail, Result::neutral,
                     Result::temperror, Result::permerror, Result::policy}) {
        if (result_name(r) == name) return r;
    }
    return std::nullopt;
}

}  // namespace mxpulse::auth
