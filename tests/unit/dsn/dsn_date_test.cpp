// Unit tests of the date normaliser: hostile dates give an empty field, never an impossible one.
#include <gtest/gtest.h>

#include "dsn/date.hpp"

using mxpulse::dsn::to_iso8601;

TEST(DateRanges, ValidDatesAreConverted) {
    EXPECT_EQ(to_iso8601("Mon, 02 Sep 2025 12:34:56 +0000"), "2025-09-02T12:34:56+00:00");
    EXPECT_EQ(to_iso8601("Sat, 29 Feb 2024 23:59:60 -1400"), "2024-02-29T23:59:60-14:00");
    EXPECT_EQ(to_iso8601("1 Jan 2026 00:00 +1345"), "2026-01-01T00:00:00+13:45");
    EXPECT_EQ(to_iso8601("Tue, 31 Dec 2030 10:00:00 CET"), "2030-12-31T10:00:00+01:00");
}

// The examples of issue 14, point 9.
TEST(DateRanges, ImpossibleFieldsGiveAnEmptyField) {
    EXPECT_EQ(to_iso8601("Mon, 31 Feb 2025 10:00:00 +0000"), "");  // no 31 February
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 25:61:99 +0000"), "");  // 25:61:99
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 23:61:00 +0000"), "");
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 23:59:61 +0000"), "");
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 10:00:00 +9999"), "");  // was +100:39
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 10:00:00 +0075"), "");  // 75 minutes
    EXPECT_EQ(to_iso8601("Fri, 28 Feb 2025 10:00:00 +1500"), "");  // beyond +14:00
    EXPECT_EQ(to_iso8601("Sat, 29 Feb 2025 10:00:00 +0000"), "");  // 2025 is no leap year
    EXPECT_EQ(to_iso8601("Sun, 0 Mar 2025 10:00:00 +0000"), "");
    EXPECT_EQ(to_iso8601("Sun, 2 Mar 99999 10:00:00 +0000"), "");
    EXPECT_EQ(to_iso8601("Sun, 2 Mar 1066 10:00:00 +0000"), "");
}

TEST(DateRanges, TwoAndThreeDigitYearsFollowRfc5322) {
    EXPECT_EQ(to_iso8601("2 Mar 99 10:00:00 +0000"), "1999-03-02T10:00:00+00:00");  // not 2099
    EXPECT_EQ(to_iso8601("2 Mar 49 10:00:00 +0000"), "2049-03-02T10:00:00+00:00");
    EXPECT_EQ(to_iso8601("2 Mar 50 10:00:00 +0000"), "1950-03-02T10:00:00+00:00");
    EXPECT_EQ(to_iso8601("2 Mar 125 10:00:00 +0000"), "2025-03-02T10:00:00+00:00");
}

TEST(DateRanges, MissingOrUnknownZoneGivesAnEmptyField) {
    EXPECT_EQ(to_iso8601("Mon, 02 Sep 2025 12:34:56"), "");
    EXPECT_EQ(to_iso8601("Mon, 02 Sep 2025 12:34:56 XYZ"), "");
    EXPECT_EQ(to_iso8601("Mon, 02 Sep 2025 12:34:56 +00"), "");
}
