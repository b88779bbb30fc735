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
PhraseMatcher::PhraseMatcher(const std::vector<std::string>& phrases, std::size_t dense_bytes)
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
        note_start(p);
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
    compile(queue, fail, dense_bytes);
    build_shifts(phrases);
}

// Fills the shifts by which the start state jumps (Wu and Manber's multi-pattern skip, blocks of
// two bytes): every phrase is at least min_length_ bytes long, so a phrase starting at p covers
// the block at p + min_length_ - 2; a block that ends a phrase's first min_length_ bytes j bytes
// before their end allows a jump of at most j, a block in no phrase one of min_length_ - 1.
void PhraseMatcher::build_shifts(const std::vector<std::string>& phrases) {
    min_length_ = 0;
    for (const auto& p : phrases)
        if (!p.empty() && (min_length_ == 0 || p.size() < min_length_)) min_length_ = p.size();
    min_length_ = std::min<std::size_t>(min_length_, 255);
    if (min_length_ < 2) return;
    shift_.assign(classes_ * classes_, static_cast<std::uint8_t>(min_length_ - 1));
    for (const auto& p : phrases) {
        if (p.empty()) continue;
        for (std::size_t j = 1; j < min_length_; ++j) {
            std::uint8_t& at =
                shift_[class_of_[fold(static_cast<unsigned char>(p[j - 1]))] * classes_ +
                       class_of_[fold(static_cast<unsigned char>(p[j]))]];
            at = std::min(at, static_cast<std::uint8_t>(min_length_ - 1 - j));
        }
    }
}

// Returns the first position from p on, before lim, where a phrase of the text ending at end
// can start, or lim.
inline const unsigned char* PhraseMatcher::skip(const unsigned char* p, const unsigned char* lim,
                                                const unsigned char* end) const {
    if (min_length_ < 2) {
        while (p != lim && !can_start(p, end))
            ++p;
        return p;
    }
    while (p < lim) {
        if (static_cast<std::size_t>(end - p) < min_length_) return lim;
        const unsigned char* const block = p + min_length_ - 2;
        const std::uint8_t jump = shift_[class_of_[block[0]] * classes_ + class_of_[block[1]]];
        if (jump == 0 && can_start(p, end)) return p;
        p += jump == 0 ? 1 : jump;
    }
    return lim;
}

// Notes the first byte and the first two bytes of phrase, in either case, as able to start one.
void PhraseMatcher::note_start(std::string_view phrase) {
    const auto cases = [](unsigned char c) {
        const unsigned char f = fold(c);
        return std::array<unsigned char, 2>{
            f, f >= 'a' && f <= 'z' ? static_cast<unsigned char>(f - 'a' + 'A') : f};
    };
    for (unsigned char a : cases(static_cast<unsigned char>(phrase[0]))) {
        starts_[a] = true;
        // A phrase of one byte starts before any byte.
        for (unsigned b = 0; b < 256; ++b)
            if (phrase.size() == 1 || cases(static_cast<unsigned char>(phrase[1]))[0] == fold(b))
                pairs_[(a << 8 | b) / 64] |= std::uint64_t{1} << (b % 64);
    }
}

// Returns true when a phrase can start at p: its first two bytes (or its last byte) allow it.
inline bool PhraseMatcher::can_start(const unsigned char* p, const unsigned char* end) const {
    if (p + 1 == end) return starts_[*p];
    const unsigned pair = static_cast<unsigned>(p[0]) << 8 | p[1];
    return (pairs_[pair / 64] >> (pair % 64)) & 1;
}

