// libFuzzer target: arbitrary bytes as a configuration file, through the TOML reader and checks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.hpp"

// Loads the input as a configuration file; a crash, a leak or an accepted file without a config
// are findings.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto result = mxpulse::config::load_string(text, "fuzz.conf");
    volatile bool ok = result.config != nullptr;
    (void)ok;
    return 0;
}
