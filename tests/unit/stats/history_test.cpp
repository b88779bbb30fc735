// Unit tests of the hourly history: 7 days per hour, bounded by entries, kept in the state file.
#include <gtest/gtest.h>

#include <filesystem>

#include "stats/history.hpp"
#include "stats/state_file.hpp"

using namespace mxpulse::stats;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;  // 2025-10-09T08:53:20Z
}  // namespace

TEST(History, HourlyForSevenDays) {
    History h(10);
    h.record_outbound("yahoo.example", "yahoo", 5, kNow);  // not failing yet: not kept
    EXPECT_FALSE(h.domain("yahoo.example", kNow));
    h.record_failure("yahoo.example", "yahoo", kNow);
    h.record_failure("yahoo.example", "yahoo", kNow + 3600);
    h.record_outbound("yahoo.example", "yahoo", 3, kNow + 3600);
    auto j = *h.domain("yahoo.example", kNow + 3600);
    ASSERT_EQ(j["hours"].size(), 2u);
    EXPECT_EQ(j["hours"][0]["hour"], kNow / 3600 * 3600);
    EXPECT_EQ(j["hours"][1]["failed"], 1);
    EXPECT_EQ(j["hours"][1]["outbound"], 3);
    EXPECT_EQ(j["failed_7d"], 2);
    EXPECT_EQ(j["hour_of_day_failed"][8], 1);  // 08:xx UTC
    EXPECT_EQ(j["hour_of_day_failed"][9], 1);
    EXPECT_EQ((*h.provider("yahoo", kNow + 3600))["failed_7d"], 2);
    // A week later the first hour has left; eight days later both have.
    EXPECT_EQ((*h.domain("yahoo.example", kNow + 7 * 86400))["failed_7d"], 1);
    EXPECT_EQ((*h.domain("yahoo.example", kNow + 8 * 86400))["failed_7d"], 0);
}

TEST(History, BoundedTheLeastFailingLeaves) {
    History h(3);
    for (int i = 0; i < 3; ++i) {
        for (int k = 0; k <= i; ++k)
            EXPECT_FALSE(h.record_failure("d" + std::to_string(i) + ".example", "", kNow));
    }
    EXPECT_TRUE(h.record_failure("new.example", "", kNow));  // d0 (1 failure) leaves
    EXPECT_FALSE(h.domain("d0.example", kNow));
    EXPECT_TRUE(h.domain("d2.example", kNow));
    EXPECT_TRUE(h.domain("new.example", kNow));
    EXPECT_EQ(h.evictions(), 1u);
    EXPECT_EQ(h.size(), 3u);
    History none(0);
    EXPECT_FALSE(none.record_failure("a.example", "p", kNow));
    EXPECT_EQ(none.size(), 0u);
}

TEST(History, KeptInTheStateFile) {
    std::string dir = std::filesystem::temp_directory_path() / "mxpulse-history-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir.data()));
    std::string path = dir + "/state";
    Registry r;
    History h(10);
    for (int i = 0; i < 30; ++i)
        h.record_failure("yahoo.example", "yahoo", kNow + i * 1800);
    h.record_outbound("yahoo.example", "yahoo", 7, kNow + 3600);
    ASSERT_EQ(save_state(path, r, kNow, {}, &h), "");
    History back(10);
    ASSERT_EQ(load_state(path, r, kNow, &back).what, LoadOutcome::What::loaded);
    std::int64_t at = kNow + 30 * 1800;
    EXPECT_EQ(*back.domain("yahoo.example", at), *h.domain("yahoo.example", at));
    EXPECT_EQ(*back.provider("yahoo", at), *h.provider("yahoo", at));
    // A file without history (or read without a table) still loads.
    ASSERT_EQ(save_state(path, r, kNow), "");
    EXPECT_EQ(load_state(path, r, kNow, &back).what, LoadOutcome::What::loaded);
    EXPECT_FALSE(back.domain("yahoo.example", at));
    std::filesystem::remove_all(dir);
}

// The least failing is reckoned over the last 7 days: failures that aged out count no more.
TEST(History, EvictionCountsOnlyTheLastSevenDays) {
    History h(2);
    for (int k = 0; k < 5; ++k)
        h.record_failure("old.example", "", kNow);
    h.record_failure("recent.example", "", kNow + 7 * 86400);
    h.record_failure("recent.example", "", kNow + 7 * 86400);
    EXPECT_TRUE(h.record_failure("new.example", "", kNow + 7 * 86400 + 3600));
    EXPECT_FALSE(h.domain("old.example", kNow + 7 * 86400 + 3600));  // 5 failures, all aged out
    EXPECT_TRUE(h.domain("recent.example", kNow + 7 * 86400 + 3600));
    EXPECT_EQ((*h.domain("recent.example", kNow + 7 * 86400 + 3600))["failed_7d"], 2);
}
