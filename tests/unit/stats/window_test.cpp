// Unit tests of the rolling-window counter.
#include <gtest/gtest.h>

#include "stats/window.hpp"

using namespace mxpulse::stats;

TEST(Series, WindowsCoverTheirMinutes) {
    Series s;
    const std::int64_t t0 = 29'000'000;  // a minute index
    s.add(t0, 3);
    s.add(t0 + 3, 2);
    s.add(t0 + 10, 1);
    EXPECT_EQ(s.sum(Window::m1, t0 + 10), 1u);
    EXPECT_EQ(s.sum(Window::m5, t0 + 10), 1u);
    EXPECT_EQ(s.sum(Window::m15, t0 + 10), 6u);
    EXPECT_EQ(s.sum(Window::m5, t0 + 7), 2u);  // minutes t0+3..t0+7
    EXPECT_EQ(s.sum(Window::m15, t0 + 20), 1u);
    EXPECT_EQ(s.sum(Window::m15, t0 + 40), 0u);
    EXPECT_EQ(s.sum(Window::total, t0 + 10000), 6u);
}

TEST(Series, OldBucketsAreClearedWhenTheRingWraps) {
    Series s;
    const std::int64_t t0 = 29'000'000;
    s.add(t0, 5);
    s.add(t0 + 15, 1);  // same slot as t0 in the 15-minute ring
    EXPECT_EQ(s.sum(Window::m15, t0 + 15), 1u);
    s.add(t0 + 60 * 25, 1);  // more than a day later
    EXPECT_EQ(s.sum(Window::h24, t0 + 60 * 25), 1u);
    EXPECT_EQ(s.total(), 7u);
}

TEST(Series, HourAndDayWindows) {
    Series s;
    const std::int64_t t0 = 29'000'040;  // 29'000'040 / 15 and / 60 are exact
    for (int m = 0; m < 120; ++m)
        s.add(t0 + m);
    EXPECT_EQ(s.sum(Window::h1, t0 + 119), 60u);
    EXPECT_EQ(s.sum(Window::h24, t0 + 119), 120u);
}

TEST(Series, MergeAlignsTime) {
    Series a, b;
    a.add(1000, 2);
    b.add(1005, 3);
    a.merge(b);
    EXPECT_EQ(a.sum(Window::m15, 1005), 5u);
    EXPECT_EQ(a.sum(Window::m1, 1005), 3u);
    EXPECT_EQ(a.total(), 5u);
}

TEST(Series, ParseWindow) {
    EXPECT_EQ(parse_window("15m"), Window::m15);
    EXPECT_EQ(parse_window("24h"), Window::h24);
    EXPECT_FALSE(parse_window("2m"));
}
