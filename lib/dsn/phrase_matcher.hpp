// A case-insensitive multi-phrase matcher: one pass over a text finds which phrases occur.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::dsn {

// An Aho-Corasick automaton over ASCII-case-folded bytes: full transition rows for the shallow
// states, trie edges and failure links for the deep ones.
// Matching reads each byte of the text once and allocates nothing.
class PhraseMatcher {
  public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Bytes of full transition rows kept by default: the rows of the shallow states, which most
    // bytes of a text visit, stay in the first-level cache; deeper states keep their trie edges.
    static constexpr std::size_t kDenseBytes = 32 * 1024;

    // Builds the automaton; phrases are matched regardless of ASCII case; empty ones never match.
    // dense_bytes bounds the full rows (at least the start state's is kept).
    explicit PhraseMatcher(const std::vector<std::string>& phrases,
                           std::size_t dense_bytes = kDenseBytes);

    // Returns the lowest index of a phrase that occurs anywhere in text, or npos.
    std::size_t first_phrase(std::string_view text) const;

    // Returns the offset where the earliest occurrence of any phrase starting at or after
    // min_start begins, or npos.
    std::size_t earliest(std::string_view text, std::size_t min_start = 0) const;

    // Returns the number of phrases the matcher was built from.
    std::size_t size() const { return phrase_count_; }

  private:
    // A transition of a state without a full row: symbol class and target offset.
    struct Edge {
        std::uint32_t cls;
        std::uint32_t to;
    };

    void compile(const std::vector<std::uint32_t>& queue, const std::vector<std::uint32_t>& fail,
                 std::size_t dense_bytes);
    void note_start(std::string_view phrase);
    bool can_start(const unsigned char* p, const unsigned char* end) const;
    void build_shifts(const std::vector<std::string>& phrases);
    const unsigned char* skip(const unsigned char* p, const unsigned char* lim,
                              const unsigned char* end) const;
    std::uint32_t step(std::uint32_t at, std::uint32_t c) const;
    std::size_t id_of(std::uint32_t at) const;

    std::array<std::uint8_t, 256> class_of_{};  // byte -> symbol class (0 = in no phrase)
    // byte -> true when a phrase can start with it: from the start state, bytes that cannot
    // are skipped without walking the table
    std::array<bool, 256> starts_{};
    // (byte << 8 | next byte) -> bit set when a phrase can start with these two bytes: the
    // start state skips most bytes with one look-up, even where the first byte alone is common
    std::array<std::uint64_t, 1024> pairs_{};
    std::size_t min_length_ = 0;  // of the non-empty phrases, at most 255
    // (class of a byte * classes_ + class of the next) -> how far the start state may jump when
    // these two bytes end at p + min_length_ - 1 (used when min_length_ >= 2)
    std::vector<std::uint8_t> shift_;
    std::size_t classes_ = 1;
    // (state offset + class) -> next state offset, with kOutput set when the next state ends a
    // phrase: the full rows of the first dense_ states (offset id * classes_); the others'
    // offsets are dense_end_ + (id - dense_) and their transitions are edges_ (first_edge_[k]
    // to first_edge_[k + 1]), else those of their failure state fail_[k].
    std::vector<std::uint32_t> next_;
    std::size_t dense_ = 1;
    std::uint32_t dense_end_ = 0;
    std::vector<std::uint32_t> first_edge_;
    std::vector<Edge> edges_;
    std::vector<std::uint32_t> fail_;
    std::vector<std::uint32_t> best_;     // by state: lowest phrase index ending here
    std::vector<std::uint16_t> longest_;  // by state: longest phrase ending here, 0 = none
    std::size_t phrase_count_ = 0;
    std::size_t max_length_ = 0;
};

}  // namespace mxpulse::dsn
