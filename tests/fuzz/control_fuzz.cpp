// libFuzzer target: arbitrary bytes as control-socket request lines, through parser and replies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/protocol.hpp"

// Parses the input as one request line and renders the reply; crashes and leaks are findings.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto request = mxpulse::control::parse_request(line, error);
    std::string reply;
    if (request) {
        if (request->args.size() > mxpulse::control::kMaxArgs) __builtin_trap();
        nlohmann::json args = request->args;
        reply = mxpulse::control::ok_reply(request->command, args);
    } else {
        if (error.empty()) __builtin_trap();  // a refusal always says why
        reply = mxpulse::control::error_reply(error);
    }
    // A reply is exactly one line of JSON.
    if (reply.empty() || reply.back() != '\n' || reply.find('\n') != reply.size() - 1)
        __builtin_trap();
    (void)nlohmann::json::parse(reply);
    return 0;
}
