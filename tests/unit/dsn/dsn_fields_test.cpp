// RFC 3464 field parsing, status/reply code finding and date conversion.
#include <gtest/gtest.h>

#include "dsn/codes.hpp"
#include "dsn/date.hpp"
#include "dsn/fields.hpp"
#include "dsn/parse.hpp"

namespace {

using namespace mxpulse::dsn;

TEST(Fields, GroupsWithoutBlankLinesAndFieldsInAnyOrder) {
    const std::string body =
        "Reporting-MTA: dns; mx.example.org\n"
        "Arrival-Date: Fri, 21 Nov 2014 17:24:04 -0500\n"
        "Final-Recipient: rfc822; a@example.com\n"
        "Action: failed\n"
        "Status: 5.2.2\n"
        "Final-Recipient: rfc822; b@example.com\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\n"
        "Status: 5.1.1\n"
        "Final-Recipient: rfc822; c@example.com\n"
        "Action: failed\n";
    const StatusGroups g = parse_status_groups(body, 10);
    EXPECT_EQ(strip_type(g.per_message.get("Reporting-MTA")), "mx.example.org");
    ASSERT_EQ(g.per_recipient.size(), 3u);
    EXPECT_EQ(strip_type(g.per_recipient[0].get("Final-Recipient")), "a@example.com");
    EXPECT_EQ(g.per_recipient[0].get("Status"), "5.2.2");
    EXPECT_EQ(strip_type(g.per_recipient[1].get("Final-Recipient")), "b@example.com");
    EXPECT_EQ(g.per_recipient[2].get("Diagnostic-Code"), "smtp; 550 5.1.1 no such user");
    EXPECT_EQ(parse_status_groups(body, 2).per_recipient.size(), 2u);
}

TEST(Fields, GroupsAndSpacedColons) {
    const std::string body =
        "Reporting-MTA: dns; mx.example.org\n"
        "Arrival-Date: Mon, 02 Sep 2025 12:00:00 +0200\n"
        "\n"
        "Final-Recipient : rfc822; a@example.com\n"
        "Action : failed\n"
        "Status : 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com>: Recipient address\n"
        "  rejected: User unknown\n"
        "\n"
        "Original-Recipient: rfc822;B@example.com\n"
        "Final-Recipient: rfc822;b@example.com\n"
        "Action: delayed\n"
        "Status: 4.2.2\n";
    const StatusGroups g = parse_status_groups(body, 10);
    EXPECT_EQ(strip_type(g.per_message.get("Reporting-MTA")), "mx.example.org");
    ASSERT_EQ(g.per_recipient.size(), 2u);
    EXPECT_EQ(strip_type(g.per_recipient[0].get("Final-Recipient")), "a@example.com");
    EXPECT_EQ(g.per_recipient[0].get("Diagnostic-Code"),
              "smtp; 550 5.1.1 <a@example.com>: Recipient address rejected: User unknown");
    EXPECT_EQ(g.per_recipient[1].get("Status"), "4.2.2");
}

TEST(Fields, RecipientCapIsApplied) {
    std::string body = "Reporting-MTA: dns; x\n\n";
    for (int i = 0; i < 50; ++i)
        body += "Final-Recipient: rfc822; u" + std::to_string(i) + "@x.org\n\n";
    EXPECT_EQ(parse_status_groups(body, 7).per_recipient.size(), 7u);
}

TEST(Codes, FindsStatusAndReply) {
    EXPECT_EQ(find_status("said: 550 5.7.1 <x@y.org> denied"), "5.7.1");
    EXPECT_EQ(find_status("host 192.0.2.1 said 550"), "");
    EXPECT_EQ(find_status("code #5.1.2)"), "5.1.2");
    EXPECT_EQ(find_reply_code("host mx[192.0.2.5] said: 552 Mailbox full"), "552");
    EXPECT_EQ(find_reply_code("port 25 and 12:34:56"), "");
}

TEST(Dates, ConvertsToIso8601) {
    EXPECT_EQ(to_iso8601("Mon, 02 Sep 2025 12:34:56 +0000"), "2025-09-02T12:34:56+00:00");
    EXPECT_EQ(to_iso8601("Thu, 29 Apr 2010 23:34:45 +0900 (JST)"), "2010-04-29T23:34:45+09:00");
    EXPECT_EQ(to_iso8601("2 Sep 2025 01:02:03 EST"), "2025-09-02T01:02:03-05:00");
    EXPECT_EQ(to_iso8601("not a date"), "");
}

TEST(Parse, NotABounceIsAnOutcome) {
    const auto r = parse("From: a@example.org\nTo: b@example.org\nSubject: lunch\n\nHello\n");
    EXPECT_FALSE(r.is_bounce);
    EXPECT_TRUE(r.recipients.empty());
}

TEST(Parse, OriginalHeadersAreDecoded) {
    const std::string raw =
        "From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; c@example.net\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Over quota\r\n"
        "--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: s@example.org\r\n"
        "Subject: =?UTF-8?B?w6l0w6k=?=\r\nMessage-ID: <m1@example.org>\r\n"
        "Authentication-Results: mx; spf=pass\r\n\r\nbody\r\n--B--\r\n";
    const auto r = parse(raw);
    ASSERT_TRUE(r.is_bounce);
    ASSERT_EQ(r.recipients.size(), 1u);
    EXPECT_EQ(r.recipients[0].reason, "mailboxfull");
    EXPECT_EQ(r.recipients[0].family, "mailbox");
    EXPECT_EQ(r.recipients[0].reply_code, "552");
    EXPECT_EQ(r.original.message_id, "<m1@example.org>");
    EXPECT_EQ(r.original.subject, "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(r.original.authentication_results, "mx; spf=pass");
}

}  // namespace

namespace {

// Returns a DSN whose one Final-Recipient field is final_recipient.
std::string dsn_with_recipient(const std::string& final_recipient) {
    return "From: MAILER-DAEMON@mx.example.org\nTo: s@example.org\nX-Failed-Recipients: "
           "k@example.com\nSubject: Mail delivery failed\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
           "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
           "Final-Recipient: rfc822;" +
           final_recipient + "\nAction: failed\nStatus: 5.0.0\n\n--b--\n";
}

TEST(Fields, RecipientsThatAreNoPlainAddressAreRepaired) {
    using mxpulse::dsn::parse;
    EXPECT_EQ(parse(dsn_with_recipient("|/usr/bin/prog k@example.com /home/k"))
                  .recipients.at(0)
                  .recipient,
              "k@example.com");
    EXPECT_EQ(parse(dsn_with_recipient("@mx.example.org")).recipients.at(0).recipient,
              "k@example.com");
    EXPECT_EQ(parse(dsn_with_recipient("a@example.net")).recipients.at(0).recipient,
              "a@example.net");
}

}  // namespace
