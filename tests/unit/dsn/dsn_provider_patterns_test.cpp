// Provider throttling and block codes: pattern names in the parse and in the bounce header.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "bounce_fixture.hpp"
#include "config/config.hpp"
#include "dsn/parse.hpp"
#include "dsn/provider_patterns.hpp"
#include "tagging/tagging.hpp"

namespace {

using mxpulse::dsn::provider_patterns;
using Names = std::vector<std::string>;

using mxpulse::dsn::testing::fixture;

TEST(ProviderPatterns, YahooCodes) {
    EXPECT_EQ(provider_patterns("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred "
                                "due to unexpected volume or user complaints"),
              Names{"yahoo-tss04"});
    EXPECT_EQ(provider_patterns("421 4.7.0 [TSS05] Messages from 192.0.2.1 temporarily deferred"),
              Names{"yahoo-tss05"});
    EXPECT_EQ(provider_patterns("421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred"),
              Names{"yahoo-ts01"});
    EXPECT_EQ(provider_patterns("421 4.7.0 [TS02] x"), Names{"yahoo-ts02"});
    EXPECT_EQ(provider_patterns("421 4.7.0 [TS03] x"), Names{"yahoo-ts03"});
    EXPECT_EQ(provider_patterns("421 4.7.1 [IPTS04] x"), Names{"yahoo-ipts04"});
    EXPECT_EQ(provider_patterns("553 5.7.1 [BL21] Connections will not be accepted"),
              Names{"yahoo-bl21"});
    EXPECT_EQ(provider_patterns("554 Message not accepted for policy reasons [PH01]"),
              Names{"yahoo-ph01"});
}

TEST(ProviderPatterns, GmailRateLimitNamesTheEntity) {
    const std::string head =
        "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from "
        "your ";
    EXPECT_EQ(provider_patterns(head + "IP address. gsmtp"), Names{"gmail-4.7.28-ip"});
    EXPECT_EQ(provider_patterns(head + "IP Netblock. gsmtp"), Names{"gmail-4.7.28-netblock"});
    EXPECT_EQ(provider_patterns(head + "DKIM domain [a.example]. gsmtp"),
              Names{"gmail-4.7.28-dkim-domain"});
    EXPECT_EQ(provider_patterns(head + "SPF domain [a.example]. gsmtp"),
              Names{"gmail-4.7.28-spf-domain"});
    EXPECT_EQ(provider_patterns("421 4.7.28 mail containing a URL domain [a.example] - gsmtp"),
              Names{"gmail-4.7.28-url-domain"});
    for (const char* code : {"26", "27", "29", "30", "32", "40"})
        EXPECT_EQ(provider_patterns(std::string("421 4.7.") + code + " x - gsmtp"),
                  Names{std::string("gmail-4.7.") + code})
            << code;
    // The same numbers from a server that is not Google's are not Gmail's codes.
    EXPECT_TRUE(provider_patterns("421 4.7.28 rate limited", "mx.example.net").empty());
    EXPECT_EQ(provider_patterns("550 5.7.26 unauthenticated", "aspmx.l.google.com"),
              Names{"gmail-4.7.26"});
    EXPECT_TRUE(provider_patterns("550 5.7.260 x - gsmtp").empty());
}

TEST(ProviderPatterns, MicrosoftCodes) {
    EXPECT_EQ(provider_patterns("550 5.7.1 ... part of their network is on our block list (S3150)"),
              Names{"microsoft-s3150"});
    EXPECT_EQ(provider_patterns("550 5.7.1 ... on our block list (S3140)"),
              Names{"microsoft-s3140"});
    EXPECT_EQ(provider_patterns("451 4.7.650 The mail server [192.0.2.1] has been temporarily "
                                "rate limited due to IP reputation."),
              Names{"microsoft-4.7.650"});
    EXPECT_EQ(provider_patterns("550 5.7.515 Access denied, sending domain [a.example] doesn't "
                                "meet the required authentication level."),
              Names{"microsoft-5.7.515"});
    EXPECT_TRUE(provider_patterns("550 5.1.1 User unknown").empty());
}

// Returns the single recipient of a fixture after checking there is one.
mxpulse::dsn::Recipient only(const std::string& file) {
    const auto report = fixture(file);
    EXPECT_EQ(report.recipients.size(), 1u) << file;
    return report.recipients.empty() ? mxpulse::dsn::Recipient{} : report.recipients[0];
}

TEST(ProviderPatterns, FixturesCarryThePatternIntoTheHeader) {
    const std::pair<const char*, const char*> cases[] = {
        {"yahoo-tss04.eml", "yahoo-tss04"},
        {"yahoo-bl21.eml", "yahoo-bl21"},
        {"gmail-4728-dkim-domain.eml", "gmail-4.7.28-dkim-domain"},
        {"m365-s3150.eml", "microsoft-s3150"},
    };
    const mxpulse::config::Config config;
    for (const auto& [file, pattern] : cases) {
        const auto report = fixture(file);
        ASSERT_EQ(report.recipients.size(), 1u) << file;
        const auto& p = report.recipients[0].patterns;
        EXPECT_NE(std::find(p.begin(), p.end(), pattern), p.end()) << file;
        // The pattern reaches the bounce's counters (BounceEvent) and its X-MXPulse-Bounce value.
        const auto plan = mxpulse::tagging::plan(report, config, 0);
        ASSERT_EQ(plan.recipients.size(), 1u) << file;
        const auto& e = plan.recipients[0].event.patterns;
        EXPECT_NE(std::find(e.begin(), e.end(), pattern), e.end()) << file;
        EXPECT_NE(mxpulse::tagging::header_value(plan.recipients[0])
                      .find(std::string("pattern=") + pattern),
                  std::string::npos)
            << file;
    }
    EXPECT_EQ(only("yahoo-tss04.eml").reason, "badreputation");
    EXPECT_EQ(only("yahoo-bl21.eml").reason, "blocked");
    EXPECT_EQ(only("m365-s3150.eml").reason, "blocked");
}

}  // namespace
