// A case-insensitive multi-phrase matcher: one pass over a text finds which phrases occur.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::dsn {

// An Aho-Corasick automaton over ASCII-case-folded bytes, compiled to a dense transition table.
// Matching reads each byte of the text once and allocates nothing.
class PhraseMatcher {
  public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Builds the automaton; phrases are matched regardless of ASCII case; empty ones never match.
    explicit PhraseMatcher(const std::vector<std::string>& phrases);

    // Returns the lowest index of a phrase that occurs anywhere in text, or npos.
    std::size_t first_phrase(std::string_view text) const;

    // Returns the offset where the earliest occurrence of any phrase starting at or after
    // min_start begins, or npos.
    std::size_t earliest(std::string_view text, std::size_t min_start = 0) const;

    // Returns the number of phrases the matcher was built from.
    std::size_t size() const { return phrase_count_; }

  private:
    std::array<std::uint8_t, 256> class_of_{};  // byte -> symbol class (0 = in no phrase)
    // byte -> true when a phrase can start with it: from the start state, bytes that cannot
    // are skipped without walking the table
    std::array<bool, 256> starts_{};
    std::size_t classes_ = 1;
    // (state offset + class) -> next state offset (state * classes_), with kOutput set when
    // the next state ends a phrase.
    std::vector<std::uint32_t> next_;
    std::vector<std::uint32_t> best_;     // by state: lowest phrase index ending here
    std::vector<std::uint16_t> longest_;  // by state: longest phrase ending here, 0 = none
    std::size_t phrase_count_ = 0;
    std::size_t max_length_ = 0;
};

}  // namespace mxpulse::dsn
