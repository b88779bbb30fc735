// libFuzzer target: the DKIM-Signature, DMARC record and Authentication-Results parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/auth_results_parse.hpp"
#include "auth/dkim_signature.hpp"
#include "auth/dmarc_record.hpp"
#include "util/base64.hpp"
#include "util/tag_list.hpp"

namespace {

// Runs every parser over TEXT; results are only touched so that nothing is optimised away.
void parse_all(std::string_view text) {
    volatile std::size_t sink = 0;
    sink = sink + mxpulse::auth::parse_dkim_signature(text).error.size();
    auto dmarc = mxpulse::auth::parse_dmarc_record(text);
    sink = sink + (dmarc.record ? dmarc.record->rua.size() : dmarc.error.size());
    sink = sink + mxpulse::auth::parse_authentication_results(text).results.size();
    sink = sink + mxpulse::util::parse_tag_list(text).tags.size();
    sink = sink + (mxpulse::util::base64_decode(text) ? 1u : 0u);
    (void)sink;
}

}  // namespace

// The whole input, then each line (after a "Name:" prefix, so that corpus messages and
// vectors.jsonl lines seed the header-value parsers with real values).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    parse_all(in);
    std::size_t pos = 0;
    while (pos < in.size()) {
        std::size_t eol = in.find('\n', pos);
        std::string_view line = in.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        pos = eol == std::string_view::npos ? in.size() : eol + 1;
        if (std::size_t colon = line.find(':'); colon != std::string_view::npos && colon < 40)
            line.remove_prefix(colon + 1);
        parse_all(line);
    }
    return 0;
}
