// Cause-chain fixtures: every rendering of 5.4.300 <- 421 4.4.2 SocketError, and a look-alike.
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

class SocketErrorRendering : public ::testing::TestWithParam<std::pair<const char*, const char*>> {
};

TEST_P(SocketErrorRendering, TagsTheChain) {
    const auto [file, recipient] = GetParam();
    const auto report = fixture(file);
    ASSERT_TRUE(report.is_bounce);
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.recipient, recipient);
    EXPECT_EQ(r.reason, "expired");
    EXPECT_EQ(r.family, "transport");
    // The final verdict is the expiry; the transient error is only its cause.
    EXPECT_EQ(r.status, "5.4.300");
    EXPECT_FALSE(r.reply_code.starts_with('4')) << r.reply_code;
    EXPECT_EQ(r.cause_reply_code, "421");
    EXPECT_EQ(r.cause_status, "4.4.2");
    EXPECT_NE(r.cause_text.find("SocketError"), std::string::npos) << r.cause_text;
    EXPECT_TRUE(tagged(r, "m365-socketerror")) << r.diagnostic;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, SocketErrorRendering,
    ::testing::Values(std::pair{"m365-diag-arrow-unicode.eml", "usuario@yahoo.com"},
                      std::pair{"m365-diag-arrow-ascii.eml", "usuario@yahoo.com"},
                      std::pair{"m365-separate-fields.eml", "usuario@yahoo.com"},
                      std::pair{"m365-admin-history.eml", "usuario@aol.com"},
                      std::pair{"m365-qp-wrapped.eml", "usuario@sky.com"},
                      std::pair{"m365-text-only.eml", "usuario@btinternet.com"}));

TEST(CauseChain, ConnectionRefusedIsNotSocketError) {
    const auto report = fixture("m365-socket-10061.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.recipient, "usuario@cs.com");
    EXPECT_EQ(r.reason, "expired");
    EXPECT_EQ(r.cause_reply_code, "450");
    EXPECT_EQ(r.cause_status, "4.4.316");
    EXPECT_FALSE(tagged(r, "m365-socketerror"));
}

TEST(CauseChain, FieldsOfTheSeedAreKept) {
    const auto report = fixture("m365-separate-fields.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.remote_mta, "mx-eu.mail.yahoo.com");
    EXPECT_EQ(r.last_attempt, "2025-09-02T12:34:56+00:00");
    EXPECT_EQ(r.reported_status, "5.4.300");
    EXPECT_EQ(report.reporting_mta, "AM0PR01MB0001.eurprd01.prod.outlook.com");
    EXPECT_EQ(report.arrival_date, "2025-08-31T12:30:00+00:00");
    EXPECT_EQ(report.original.message_id, "<original-m365-separate-fields.eml@contoso.example>");
}

TEST(CauseChain, HistoryOriginalHeadersAreRead) {
    const auto report = fixture("m365-admin-history.eml");
    EXPECT_EQ(report.original.message_id, "<original-history@contoso.example>");
}

}  // namespace

TEST(CauseChain, ThreeHopSocketErrorRootIsTheRightmostLink) {
    const auto report = fixture("m365-chain-3hop-socketerror.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.reason, "expired");
    EXPECT_EQ(r.status, "5.4.300");
    // Not the 4.4.397 wrapper: the rightmost element is the root cause.
    EXPECT_EQ(r.cause_status, "4.4.2");
    EXPECT_EQ(r.cause_reply_code, "421");
    EXPECT_EQ(r.cause_text, "421 4.4.2 Connection dropped due to SocketError");
    ASSERT_EQ(r.cause_chain.size(), 3u);
    EXPECT_EQ(r.cause_chain[0], "550 5.4.300 Message expired");
    EXPECT_EQ(r.cause_chain[1], "451 4.4.397 Error communicating with target host.");
    EXPECT_TRUE(tagged(r, "m365-socketerror"));
    // No Remote-MTA field: the bracketed blocks name the endpoint.
    EXPECT_EQ(r.remote_mta, "mta5.am0.yahoodns.net");
    EXPECT_EQ(r.remote_ip, "198.51.100.45");
}

TEST(CauseChain, ConnectionResetIsNamedAndNotTagged) {
    const auto report = fixture("m365-chain-connreset.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.cause_status, "4.4.2");
    EXPECT_NE(r.cause_text.find("ConnectionReset"), std::string::npos) << r.cause_text;
    EXPECT_NE(r.cause_text.find("winsock 10054: connection reset by peer"), std::string::npos)
        << r.cause_text;
    EXPECT_FALSE(tagged(r, "m365-socketerror"));
    EXPECT_EQ(r.remote_mta, "mx.sky.com");
    EXPECT_EQ(r.remote_ip, "192.0.2.80");
}

TEST(CauseChain, SocketTimedOutAfterUnableToConnect) {
    const auto report = fixture("m365-chain-sockettimedout.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    ASSERT_EQ(r.cause_chain.size(), 4u);
    EXPECT_EQ(r.cause_chain[2], "421 4.2.1 Unable to connect");
    EXPECT_EQ(r.cause_chain[3], "SocketTimedout");
    // The root cause has no codes of its own: they come from the link before it.
    EXPECT_EQ(r.cause_status, "4.2.1");
    EXPECT_EQ(r.cause_reply_code, "421");
    EXPECT_NE(r.cause_text.find("SocketTimedout"), std::string::npos) << r.cause_text;
    EXPECT_NE(r.cause_text.find("winsock 10060: connection timed out"), std::string::npos)
        << r.cause_text;
    EXPECT_FALSE(tagged(r, "m365-socketerror"));
}

TEST(CauseChain, DelayNoticeWithSocketErrorIsTagged) {
    const auto report = fixture("m365-delay-socketerror.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.action, "delayed");
    EXPECT_EQ(r.cause_status, "4.4.2");
    EXPECT_EQ(r.cause_chain.size(), 3u);
    EXPECT_TRUE(tagged(r, "m365-socketerror")) << r.diagnostic;
}

TEST(CauseChain, RefusedChainIsNotTagged) {
    const auto report = fixture("m365-chain-10061.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& r = report.recipients[0];
    EXPECT_EQ(r.cause_chain.size(), 3u);
    EXPECT_NE(r.cause_text.find("winsock 10061: connection refused"), std::string::npos)
        << r.cause_text;
    EXPECT_FALSE(tagged(r, "m365-socketerror"));
}

TEST(CauseChain, TextWithoutArrowsHasNoChain) {
    const auto report = fixture("m365-socket-10061.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    EXPECT_TRUE(report.recipients[0].cause_chain.empty());
}
