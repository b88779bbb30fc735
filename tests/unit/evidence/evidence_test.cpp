// Unit tests of lib/evidence: the bundle from a real registry, the window filter, text and CSV.
#include <gtest/gtest.h>

#include "evidence/bundle.hpp"
#include "evidence/format.hpp"

using namespace mxpulse;

namespace {
constexpr std::int64_t kNow = 1'700'000'000;

// Returns a failed 5.4.300 <- 4.4.2 recipient seen at a time.
stats::BounceEvent expired(const std::string& rcpt, std::int64_t at, const std::string& n) {
    stats::BounceEvent e;
    e.recipient = rcpt;
    e.action = "failed";
    e.status = "5.4.300";
    e.cause_status = "4.4.2";
    e.diagnostic = "550 5.4.300 Message expired, 421 4.4.2 Connection dropped due to SocketError";
    e.remote_mta = "mx-eu.mail.yahoo.com";
    e.last_attempt = "2023-11-14T22:10:00+00:00";
    e.bounce_message_id = "<bounce" + n + "@gw.example>";
    e.original_message_id = "<orig" + n + "@example.org>";
    e.seen_at = at;
    e.time_to_bounce_s = 3600;
    return e;
}

// A registry with yahoo.com and aol.com behind one provider, and some older noise; every failure
// is matched to its send at kNow - 600 (as Correlation::claim() does).
struct Fixture {
    stats::Registry r;
    Fixture() {
        r.record_outbound("yahoo.com", "yahoodns.net", 10, kNow - 600);
        r.record_outbound("aol.com", "yahoodns.net", 2, kNow - 600);
        r.record_bounce("yahoo.com", "yahoodns.net", expired("a@yahoo.com", kNow - 300, "1"),
                        kNow - 300, kNow - 600);
        r.record_bounce("yahoo.com", "yahoodns.net", expired("b@yahoo.com", kNow - 200, "2"),
                        kNow - 200, kNow - 600);
        r.record_bounce("aol.com", "yahoodns.net", expired("c@aol.com", kNow - 100, "3"),
                        kNow - 100, kNow - 600);
        r.record_bounce("aol.com", "yahoodns.net", expired("old@aol.com", kNow - 3 * 86400, "4"),
                        kNow - 100, kNow - 600);
    }
};
}  // namespace

TEST(Evidence, ProviderBundleIsComplete) {
    Fixture f;
    auto b = evidence::build_from(f.r, {"yahoodns.net", 48 * 3600, kNow});
    ASSERT_TRUE(b);
    EXPECT_EQ((*b)["scope"], "provider");
    EXPECT_EQ((*b)["domains"], nlohmann::json({"aol.com", "yahoo.com"}));
    EXPECT_EQ((*b)["affected_recipients"]["yahoo.com"],
              nlohmann::json({"a@yahoo.com", "b@yahoo.com"}));
    EXPECT_EQ((*b)["affected_recipients"]["aol.com"], nlohmann::json({"c@aol.com"}));
    EXPECT_EQ((*b)["samples"].size(), 3u);  // the 3-day-old sample is outside the window
    EXPECT_EQ((*b)["samples"][0]["recipient"], "c@aol.com");  // newest first
    EXPECT_EQ((*b)["samples"][0]["remote_mta"], "mx-eu.mail.yahoo.com");
    EXPECT_EQ((*b)["counts"]["outbound_rcpts"], 12);
    EXPECT_EQ((*b)["counts"]["failed"], 4);
    EXPECT_EQ((*b)["by_status"][0]["status"], "5.4.300");
    EXPECT_EQ((*b)["by_status"][0]["count"], 4);
    EXPECT_EQ((*b)["message_ids"]["originals"].size(), 3u);
    EXPECT_EQ((*b)["pattern"], "intermittent");
    EXPECT_TRUE(
        (*b)["outbound_auth"].is_object());  // filled by the control command from the auth counters
    EXPECT_TRUE(b->contains("outbound_auth"));
    std::string summary = (*b)["summary"];
    EXPECT_NE(summary.find("5.4.300 (4)"), std::string::npos) << summary;
    EXPECT_NE(summary.find("4.4.2"), std::string::npos) << summary;
    EXPECT_NE(summary.find("intermittent"), std::string::npos) << summary;
    EXPECT_NE(summary.find("since the counters started"), std::string::npos) << summary;
    EXPECT_NE(summary.find("(failure rate 33.3% of the 12 recipient(s) sent)"), std::string::npos)
        << summary;
    EXPECT_NE(summary.find("First seen " + evidence::iso_time(kNow - 300)), std::string::npos);
    EXPECT_EQ((*b)["time_window"]["since"], evidence::iso_time(kNow - 48 * 3600));
    EXPECT_FALSE((*b)["time_window"]["time_zone"].get<std::string>().empty());
}

