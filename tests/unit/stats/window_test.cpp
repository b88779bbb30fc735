// Unit tests of the rolling-window counter.
#include <gtest/gtest.h>

#include <random>

#include "stats/codec.hpp"
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

// Returns a series made dense first by events more than a day before t0 (which count in no window).
Series dense_from(std::int64_t t0) {
    Series s;
    for (std::int64_t i = 0; i <= static_cast<std::int64_t>(Series::kInline); ++i)
        s.add(t0 - 60 * 48 + i);
    return s;
}

// The sparse form answers every window exactly as the bucket form does, also through merges.
TEST(Series, SparseAndDenseAgreeOnEveryWindow) {
    std::mt19937_64 rng(7);
    const std::int64_t t0 = 29'000'000;
    for (int round = 0; round < 300; ++round) {
        Series sparse, dense = dense_from(t0);
        Series other, other_dense = dense_from(t0);
        std::int64_t m = t0;
        int events = 1 + static_cast<int>(rng() % 6);
        for (int i = 0; i < events; ++i) {
            m += static_cast<std::int64_t>(rng() % 4 == 0 ? rng() % 2000 : rng() % 20);
            std::int64_t at = rng() % 10 == 0 ? m - 5 : m;  // sometimes a clock step back
            auto n = static_cast<std::uint32_t>(1 + rng() % 3);
            bool to_other = rng() % 3 == 0;
            (to_other ? other : sparse).add(at, n);
            (to_other ? other_dense : dense).add(at, n);
        }
        if (rng() % 2) {
            sparse.merge(other);
            dense.merge(other_dense);
        }
        ASSERT_TRUE(dense.dense());
        for (std::int64_t now :
             {m, m + 1, m + 4, m + 14, m + 15, m + 59, m + 61, m + 1439, m + 1500}) {
            for (Window w : {Window::m1, Window::m5, Window::m15, Window::h1, Window::h24}) {
                ASSERT_EQ(sparse.sum(w, now), dense.sum(w, now))
                    << "round " << round << " window " << window_name(w) << " at +" << now - m;
            }
        }
    }
}

TEST(Series, EncodeDecodeRoundTripAndRejectsDamage) {
    Series s;
    s.add(29'000'000, 4);
    s.add(29'000'003, 1);
    Series d = dense_from(29'000'000);
    d.add(29'000'010, 9);
    for (const Series* x : {&s, &d}) {
        std::string bytes;
        Encoder e(bytes);
        x->encode(e);
        Series back;
        Decoder dec(bytes);
        ASSERT_TRUE(back.decode(dec));
        EXPECT_TRUE(dec.done());
        EXPECT_EQ(back.dense(), x->dense());
        EXPECT_EQ(back.total(), x->total());
        for (Window w : {Window::m1, Window::m15, Window::h1, Window::h24})
            EXPECT_EQ(back.sum(w, 29'000'012), x->sum(w, 29'000'012));
        // Every truncation is refused, and leaves the series as it was.
        for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
            Series t = s;
            Decoder short_dec(std::string_view(bytes).substr(0, cut));
            if (t.decode(short_dec)) {
                EXPECT_FALSE(short_dec.done());
            }
        }
    }
    // A minute beyond 2^32 or an event newer than the latest add is malformed.
    std::string bad;
    Encoder e(bad);
    e.u(0);
    e.u(1ull << 40);
    Series t;
    Decoder dec(bad);
    EXPECT_FALSE(t.decode(dec));
}

TEST(Series, SparseSeriesStaysSmall) {
    EXPECT_LE(sizeof(Series), 48u);
    Series s;
    for (int i = 0; i < static_cast<int>(Series::kInline); ++i)
        s.add(29'000'000 + i);
    EXPECT_FALSE(s.dense());
    s.add(29'000'100);
    EXPECT_TRUE(s.dense());
}
