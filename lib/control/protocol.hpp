// The control protocol: one command line in, one JSON document out (documented in mxpulsectl(8)).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxpulse::control {

// A parsed request line: the command word and its arguments.
struct Request {
    std::string command;
    std::vector<std::string> args;
};

// The most arguments a request may carry.
inline constexpr std::size_t kMaxArgs = 32;

// Parses one request line (without its newline); returns nullopt and sets error when malformed.
std::optional<Request> parse_request(std::string_view line, std::string& error);

// Returns the reply line for a successful command: {"ok":true,"command":...,"result":...} and "\n".
std::string ok_reply(std::string_view command, const nlohmann::json& result);

// Returns the reply line for a failed request: {"ok":false,"error":...} and "\n".
std::string error_reply(std::string_view error);

}  // namespace mxpulse::control
