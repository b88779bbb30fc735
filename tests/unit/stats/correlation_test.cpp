// Unit tests of the DSN <-> outbound correlation store: lookup, count bound, age bound.
#include <gtest/gtest.h>

#include "stats/correlation.hpp"

using namespace mxpulse::stats;

TEST(Correlation, FindsByNormalizedMessageId) {
    Correlation c(10, 3600);
    c.remember(" <abc@example.org>", {0, "alice@example.org", {"yahoo.com", "aol.com"}}, 1000);
    auto r = c.find("abc@example.org", 1500);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sent_at, 1000);
    EXPECT_EQ(r->sender, "alice@example.org");
    EXPECT_EQ(r->domains.size(), 2u);
    EXPECT_TRUE(c.find("<abc@example.org>\r\n", 1500));
    EXPECT_FALSE(c.find("other@example.org", 1500));
    EXPECT_FALSE(c.find("", 1500));
}

TEST(Correlation, CountBoundForgetsTheOldest) {
    Correlation c(3, 86400);
    for (int i = 0; i < 5; ++i)
        c.remember("m" + std::to_string(i) + "@x", {0, "s", {}}, 100 + i);
    EXPECT_EQ(c.size(), 3u);
    EXPECT_EQ(c.evicted_count(), 2u);
    EXPECT_FALSE(c.find("m0@x", 200));
    EXPECT_FALSE(c.find("m1@x", 200));
    EXPECT_TRUE(c.find("m4@x", 200));
}

TEST(Correlation, AgeBoundForgetsOldEntries) {
    Correlation c(100, 60);
    c.remember("old@x", {0, "s", {}}, 1000);
    c.remember("new@x", {0, "s", {}}, 1050);
    EXPECT_TRUE(c.find("old@x", 1059));
    EXPECT_FALSE(c.find("old@x", 1061));
    EXPECT_EQ(c.expired_count(), 1u);
    EXPECT_TRUE(c.find("new@x", 1061));
}

TEST(Correlation, BoundsEachRecord) {
    Correlation c(10, 60);
    std::vector<std::string> many(40, "d.example");
    c.remember("a@x", {0, "s", many}, 1);
    EXPECT_EQ(c.find("a@x", 2)->domains.size(), kMaxCorrelationDomains);
    c.remember(std::string(400, 'z'), {0, "s", {}}, 1);
    EXPECT_EQ(c.size(), 1u);
}

TEST(Correlation, ByteBudgetForgetsTheOldest) {
    // Room for about ten records of this size: the budget, not the count, decides.
    Correlation c(1000, 86400, 10 * 160);
    std::string sender(60, 's');
    for (int i = 0; i < 50; ++i)
        c.remember("m" + std::to_string(i) + "@x", {0, sender, {"yahoo.com"}}, 100 + i);
    EXPECT_LE(c.bytes(), 10u * 160);
    EXPECT_GE(c.size(), 5u);
    EXPECT_LT(c.size(), 15u);
    EXPECT_EQ(c.evicted_count(), 50u - c.size());
    EXPECT_FALSE(c.find("m0@x", 200));
    auto last = c.find("m49@x", 200);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->sender, sender);
    EXPECT_EQ(last->domains, std::vector<std::string>{"yahoo.com"});
}

TEST(Correlation, ClaimsArePackedWithinTheBudget) {
    // Claims are kept in the packed record: a count that needs a longer encoding grows the
    // record, and older entries make room so the byte budget still holds.
    Correlation c(1000, 86400, 10 * 160);
    std::string sender(60, 's');
    for (int i = 0; i < 50; ++i)
        c.remember("m" + std::to_string(i) + "@x", {0, sender, {"yahoo.com"}, {300}}, 100 + i);
    std::uint64_t evicted = c.evicted_count();
    for (int i = 0; i < 300; ++i)
        ASSERT_EQ(c.claim("<m49@x>", "yahoo.com", 200), 149) << i;
    EXPECT_FALSE(c.claim("m49@x", "yahoo.com", 200));  // 300 sent, 300 claimed
    EXPECT_FALSE(c.claim("m49@x", "aol.com", 200));    // not sent there
    EXPECT_LE(c.bytes(), 10u * 160);
    EXPECT_GE(c.evicted_count(), evicted);
    auto last = c.find("m49@x", 200);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->rcpts, std::vector<std::uint32_t>{300});
    EXPECT_EQ(last->failed, std::vector<std::uint32_t>{300});
    EXPECT_EQ(last->sender, sender);
}
