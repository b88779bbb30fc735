// The case-insensitive multi-phrase matcher: lowest matching index and earliest occurrence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "dsn/phrase_matcher.hpp"

namespace {

using mxpulse::dsn::PhraseMatcher;

TEST(PhraseMatcher, LowestIndexWinsWhateverThePosition) {
    const PhraseMatcher m({"user unknown", "unknown", "mailbox full", "box"});
    EXPECT_EQ(m.first_phrase("550 5.1.1 <a@b>... User Unknown"), 0u);
    EXPECT_EQ(m.first_phrase("unknown host"), 1u);
    EXPECT_EQ(m.first_phrase("MAILBOX FULL, unknown"), 1u);
    EXPECT_EQ(m.first_phrase("a mailbox full"), 2u);
    EXPECT_EQ(m.first_phrase("inbox"), 3u);
    EXPECT_EQ(m.first_phrase("nothing here"), PhraseMatcher::npos);
    EXPECT_EQ(m.first_phrase(""), PhraseMatcher::npos);
}

TEST(PhraseMatcher, OverlappingSuffixesAreFound) {
    // "he" ends inside "she" and "hers": every output reachable through failure links counts.
    const PhraseMatcher m({"hers", "he", "she", "his"});
    EXPECT_EQ(m.first_phrase("ushers"), 0u);
    EXPECT_EQ(m.first_phrase("ushe"), 1u);
    EXPECT_EQ(m.first_phrase("this"), 3u);
}

TEST(PhraseMatcher, EarliestOccurrence) {
    const PhraseMatcher m({"original message", "\nreturn-path:", "copy"});
    const std::string text = "Failed.\nA COPY follows.\n----- Original Message -----\n";
    EXPECT_EQ(m.earliest(text), text.find("COPY"));
    EXPECT_EQ(m.earliest("copy at start, copy later", 1), 15u);
    EXPECT_EQ(m.earliest("no marker"), PhraseMatcher::npos);
    EXPECT_EQ(m.earliest("x\nReturn-Path: <>"), 1u);
}

TEST(PhraseMatcher, BytesOutsideThePhrasesAndEmptyPhrases) {
    const PhraseMatcher m({"", "\xE2\x86\x92", "ok"});
    EXPECT_EQ(m.first_phrase("5.4.300 \xE2\x86\x92 4.4.2"), 1u);
    EXPECT_EQ(m.first_phrase(std::string("\0\xff ok", 5)), 2u);
    EXPECT_EQ(m.size(), 3u);
}

TEST(PhraseMatcher, OneBytePhrasesAndPhrasesAtTheLastByte) {
    // The start state skips by byte pairs: a phrase of one byte, or one ending the text, is
    // still found.
    const PhraseMatcher m({"xy", "q", "Zz"});
    EXPECT_EQ(m.first_phrase("q"), 1u);
    EXPECT_EQ(m.first_phrase("aQ"), 1u);
    EXPECT_EQ(m.first_phrase("Qa xY"), 0u);
    EXPECT_EQ(m.first_phrase("zZ"), 2u);
    EXPECT_EQ(m.first_phrase("abz"), PhraseMatcher::npos);
    EXPECT_EQ(m.earliest("ab Q"), 3u);
    EXPECT_EQ(m.earliest("abXY"), 2u);
}

// The reference: the lowest index of a phrase in text, or the earliest start, by plain search.
std::string folded(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

TEST(PhraseMatcher, SameAnswersWithFullRowsOrEdgesOnly) {
    // Texts over a small alphabet, so that phrases overlap and fail over often; the matcher
    // with full rows for every state, with the default rows and with the start state's row only
    // must all agree with a plain search. The shortest phrase varies, and with it the start
    // state's jumps.
    std::mt19937 rng(12);
    const std::string alphabet = "abAB c-\n";
    const auto word = [&](std::size_t min, std::size_t max) {
        std::string w(min + rng() % (max - min + 1), ' ');
        for (auto& c : w)
            c = alphabet[rng() % alphabet.size()];
        return w;
    };
    for (int round = 0; round < 200; ++round) {
        std::vector<std::string> phrases;
        const std::size_t shortest = 1 + rng() % 6;
        for (int i = 0, n = 1 + static_cast<int>(rng() % 12); i < n; ++i)
            phrases.push_back(word(shortest, shortest + 5));
        const PhraseMatcher full(phrases, 1u << 30), normal(phrases), edges(phrases, 0);
        for (int t = 0; t < 20; ++t) {
            const std::string text = word(0, 80);
            const std::string lower = folded(text);
            std::size_t first = PhraseMatcher::npos, earliest = PhraseMatcher::npos;
            for (std::size_t i = 0; i < phrases.size(); ++i) {
                const std::size_t at = lower.find(folded(phrases[i]));
                if (at == std::string::npos) continue;
                first = std::min(first, i);
                earliest = std::min(earliest, at);
            }
            for (const PhraseMatcher* m : {&full, &normal, &edges}) {
                EXPECT_EQ(m->first_phrase(text), first) << text;
                EXPECT_EQ(m->earliest(text), earliest) << text;
            }
        }
    }
}

}  // namespace
