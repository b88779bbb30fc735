// Robustness: huge messages, many parts, deep nesting, broken base64, missing final boundary.
#include <gtest/gtest.h>

#include <string>

#include "dsn/parse.hpp"
#include "mime/message.hpp"

namespace {

using namespace mxpulse::mime;

TEST(Limits, FifteenMegabyteMessage) {
    std::string raw = "From: MAILER-DAEMON@x.org\nSubject: Undelivered\n\n";
    raw.reserve(15 * 1024 * 1024 + 100);
    while (raw.size() < 15 * 1024 * 1024)
        raw += "550 5.1.1 user unknown line of filler text......\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::bytes));
    EXPECT_LE(m.parts.back().body.size(), Limits{}.max_bytes);
}

TEST(Limits, TenThousandParts) {
    std::string raw = "Content-Type: multipart/mixed; boundary=p\n\n";
    for (int i = 0; i < 10000; ++i)
        raw += "--p\nContent-Type: text/plain\n\npart\n";
    raw += "--p--\n";
    Limits limits;
    limits.max_bytes = 16 * 1024 * 1024;
    const Message m = parse(raw, limits);
    EXPECT_TRUE(m.hit(LimitHit::parts));
    EXPECT_EQ(m.parts.size(), limits.max_parts);
}

TEST(Limits, NestingDepthHundred) {
    std::string raw;
    for (int i = 0; i < 100; ++i)
        raw += "Content-Type: multipart/mixed; boundary=d" + std::to_string(i) + "\n\n--d" +
               std::to_string(i) + "\n";
    raw += "Content-Type: text/plain\n\ndeep\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::depth));
    for (const auto& p : m.parts)
        EXPECT_LT(p.depth, Limits{}.max_depth);
}

TEST(Limits, BrokenBase64) {
    const std::string raw =
        "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8g!!!d29y*bGQ=AAA=\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::bad_base64));
}

TEST(Limits, MissingFinalBoundary) {
    const std::string raw =
        "Content-Type: multipart/report; report-type=delivery-status; boundary=z\n\n"
        "--z\nContent-Type: text/plain\n\nsorry\n--z\nContent-Type: message/delivery-status\n\n"
        "Final-Recipient: rfc822; a@b.org\nAction: failed\nStatus: 5.1.1\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::missing_boundary));
    const auto report = mxpulse::dsn::parse(raw);
    ASSERT_EQ(report.recipients.size(), 1u);
    EXPECT_EQ(report.recipients[0].reason, "userunknown");
    EXPECT_FALSE(report.limits_hit.empty());
}

TEST(Limits, HeaderCountAndLineLength) {
    std::string raw;
    for (int i = 0; i < 2000; ++i)
        raw += "X-H" + std::to_string(i) + ": v\n";
    raw += "X-Long: " + std::string(100000, 'a') + "\n\nbody\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::headers));
    EXPECT_EQ(m.headers.fields.size(), Limits{}.max_headers);
}

}  // namespace
