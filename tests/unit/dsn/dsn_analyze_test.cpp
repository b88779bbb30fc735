// The analyser: JSON keys, not-a-bounce lines, unreadable files and the table.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "dsn/analyze.hpp"

namespace {

const std::string kFixtures = std::string(MXPULSE_SOURCE_DIR) + "/tests/fixtures/bounces/";

TEST(Analyze, JsonHasExactlyTheKeys) {
    std::ostringstream out, err;
    const int rc =
        mxpulse::dsn::run_analyze({kFixtures + "m365-separate-fields.eml"}, true, out, err);
    EXPECT_EQ(rc, 0);
    const auto j = nlohmann::json::parse(out.str());
    const std::vector<std::string> keys{
        "file",       "is_bounce",    "recipient", "action",       "status",
        "reply_code", "reason",       "family",    "cause_status", "cause_reply_code",
        "cause_text", "cause_chain",  "patterns",  "remote_mta",   "remote_ip",
        "diagnostic", "last_attempt", "attempts",  "rule_line",    "original_message_id"};
    EXPECT_EQ(j.size(), keys.size());
    for (const auto& k : keys)
        EXPECT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j["patterns"].is_array());
    EXPECT_TRUE(j["cause_chain"].is_array());
    EXPECT_TRUE(j["attempts"].is_array());
    ASSERT_EQ(j["patterns"].size(), 1u);
    EXPECT_EQ(j["patterns"][0], "m365-socketerror");
    EXPECT_EQ(j["is_bounce"], true);
}

TEST(Analyze, UnreadableFileContinuesAndFails) {
    std::ostringstream out, err;
    const int rc = mxpulse::dsn::run_analyze(
        {kFixtures + "does-not-exist.eml", kFixtures + "m365-text-only.eml"}, true, out, err);
    EXPECT_NE(rc, 0);
    EXPECT_NE(err.str().find("does-not-exist.eml"), std::string::npos);
    EXPECT_NE(out.str().find("usuario@btinternet.com"), std::string::npos);
}

TEST(Analyze, NotABounceLine) {
    mxpulse::dsn::Report r;
    const auto lines = mxpulse::dsn::report_json_lines("x.eml", r);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], R"({"file":"x.eml","is_bounce":false})");
}

TEST(Analyze, TableHasAHeader) {
    std::ostringstream out, err;
    mxpulse::dsn::run_analyze({kFixtures + "m365-qp-wrapped.eml"}, false, out, err);
    EXPECT_NE(out.str().find("REASON"), std::string::npos);
    EXPECT_NE(out.str().find("m365-socketerror"), std::string::npos);
}

}  // namespace
