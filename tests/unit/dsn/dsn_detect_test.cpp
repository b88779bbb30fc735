// Bounce detection: which messages are reports, and of which kind.
#include <gtest/gtest.h>

#include <string>

#include "dsn/detect.hpp"
#include "dsn/parse.hpp"

namespace {

using namespace mxpulse::dsn;

const std::string kFmlError =
    "From: list-admin@example.org\n"
    "To: poster@example.net\n"
    "Subject: You poster@example.net are not member (list ML)\n"
    "Message-ID: <200504292334.FMLAAAA0.list@example.org>\n"
    "X-MLServer: fml [fml 4.0.3 release]\n"
    "\n"
    "You are not a member of this mailing list <list@example.org>.\n";

TEST(Detect, MailingListManagerErrorIsABounce) {
    const Report r = parse(kFmlError);
    EXPECT_TRUE(r.is_bounce);
    ASSERT_FALSE(r.recipients.empty());
    EXPECT_EQ(r.recipients[0].reason, "rejected");
}

TEST(Detect, MailingListPostIsNoBounce) {
    std::string post = kFmlError;
    post.replace(post.find("list-admin@"), 11, "someone@");
    EXPECT_FALSE(parse(post).is_bounce);
}

TEST(Detect, HeadersAloneAndTheEnvelope) {
    const TopHeaders daemon{"text/plain", "MAILER-DAEMON@mx.example", "hello", false};
    EXPECT_TRUE(looks_like_bounce(daemon));
    EXPECT_TRUE(looks_like_bounce(daemon, Envelope::null_sender));
    EXPECT_FALSE(looks_like_bounce(daemon, Envelope::sender));
    const TopHeaders subject{"", "x@y.example", "=?UTF-8?Q?Undeliverable=3A_hi?=", false};
    EXPECT_TRUE(looks_like_bounce(subject, Envelope::null_sender));
    const TopHeaders failed{"", "x@y.example", "hi", true};
    EXPECT_TRUE(looks_like_bounce(failed));
    const TopHeaders report{"multipart/report; report-type=delivery-status", "", "", false};
    EXPECT_TRUE(looks_like_bounce(report, Envelope::sender));
    const TopHeaders feedback{"multipart/report; report-type=feedback-report", "", "", false};
    EXPECT_TRUE(looks_like_bounce(feedback));
    EXPECT_FALSE(looks_like_bounce(feedback, Envelope::sender));
    EXPECT_FALSE(looks_like_bounce(TopHeaders{"text/plain", "a@b.example", "hi", false}));
}

}  // namespace
