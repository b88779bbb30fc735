// Bounce detection: which messages are reports, and of which kind.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
