// Authentication result values shared by SPF, DKIM and DMARC (RFC 8601 vocabulary).
#pragma once

#include <optional>
#include <string_view>

namespace mxpulse::auth {

// One method's result, named as in RFC 8601 / RFC 7208.
enum class Result {
    none,
    pass,
    fail,
    softfail,
    neutral,
    temperror,
    permerror,
    policy,
};

// Lower-case RFC 8601 name of a result.
constexpr std::string_view result_name(Result r) {
    switch (r) {
        case Result::none:
            return "none";
        case Result::pass:
            return "pass";
        case Result::fail:
            return "fail";
        case Result::softfail:
            return "softfail";
        case Result::neutral:
            return "neutral";
        case Result::temperror:
            return "temperror";
        case Result::permerror:
            return "permerror";
        case Result::policy:
            return "policy";
    }
    return "none";
}

// Parses a result name; nullopt when unknown.
std::optional<Result> parse_result(std::string_view name);

}  // namespace mxpulse::auth
