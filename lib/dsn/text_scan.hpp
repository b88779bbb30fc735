// Vendor bounces without a machine-readable part: recipients and their text in the human part.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::dsn {

// A recipient found in human-readable text and the text block that describes it.
struct TextHit {
    std::string address;
    std::string block;
};

// Returns the offset where the returned copy of the original message starts in text (or size).
std::size_t human_text_end(std::string_view text);

// Returns every e-mail address in text in order of first appearance (lower-cased, unique).
std::vector<std::string> find_addresses(std::string_view text);

// Returns the recipients of a vendor bounce's human text (already cut at human_text_end),
// skipping excluded addresses.
std::vector<TextHit> scan_text(std::string_view text, const std::vector<std::string>& exclude,
                               std::size_t max_recipients);

// Returns the text block describing address in text (already cut at human_text_end), or "".
std::string block_for(std::string_view text, std::string_view address);

}  // namespace mxpulse::dsn
