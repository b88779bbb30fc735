// A case-insensitive multi-phrase matcher: one pass over a text finds which phrases occur.
#include "dsn/phrase_matcher.hpp"

#include <algorithm>
#include <limits>

namespace mxpulse::dsn {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
// Marks a transition into a state that ends a phrase.
constexpr std::uint32_t kOutput = 0x80000000u;

// Returns c with ASCII upper case folded to lower case.
unsigned char fold(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

}  // namespace

// Builds the trie, then the failure links breadth-first, folding them into a full table.
PhraseMatcher::PhraseMatcher(const std::vector<std::string>& phrases)
    : phrase_count_(phrases.size()) {
    // Symbol classes: one per distinct folded byte used in a phrase; class 0 is "any other".
    for (const auto& p : phrases)
        for (unsigned char c : p) {
            const unsigned char f = fold(c);
            if (class_of_[f] == 0 && classes_ < 255)
                class_of_[f] = static_cast<std::uint8_t>(classes_++);
        }
    for (int c = 'A'; c <= 'Z'; ++c)
        class_of_[c] = class_of_[fold(static_cast<unsigned char>(c))];
    // The trie, with kNone for missing edges.
    next_.assign(classes_, kNone);
    best_.assign(1, kNone);
    longest_.assign(1, 0);
    for (std::size_t i = 0; i < phrases.size(); ++i) {
        const std::string& p = phrases[i];
        if (p.empty()) continue;
        const auto first = fold(static_cast<unsigned char>(p.front()));
        starts_[first] = true;
        if (first >= 'a' && first <= 'z') starts_[first - 'a' + 'A'] = true;
        std::uint32_t state = 0;
        for (unsigned char c : p) {
            const std::size_t slot = state * classes_ + class_of_[fold(c)];
            if (next_[slot] == kNone) {
                next_[slot] = static_cast<std::uint32_t>(best_.size());
                next_.resize(next_.size() + classes_, kNone);
                best_.push_back(kNone);
                longest_.push_back(0);
            }
            state = next_[slot];
        }
        best_[state] = std::min<std::uint32_t>(best_[state], static_cast<std::uint32_t>(i));
        longest_[state] = std::max<std::uint16_t>(
            longest_[state], static_cast<std::uint16_t>(std::min<std::size_t>(p.size(), 65535)));
        max_length_ = std::max(max_length_, p.size());
    }
    // Breadth-first: each missing edge takes the edge of the failure state; outputs inherit.
    std::vector<std::uint32_t> fail(best_.size(), 0);
    std::vector<std::uint32_t> queue;
    for (std::size_t c = 0; c < classes_; ++c) {
        std::uint32_t& to = next_[c];
        if (to == kNone) {
            to = 0;
        } else {
            fail[to] = 0;
            queue.push_back(to);
        }
    }
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const std::uint32_t state = queue[head];
        const std::uint32_t f = fail[state];
        best_[state] = std::min(best_[state], best_[f]);
        longest_[state] = std::max(longest_[state], longest_[f]);
        for (std::size_t c = 0; c < classes_; ++c) {
            std::uint32_t& to = next_[state * classes_ + c];
            if (to == kNone) {
                to = next_[f * classes_ + c];
            } else {
                fail[to] = next_[f * classes_ + c];
                queue.push_back(to);
            }
        }
    }
    // Renumber the states breadth-first, so that the shallow states most bytes visit share a
    // few cache lines; then premultiply the targets and flag those that end a phrase.
    const std::size_t states = best_.size();
    std::vector<std::uint32_t> renamed(states, 0);
    for (std::size_t i = 0; i < queue.size(); ++i)
        renamed[queue[i]] = static_cast<std::uint32_t>(i + 1);
    std::vector<std::uint32_t> next(next_.size());
    std::vector<std::uint32_t> best(states);
    std::vector<std::uint16_t> longest(states);
    for (std::size_t old = 0; old < states; ++old) {
        const std::uint32_t id = renamed[old];
        best[id] = best_[old];
        longest[id] = longest_[old];
        for (std::size_t c = 0; c < classes_; ++c) {
            const std::uint32_t to = next_[old * classes_ + c];
            next[id * classes_ + c] = static_cast<std::uint32_t>(renamed[to] * classes_) |
                                      (best_[to] != kNone ? kOutput : 0);
        }
    }
    next_ = std::move(next);
    best_ = std::move(best);
    longest_ = std::move(longest);
}

// Returns the lowest index of a phrase that occurs anywhere in text, or npos.
std::size_t PhraseMatcher::first_phrase(std::string_view text) const {
    std::uint32_t at = 0;
    std::uint32_t best = kNone;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p != end) {
        // In the start state, only a byte that can start a phrase leaves it.
        if (at == 0) {
            while (p != end && !starts_[*p])
                ++p;
            if (p == end) break;
        }
        at = next_[at + class_of_[*p++]];
        if (at & kOutput) {
            at &= ~kOutput;
            best = std::min(best, best_[at / classes_]);
        }
    }
    return best == kNone ? npos : best;
}

// Returns the offset of the earliest occurrence starting at or after min_start, or npos.
std::size_t PhraseMatcher::earliest(std::string_view text, std::size_t min_start) const {
    const auto* const data = reinterpret_cast<const unsigned char*>(text.data());
    std::uint32_t at = 0;
    std::size_t found = npos;
    // Once one occurrence is found, no later one can start before it beyond this point.
    std::size_t limit = text.size();
    for (std::size_t i = 0; i < limit; ++i) {
        // In the start state, only a byte that can start a phrase leaves it.
        if (at == 0) {
            while (i < limit && !starts_[data[i]])
                ++i;
            if (i == limit) break;
        }
        at = next_[at + class_of_[data[i]]];
        if (!(at & kOutput)) continue;
        at &= ~kOutput;
        const std::size_t len = longest_[at / classes_];
        if (i + 1 < len) continue;
        const std::size_t start = i + 1 - len;
        if (start >= min_start && start < found) {
            found = start;
            limit = std::min(limit, found + max_length_);
        }
    }
    return found;
}

}  // namespace mxpulse::dsn
