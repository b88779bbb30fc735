// SMTP session transcripts: per-recipient context and multi-line replies completed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "dsn/classify.hpp"
#include "dsn/parse.hpp"
#include "dsn/transcript.hpp"

namespace {

using namespace mxpulse::dsn;

const std::string kSession =
    "   ----- Transcript of session follows -----\n"
    "While talking to mx.example.edu:\n"
    ">>> DATA\n"
    "<<< 550 Your E-Mail is redundant.\n"
    "554 <a@example.edu>... Remote protocol error\n"
    "550 example.org (smtp)... 550 Host unknown\n"
    "554 <b@example.org>... 550 Host unknown\n"
    "\n"
    ">>> RCPT To:<c@example.com>\n"
    "<<< 550 No such user here.\n"
    "550 <c@example.com>... User unknown\n";

TEST(Transcript, ContextStopsAtOtherRecipientsAndBlankLines) {
    const std::vector<std::string> all{"a@example.edu", "b@example.org", "c@example.com"};
    const std::string a = transcript_context(kSession, "a@example.edu", all);
    EXPECT_NE(a.find(">>> DATA"), std::string::npos) << a;
    EXPECT_NE(a.find("redundant"), std::string::npos) << a;
    EXPECT_EQ(transcript_context(kSession, "b@example.org", all), "");
    const std::string c = transcript_context(kSession, "c@example.com", all);
    EXPECT_EQ(c.find("redundant"), std::string::npos) << c;
    EXPECT_NE(c.find(">>> RCPT"), std::string::npos) << c;
    EXPECT_EQ(transcript_context(kSession, "nobody@example.net", all), "");
}

TEST(Transcript, MultiLineReplyIsCompleted) {
    const std::string human =
        "    (reason: 552-5.7.0 This message was blocked because its content presents a)\n"
        ">>> DATA\n"
        "<<< 552-5.7.0 This message was blocked because its content presents a\n"
        "<<< 552-5.7.0 security issue. Please visit\n"
        "<<< 552 5.7.0 the guidelines.\n"
        "554 5.0.0 Service unavailable\n";
    const std::string full =
        complete_reply("552-5.7.0 This message was blocked because its content presents a", human);
    EXPECT_NE(full.find("security issue"), std::string::npos) << full;
    EXPECT_NE(full.find("the guidelines."), std::string::npos) << full;
    EXPECT_EQ(full.find("Service unavailable"), std::string::npos) << full;
    EXPECT_EQ(complete_reply("550 5.1.1 User unknown", human), "550 5.1.1 User unknown");
}

TEST(Transcript, AHostThatDoesNotExistIsNoMailbox) {
    EXPECT_EQ(reason_for("553 mx.example.com does not exist", "5.0.0", default_rules(), "RCPT"),
              "hostunknown");
    EXPECT_EQ(reason_for("550 mailbox <a@b.org> does not exist", "5.0.0", default_rules(), "RCPT"),
              "userunknown");
}

}  // namespace

namespace {

TEST(Transcript, ManyRecipientsWithTranscriptsStayFast) {
    std::string text =
        "From: MAILER-DAEMON@mx.example.org\nTo: s@example.org\nSubject: Undelivered Mail\n\n";
    for (int i = 0; i < 3000; ++i)
        text += "user" + std::to_string(i) +
                "@example.com: 550 5.1.1 User unknown\n>>> RCPT TO:<u" + std::to_string(i) +
                "@example.com>\n<<< 550 no\n";
    const auto t0 = std::chrono::steady_clock::now();
    const auto report = mxpulse::dsn::parse(text);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(report.recipients.size(), mxpulse::dsn::ParseLimits{}.max_recipients);
    EXPECT_LT(seconds, 3.0);  // it was quadratic once: about 30 s
}

}  // namespace
