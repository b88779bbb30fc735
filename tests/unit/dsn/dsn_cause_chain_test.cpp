// Cause-chain fixtures: every rendering of 5.4.300 <- 421 4.4.2 SocketError, and a look-alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "dsn/parse.hpp"

namespace {

// Parses one fixture from tests/fixtures/bounces/.
mxpulse::dsn::Report fixture(const std::string& name) {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) + "/tests/fixtures/bounces/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in) << name;
    const std::string raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return mxpulse::dsn::parse(raw);
}

// Returns true when r carries the pattern tag.
bool tagged(const mxpulse::dsn::Recipient& r, const std::string& tag) {
    return std::find(r.patterns.begin(), r.patterns.end(), tag) != r.patterns.end();
}

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
