// Files holding several messages in mbox form: split at postmarks, recipients merged.
#include <gtest/gtest.h>

#include <string>

#include "dsn/mbox.hpp"
#include "dsn/parse.hpp"

namespace {

using namespace mxpulse::dsn;

// Returns a small DSN for recipient rcpt with status.
std::string dsn(const std::string& rcpt, const std::string& status) {
    return "From: MAILER-DAEMON@mx.example.org\nTo: s@example.org\n"
           "Subject: Undelivered Mail Returned to Sender\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
           "--b\nContent-Type: text/plain\n\nThe mail system\n\n"
           "--b\nContent-Type: message/delivery-status\n\n"
           "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; " +
           rcpt + "\nAction: failed\nStatus: " + status + "\n\n--b--\n";
}

TEST(Mbox, SplitsAtPostmarksOnly) {
    const std::string one =
        "From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\n" + dsn("a@x.org", "5.1.1");
    const std::string two =
        "From MAILER-DAEMON  Thu Apr 29 23:35:45 2015\n" + dsn("b@x.org", "5.2.2");
    EXPECT_EQ(split_mbox(one + "\n" + two, 64).size(), 2u);
    // A "From " line in a body that is not followed by a header is no postmark.
    EXPECT_EQ(split_mbox(one + "\nFrom me to you, 12:30 tomorrow\n\nbye\n", 64).size(), 1u);
    // A text without a leading postmark is one message.
    EXPECT_EQ(split_mbox(dsn("a@x.org", "5.1.1") + "\n" + two, 64).size(), 1u);
    EXPECT_EQ(split_mbox(one + "\n" + two + "\n" + one, 2).size(), 2u);
}

TEST(Mbox, RecipientsOfEveryMessage) {
    const std::string text =
        "From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\n" + dsn("a@x.org", "5.1.1") +
        "From MAILER-DAEMON  Thu Apr 29 23:35:45 2015\n" + dsn("b@x.org", "5.2.2");
    const Report r = parse(text);
    ASSERT_EQ(r.recipients.size(), 2u);
    EXPECT_EQ(r.recipients[0].reason, "userunknown");
    EXPECT_EQ(r.recipients[1].recipient, "b@x.org");
    EXPECT_EQ(r.recipients[1].reason, "mailboxfull");
}

}  // namespace
