// Delay-notice fixtures: Microsoft 365 "400 4.4.7 Message delayed" with its chained SocketError
// cause, and Postfix delay DSNs, are read as delayed recipients (what the delay rule counts).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "bounce_fixture.hpp"
#include "dsn/parse.hpp"

namespace {

using mxpulse::dsn::testing::fixture;
using mxpulse::dsn::testing::tagged;

TEST(DelayNotice, Microsoft365DelayWithSocketErrorCause) {
    const auto report = fixture("m365-delay-socketerror-history.eml");
    ASSERT_TRUE(report.is_bounce);
    EXPECT_EQ(report.kind, mxpulse::dsn::Kind::dsn);
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.recipient, "usuario@yahoo.com");
    EXPECT_EQ(r.action, "delayed");
    EXPECT_EQ(r.status, "4.4.7");
    EXPECT_EQ(r.family, "transport");
    EXPECT_EQ(r.remote_mta, "mta7.am0.yahoodns.net");
    EXPECT_EQ(r.will_retry_until, "2025-09-02T12:30:00+00:00");
    // FACTS.md: in a Microsoft 365 chain the rightmost element is the root cause.
    EXPECT_EQ(r.cause_status, "4.4.2");
    EXPECT_EQ(r.cause_reply_code, "421");
    EXPECT_NE(r.cause_text.find("SocketError"), std::string::npos) << r.cause_text;
    // A delay whose chain ends in SocketError carries the pattern too (the early warning of the
    // expiries to come); the Prometheus burst rule says "expiries or delays".
    EXPECT_TRUE(tagged(r, "m365-socketerror"));
    EXPECT_EQ(report.original.message_id,
              "<original-m365-delay-socketerror-history.eml@contoso.example>");
}

TEST(DelayNotice, PostfixDelayOfAYahooDeferral) {
    const auto report = fixture("postfix-delay-tss04.eml");
    ASSERT_TRUE(report.is_bounce);
    EXPECT_EQ(report.kind, mxpulse::dsn::Kind::dsn);
    EXPECT_EQ(report.reporting_mta, "gw.contoso.example");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.recipient, "usuario@aol.com");
    EXPECT_EQ(r.action, "delayed");
    EXPECT_EQ(r.status, "4.7.0");
    EXPECT_EQ(r.reply_code, "421");
    EXPECT_EQ(r.remote_mta, "mx-aol.mail.gm0.yahoodns.net");
    EXPECT_NE(r.diagnostic.find("[TSS04]"), std::string::npos) << r.diagnostic;
    EXPECT_EQ(r.will_retry_until, "2025-09-06T12:29:02+00:00");
    EXPECT_NE(r.reason, "delivered");
    EXPECT_FALSE(r.reason.empty());
    EXPECT_EQ(report.original.message_id, "<original-postfix-delay-tss04.eml@contoso.example>");
}

TEST(DelayNotice, PostfixDelayOfTwoConnectionFailures) {
    const auto report = fixture("postfix-delay-timeout.eml");
    ASSERT_TRUE(report.is_bounce);
    ASSERT_EQ(report.recipients.size(), 2u);
    const auto& bt = report.recipients[0];
    const auto& sky = report.recipients[1];
    EXPECT_EQ(bt.recipient, "cliente@btinternet.com");
    EXPECT_EQ(sky.recipient, "cliente@sky.com");
    for (const auto* r : {&bt, &sky}) {
        EXPECT_EQ(r->action, "delayed") << r->recipient;
        EXPECT_EQ(r->family, "transport") << r->recipient;
        EXPECT_EQ(r->will_retry_until, "2025-09-06T13:01:33+00:00") << r->recipient;
        EXPECT_FALSE(tagged(*r, "m365-socketerror")) << r->recipient;
    }
    EXPECT_EQ(bt.status, "4.4.1");
    EXPECT_NE(bt.diagnostic.find("Connection timed out"), std::string::npos) << bt.diagnostic;
    EXPECT_EQ(sky.status, "4.4.2");
    EXPECT_EQ(sky.remote_mta, "mx-sky.mail.am0.yahoodns.net");
    EXPECT_EQ(report.original.message_id, "<original-postfix-delay-timeout.eml@contoso.example>");
}

}  // namespace
