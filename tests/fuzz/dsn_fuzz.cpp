// libFuzzer target: arbitrary bytes through the MIME parser and the bounce parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dsn/parse.hpp"

// Parses the input as a whole raw message with small bounds; crashes and leaks are findings.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mxpulse::dsn::ParseLimits limits;
    limits.mime.max_parts = 64;
    limits.mime.max_depth = 12;
    limits.mime.max_headers = 256;
    limits.max_recipients = 64;
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const auto report = mxpulse::dsn::parse(raw, limits);
    volatile std::size_t sink = report.recipients.size();
    (void)sink;
    return 0;
}