TEST(Evidence, DomainFirstAndUnknownNames) {
    Fixture f;
    auto b = evidence::build_from(f.r, {"aol.com", 3600, kNow});
    ASSERT_TRUE(b);
    EXPECT_EQ((*b)["scope"], "domain");
    EXPECT_EQ((*b)["provider"], "yahoodns.net");
    EXPECT_EQ((*b)["counts"]["window"], "1h");
    EXPECT_EQ((*b)["pattern"], "persistent");  // 2 of 2 recipients failed
    EXPECT_FALSE(evidence::build_from(f.r, {"nowhere.example", 3600, kNow}));
}

TEST(Evidence, RateIsOverSendsAndNeverAboveOne) {
    // One recipient sent, three failures of which two match no send: over arrivals this was 300 %.
    stats::Registry r;
    r.record_outbound("x.example", "x.example", 1, kNow - 600);
    r.record_bounce("x.example", "x.example", expired("a@x.example", kNow - 300, "1"), kNow - 300,
                    kNow - 600);
    r.record_bounce("x.example", "x.example", expired("b@x.example", kNow - 200, "2"), kNow - 200);
    r.record_bounce("x.example", "x.example", expired("c@x.example", kNow - 100, "3"), kNow - 100);
    auto b = evidence::build_from(r, {"x.example", 3600, kNow});
    ASSERT_TRUE(b);
    const auto& c = (*b)["counts"];
    EXPECT_EQ(c["failed"], 3);
    EXPECT_EQ(c["failure_rate"], 1.0);
    EXPECT_EQ(c["rate_basis"], "sends");
    EXPECT_EQ(c["failed_of_sends"], 1);
    EXPECT_EQ(c["sends"], 1);
    EXPECT_EQ(c["unmatched_failed"], 2);
    EXPECT_EQ((*b)["pattern"], "persistent");
    std::string summary = (*b)["summary"];
    EXPECT_NE(summary.find("2 failure(s) could not be matched"), std::string::npos) << summary;
    std::string text = evidence::to_text(*b);
    EXPECT_NE(text.find("100.0% (1 of 1 recipients sent)"), std::string::npos) << text;
    EXPECT_NE(text.find("Unmatched failures:  2"), std::string::npos) << text;

    // Failures with nothing sent: no rate, and the pattern cannot be told.
    stats::Registry none;
    none.record_bounce("y.example", "y.example", expired("a@y.example", kNow - 300, "4"),
                       kNow - 300);
    auto n = evidence::build_from(none, {"y.example", 3600, kNow});
    ASSERT_TRUE(n);
    EXPECT_TRUE((*n)["counts"]["failure_rate"].is_null());
    EXPECT_EQ((*n)["counts"]["rate_basis"], "none");
    EXPECT_EQ((*n)["pattern"], "unknown");
    EXPECT_NE(evidence::to_text(*n).find("none (no recipients sent in the window)"),
              std::string::npos);
}

TEST(Evidence, TextAndCsv) {
    Fixture f;
    auto b = evidence::build_from(f.r, {"yahoodns.net", 48 * 3600, kNow});
    ASSERT_TRUE(b);
    std::string text = evidence::to_text(*b);
    for (const char* want :
         {"Time window:", "Remote-MTA: mx-eu.mail.yahoo.com",
          "Last-Attempt-Date: 2023-11-14T22:10:00+00:00",
          "Original Message-ID: <orig1@example.org>", "Summary", "Affected recipients by domain",
          "  aol.com (1)", "Outbound authentication"}) {
        EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
    }
    std::string csv = evidence::to_csv(*b);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // header and 3 samples
    EXPECT_NE(csv.find("\"550 5.4.300 Message expired, 421 4.4.2"), std::string::npos);
    EXPECT_EQ(evidence::csv_field("a\"b"), "\"a\"\"b\"");
}

TEST(Evidence, MalformedBundlesAreSaidSo) {
    EXPECT_EQ(evidence::to_text(nlohmann::json::array()), "malformed evidence bundle\n");
    EXPECT_NE(evidence::to_text({{"message_ids", "x"}}).find("malformed evidence bundle"),
              std::string::npos);
    std::string partial = evidence::to_text({{"subject", "x.example"}});
    EXPECT_NE(partial.find("Delivery evidence for x.example"), std::string::npos);
    EXPECT_EQ(evidence::to_csv({{"samples", {{{"recipient", "a@x"}}}}}).substr(0, 13),
              "subject,scope");
}
