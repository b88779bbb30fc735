// The case-insensitive multi-phrase matcher: lowest matching index and earliest occurrence.
#include <gtest/gtest.h>

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

}  // namespace
