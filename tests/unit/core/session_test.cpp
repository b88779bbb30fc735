// Unit tests of lib/session: bounded buffers and the direction decision.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "session/direction.hpp"
#include "session/session.hpp"

using namespace mxpulse;
using session::Session;
using stats::Direction;

namespace {
// Returns a configuration from TOML text, failing the test on errors.
std::shared_ptr<const config::Config> cfg(const std::string& text) {
    auto r = config::load_string(text, "test.conf");
    EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors.front());
    return r.config;
}
}  // namespace

TEST(Session, BodyIsKeptUpToTheLimitAndTheHitIsRecordedOnce) {
    Session s(cfg("[limits]\nmax_body_bytes = 10\n"));
    s.begin_message("<a@b.example>");
    s.append_body("12345678");
    s.append_body("abcdef");
    s.append_body("more");
    EXPECT_EQ(s.message().body, "12345678ab");
    EXPECT_EQ(s.message().body_size, 18u);
    ASSERT_EQ(s.message().limits_hit.size(), 1u);
    EXPECT_EQ(s.message().limits_hit[0], stats::Limit::body_bytes);
}

TEST(Session, RecipientsAndHeadersAreBounded) {
    Session s(cfg("[limits]\nmax_recipients = 2\nmax_headers = 1\n"));
    s.begin_message("<>");
    for (auto r : {"<a@x.example>", "<b@y.example>", "<c@z.example>"})
        s.add_recipient(r);
    s.add_header("Subject", "hi");
    s.add_header("From", "x");
    EXPECT_EQ(s.message().recipients.size(), 2u);
    EXPECT_EQ(s.message().recipients_seen, 3u);
    EXPECT_EQ(s.message().headers.size(), 1u);
    EXPECT_EQ(s.message().limits_hit.size(), 2u);
    EXPECT_TRUE(s.message().sender.empty());
    EXPECT_TRUE(s.message().has_sender);
}

TEST(Session, HeaderBytesAreBounded) {
    Session s(cfg("[limits]\nmax_header_bytes = 1024\n"));
    s.begin_message("<a@b.example>");
    s.add_header("X-Big", std::string(1100, 'x'));
    s.add_header("Subject", "small");
    ASSERT_EQ(s.message().headers.size(), 1u);
    EXPECT_EQ(s.message().headers[0].name, "Subject");
}

TEST(Session, QueueIdMacroWithOrWithoutBraces) {
    Session s(cfg(""));
    s.set_macro("{i}", "4AbC");
    EXPECT_EQ(s.queue_id(), "4AbC");
    EXPECT_EQ(s.macro("i"), "4AbC");
    s.end_message();
    EXPECT_EQ(s.queue_id(), "");
}

TEST(Direction, NullSenderReportIsABounce) {
    Session s(cfg(""));
    s.on_connect("localhost", "127.0.0.1");
    s.begin_message("<>");
    s.add_header("Content-Type",
                 "multipart/report; report-type=delivery-status;\n\tboundary=\"x\"");
    EXPECT_TRUE(session::looks_like_bounce(s.message()));
    EXPECT_EQ(session::classify(s, true), Direction::returning_dsn);
}

TEST(Direction, MailerDaemonWithoutReportIsABounce) {
    Session s(cfg(""));
    s.begin_message("<>");
    s.add_header("From", "MAILER-DAEMON@mx.example (Mail Delivery System)");
    EXPECT_TRUE(session::looks_like_bounce(s.message()));
}

TEST(Direction, OrdinaryMailIsNotABounce) {
    Session s(cfg(""));
    s.begin_message("<a@b.example>");
    s.add_header("From", "postmaster@b.example");
    s.add_header("Content-Type", "text/plain");
    EXPECT_FALSE(session::looks_like_bounce(s.message()));
}

TEST(Direction, NullSenderWithBounceWordingIsABounce) {
    Session s(cfg(""));
    s.begin_message("<>");
    s.add_header("From", "Mail System <mail@mx.example>");
    s.add_header("Subject", "Undelivered Mail Returned to Sender");
    EXPECT_TRUE(session::looks_like_bounce(s.message()));
}

TEST(Direction, RealSenderNeedsADeliveryStatusReport) {
    Session s(cfg(""));
    s.begin_message("<fbl@isp.example>");
    s.add_header("From", "MAILER-DAEMON@isp.example");
    s.add_header("Subject", "Undelivered Mail Returned to Sender");
    s.add_header("Content-Type", "multipart/report; report-type=feedback-report");
    EXPECT_FALSE(session::looks_like_bounce(s.message()));
    Session t(cfg(""));
    t.begin_message("<a@b.example>");
    t.add_header("Content-Type", "multipart/report; report-type=delivery-status; boundary=x");
    EXPECT_TRUE(session::looks_like_bounce(t.message()));
}

TEST(Direction, InternalNetworkAuthAndDaemonNameMakeOutbound) {
    auto c =
        cfg("[direction]\ninternal_networks = [\"10.0.0.0/8\"]\noutbound_daemon_names = "
            "[\"ORIGINATING\"]\n");
    Session inside(c);
    inside.on_connect("h", "10.1.2.3");
    EXPECT_EQ(session::classify(inside, false), Direction::outbound);
    Session outside(c);
    outside.on_connect("h", "192.0.2.1");
    EXPECT_EQ(session::classify(outside, false), Direction::other);
    outside.set_macro("{auth_authen}", "alice");
    EXPECT_EQ(session::classify(outside, false), Direction::outbound);
    Session submission(c);
    submission.on_connect("h", "192.0.2.1");
    submission.set_macro("{daemon_name}", "ORIGINATING");
    EXPECT_EQ(session::classify(submission, false), Direction::outbound);
}

TEST(Direction, AuthenticatedCanBeExcluded) {
    Session s(cfg("[direction]\ninternal_networks = []\nauthenticated_is_outbound = false\n"));
    s.on_connect("h", "192.0.2.1");
    s.set_macro("{auth_authen}", "alice");
    EXPECT_EQ(session::classify(s, false), Direction::other);
}

TEST(Direction, RecipientDomainsAreDistinct) {
    Session s(cfg(""));
    s.begin_message("<a@b.example>");
    for (auto r : {"<x@Yahoo.com>", "<y@yahoo.com>", "<z@aol.com>"})
        s.add_recipient(r);
    auto d = session::recipient_domains(s.message());
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], "yahoo.com");
    EXPECT_EQ(d[1], "aol.com");
}