// Renumbers the states breadth-first, so that the shallow states most bytes visit come first;
// keeps a full row for as many of them as dense_bytes holds and, for the deeper ones, only the
// entries that differ from their failure state's row (their trie edges) and the failure link.
void PhraseMatcher::compile(const std::vector<std::uint32_t>& queue,
                            const std::vector<std::uint32_t>& fail, std::size_t dense_bytes) {
    const std::size_t states = best_.size();
    std::vector<std::uint32_t> renamed(states, 0);
    std::vector<std::uint32_t> order(states, 0);  // new id -> old id
    for (std::size_t i = 0; i < queue.size(); ++i) {
        renamed[queue[i]] = static_cast<std::uint32_t>(i + 1);
        order[i + 1] = queue[i];
    }
    const std::size_t row_bytes = classes_ * sizeof(std::uint32_t);
    dense_ = std::clamp<std::size_t>(dense_bytes / row_bytes, 1, states);
    dense_end_ = static_cast<std::uint32_t>(dense_ * classes_);
    // A state's offset: id * classes_ for a dense one, dense_end_ + (id - dense_) otherwise;
    // a transition's target carries kOutput when that state ends a phrase.
    const auto offset = [&](std::uint32_t old) {
        const std::uint32_t id = renamed[old];
        return id < dense_ ? static_cast<std::uint32_t>(id * classes_)
                           : static_cast<std::uint32_t>(dense_end_ + (id - dense_));
    };
    const auto target = [&](std::size_t old, std::size_t c) {
        const std::uint32_t to = next_[old * classes_ + c];
        return offset(to) | (best_[to] != kNone ? kOutput : 0);
    };
    std::vector<std::uint32_t> next(dense_end_);
    std::vector<std::uint32_t> best(states);
    std::vector<std::uint16_t> longest(states);
    first_edge_.assign(1, 0);
    for (std::size_t id = 0; id < states; ++id) {
        const std::uint32_t old = order[id];
        best[id] = best_[old];
        longest[id] = longest_[old];
        if (id < dense_) {
            for (std::size_t c = 0; c < classes_; ++c)
                next[id * classes_ + c] = target(old, c);
            continue;
        }
        for (std::size_t c = 0; c < classes_; ++c)
            if (next_[old * classes_ + c] != next_[fail[old] * classes_ + c])
                edges_.push_back({static_cast<std::uint32_t>(c), target(old, c)});
        first_edge_.push_back(static_cast<std::uint32_t>(edges_.size()));
        fail_.push_back(offset(fail[old]));
    }
    next_ = std::move(next);
    best_ = std::move(best);
    longest_ = std::move(longest);
}

// Returns the target of the transition from the state at offset at on symbol class c.
inline std::uint32_t PhraseMatcher::step(std::uint32_t at, std::uint32_t c) const {
    while (at >= dense_end_) {
        const std::uint32_t s = at - dense_end_;
        for (std::uint32_t e = first_edge_[s]; e != first_edge_[s + 1]; ++e)
            if (edges_[e].cls == c) return edges_[e].to;
        at = fail_[s];
    }
    return next_[at + c];
}

// Returns the id of the state at offset at (without kOutput).
inline std::size_t PhraseMatcher::id_of(std::uint32_t at) const {
    return at < dense_end_ ? at / classes_ : dense_ + (at - dense_end_);
}

// Returns the lowest index of a phrase that occurs anywhere in text, or npos.
std::size_t PhraseMatcher::first_phrase(std::string_view text) const {
    std::uint32_t at = 0;
    std::uint32_t best = kNone;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p != end) {
        // In the start state, only where a phrase can start does the automaton leave it.
        if (at == 0) {
            p = skip(p, end, end);
            if (p == end) break;
        }
        at = step(at, class_of_[*p++]);
        if (at & kOutput) {
            at &= ~kOutput;
            best = std::min(best, best_[id_of(at)]);
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
        // In the start state, only where a phrase can start does the automaton leave it.
        if (at == 0) {
            i = static_cast<std::size_t>(skip(data + i, data + limit, data + text.size()) - data);
            if (i >= limit) break;
        }
        at = step(at, class_of_[data[i]]);
        if (!(at & kOutput)) continue;
        at &= ~kOutput;
        const std::size_t len = longest_[id_of(at)];
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
