// Amazon SES JSON notifications: bounces, complaints, deliveries, SNS wrapping and bounds.
#include <gtest/gtest.h>

#include <string>

#include "dsn/parse.hpp"
#include "dsn/ses_json.hpp"

namespace {

using namespace mxpulse::dsn;

// Returns a minimal SNS mail whose body is json, wrapped at column wrap with "\n " (0 = not).
std::string ses_mail(const std::string& json, std::size_t wrap = 0) {
    std::string body = json;
    if (wrap > 0)
        for (std::size_t at = wrap; at < body.size(); at += wrap + 2)
            body.insert(at, "\n ");
    return "From: SES <no-reply@sns.amazonaws.com>\nTo: ops@example.org\n"
           "Subject: AWS Notification Message\nContent-Type: text/plain; charset=UTF-8\n\n" +
           body + "\n\n--\nIf you wish to stop receiving notifications...\n";
}

const std::string kBounce =
    R"({"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[)"
    R"({"emailAddress":"a@example.net","action":"failed","status":"5.1.1",)"
    R"("diagnosticCode":"smtp; 550 5.1.1 user unknown"},{"emailAddress":"b@example.net",)"
    R"("action":"failed","status":"5.2.2","diagnosticCode":"smtp; 552 5.2.2 mailbox full"}],)"
    R"("timestamp":"2016-10-21T00:06:40.502Z","reportingMTA":"dsn; a1.example.com"},)"
    R"("mail":{"timestamp":"2016-10-21T00:06:39.000Z","source":"s@example.org",)"
    R"("commonHeaders":{"from":["s@example.org"],"to":["a@example.net"],"subject":"hi"}}})";

TEST(Ses, BounceYieldsEveryRecipient) {
    const Report r = parse(ses_mail(kBounce, 70));
    ASSERT_TRUE(r.is_bounce);
    ASSERT_EQ(r.recipients.size(), 2u);
    EXPECT_EQ(r.recipients[0].recipient, "a@example.net");
    EXPECT_EQ(r.recipients[0].reason, "userunknown");
    EXPECT_EQ(r.recipients[0].reply_code, "550");
    EXPECT_EQ(r.recipients[0].last_attempt, "2016-10-21T00:06:40+00:00");
    EXPECT_EQ(r.recipients[1].recipient, "b@example.net");
    EXPECT_EQ(r.recipients[1].reason, "mailboxfull");
    EXPECT_EQ(r.original.from, "s@example.org");
}

TEST(Ses, ComplaintAndDelivery) {
    const Report c =
        parse(ses_mail(R"({"notificationType":"Complaint","complaint":{"complainedRecipients":[)"
                       R"({"emailAddress":"c@example.net"}],"complaintFeedbackType":"abuse"}})"));
    ASSERT_EQ(c.recipients.size(), 1u);
    EXPECT_EQ(c.kind, Kind::feedback);
    EXPECT_EQ(c.recipients[0].reason, "feedback");
    const Report d = parse(
        ses_mail(R"({"notificationType":"Delivery","delivery":{"recipients":["d@example.net"],)"
                 R"("smtpResponse":"250 2.6.0 Message received"}})"));
    ASSERT_EQ(d.recipients.size(), 1u);
    EXPECT_EQ(d.recipients[0].reason, "delivered");
    EXPECT_EQ(d.recipients[0].status, "2.6.0");
}

TEST(Ses, SnsWrappedMessage) {
    std::string escaped;
    for (char c : kBounce) {
        if (c == '"') escaped.push_back('\\');
        escaped.push_back(c);
    }
    const Report r = parse(ses_mail(R"({"Type":"Notification","Message":")" + escaped + "\"}"));
    ASSERT_EQ(r.recipients.size(), 2u);
    EXPECT_EQ(r.recipients[1].recipient, "b@example.net");
}

TEST(Ses, DeepOrBrokenJsonIsNotANotice) {
    std::string deep = R"({"notificationType":"Bounce","bounce":)";
    deep += std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_FALSE(parse_ses(deep, 10).has_value());
    EXPECT_FALSE(parse_ses(R"({"notificationType":"Bounce","bounce":{)", 10).has_value());
    EXPECT_FALSE(parse_ses("plain text", 10).has_value());
}

}  // namespace
