// Unit tests of the Postfix log line parser, on lines written in Postfix's own formats.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "postlog/line.hpp"

using namespace mxpulse::postlog;

namespace {

// 2026-12-02T12:00:00Z, the "now" the RFC 3164 stamps are read against.
constexpr std::int64_t kNow = 1796212800;

class PostlogLine : public ::testing::Test {
  protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
    }
};

}  // namespace

TEST_F(PostlogLine, DeferredSmtpLineWithEveryField) {
    auto r = parse_line(
        "Dec  2 11:58:01 gw postfix/smtp[4242]: 4Qk3Lx2vZPz9sWB: to=<ann@yahoo.com>, "
        "orig_to=<ann@corp.example>, relay=mta7.am0.yahoodns.net[67.195.228.94]:25, "
        "delay=3612, delays=0.05/3600/5.1/6.8, dsn=4.7.0, status=deferred (host "
        "mta7.am0.yahoodns.net[67.195.228.94] said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 "
        "temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see "
        "https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command))",
        kNow);
    ASSERT_EQ(r.kind, Kind::delivery);
    EXPECT_EQ(r.time, kNow - 119);
    EXPECT_EQ(r.host, "gw");
    EXPECT_EQ(r.program, "postfix/smtp");
    EXPECT_EQ(r.service, "smtp");
    EXPECT_EQ(r.queue_id, "4Qk3Lx2vZPz9sWB");
    EXPECT_EQ(r.to, "ann@yahoo.com");
    EXPECT_EQ(r.orig_to, "ann@corp.example");
    EXPECT_EQ(r.relay_host, "mta7.am0.yahoodns.net");
    EXPECT_EQ(r.relay_ip, "67.195.228.94");
    EXPECT_EQ(r.relay_port, 25);
    EXPECT_DOUBLE_EQ(r.delay, 3612);
    EXPECT_DOUBLE_EQ(r.delays[0], 0.05);
    EXPECT_DOUBLE_EQ(r.delays[1], 3600);
    EXPECT_DOUBLE_EQ(r.delays[2], 5.1);
    EXPECT_DOUBLE_EQ(r.delays[3], 6.8);
    EXPECT_EQ(r.dsn, "4.7.0");
    EXPECT_EQ(r.status, Status::deferred);
    EXPECT_EQ(r.reply.substr(0, 5), "host ");
    EXPECT_NE(r.reply.find("[TSS04]"), std::string::npos);
    EXPECT_EQ(r.reply.substr(r.reply.size() - 31), "(in reply to MAIL FROM command)");
}

TEST_F(PostlogLine, SentLineWithIsoStampAndIpv6Relay) {
    auto r = parse_line(
        "2026-12-02T13:00:05.123456+01:00 gw.corp.example postfix-out/relay/smtp[77]: "
        "B1C2D3E4F5: to=<bob@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1b]"
        ":25, delay=1.4, delays=0.1/0/0.6/0.7, dsn=2.0.0, status=sent (250 2.0.0 OK  1701 "
        "a1-20020a05 - gsmtp)",
        kNow);
    ASSERT_EQ(r.kind, Kind::delivery);
    EXPECT_EQ(r.time, kNow + 5);
    EXPECT_EQ(r.program, "postfix-out/relay/smtp");
    EXPECT_EQ(r.service, "smtp");
    EXPECT_EQ(r.relay_host, "gmail-smtp-in.l.google.com");
    EXPECT_EQ(r.relay_ip, "2a00:1450:400c:c0b::1b");
    EXPECT_EQ(r.status, Status::sent);
    EXPECT_EQ(r.reply, "250 2.0.0 OK  1701 a1-20020a05 - gsmtp");
    EXPECT_TRUE(r.orig_to.empty());
}

TEST_F(PostlogLine, PostlogdStampWithMicroseconds) {
    auto r = parse_line(
        "Dec  2 12:00:00.500123 gw postfix/lmtp[9]: 3F00A1B2C3: to=<c@lmtp.example>, "
        "relay=127.0.0.1[127.0.0.1]:24, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent "
        "(250 2.0.0 Ok)",
        kNow);
    ASSERT_EQ(r.kind, Kind::delivery);
    EXPECT_EQ(r.time, kNow);
    EXPECT_EQ(r.service, "lmtp");
}

TEST_F(PostlogLine, BouncedByErrorAndRelayNone) {
    auto r = parse_line(
        "Dec  2 10:00:00 gw postfix/error[5]: 9A8B7C6D5E: to=<x@nowhere.example>, relay=none, "
        "delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (Host or domain name not found)",
        kNow);
    ASSERT_EQ(r.kind, Kind::delivery);
    EXPECT_EQ(r.relay_host, "none");
    EXPECT_TRUE(r.relay_ip.empty());
    EXPECT_EQ(r.relay_port, -1);
    EXPECT_EQ(r.status, Status::bounced);
    EXPECT_EQ(r.service, "error");
}

TEST_F(PostlogLine, ConnectionFailureDeferral) {
    auto r = parse_line(
        "Dec  2 10:00:00 gw postfix/smtp[5]: 9A8B7C6D5E: to=<d@yahoo.com>, relay=none, "
        "delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to "
        "mta5.am0.yahoodns.net[98.136.96.74]:25: Connection timed out)",
        kNow);
    ASSERT_EQ(r.kind, Kind::delivery);
    EXPECT_EQ(r.dsn, "4.4.1");
    EXPECT_EQ(r.reply, "connect to mta5.am0.yahoodns.net[98.136.96.74]:25: Connection timed out");
}

TEST_F(PostlogLine, QmgrLines) {
    auto from = parse_line(
        "Dec  2 10:00:00 gw postfix/qmgr[3]: 9A8B7C6D5E: from=<s@corp.example>,"
        " size=2211, nrcpt=2 (queue active)",
        kNow);
    EXPECT_EQ(from.kind, Kind::from);
    EXPECT_EQ(from.from, "s@corp.example");
    auto null_sender = parse_line(
        "Dec  2 10:00:00 gw postfix/qmgr[3]: 9A8B7C6D5E: from=<>, size=9, nrcpt=1 (queue active)",
        kNow);
    EXPECT_EQ(null_sender.kind, Kind::from);
    EXPECT_EQ(null_sender.from, "");
    auto exp = parse_line(
        "Dec  2 10:00:00 gw postfix/qmgr[3]: 9A8B7C6D5E: from=<s@corp.example>,"
        " status=expired, returned to sender",
        kNow);
    EXPECT_EQ(exp.kind, Kind::expired);
    EXPECT_EQ(exp.status, Status::expired);
    auto rm = parse_line("Dec  2 10:00:00 gw postfix/qmgr[3]: 9A8B7C6D5E: removed", kNow);
    EXPECT_EQ(rm.kind, Kind::removed);
    EXPECT_EQ(rm.queue_id, "9A8B7C6D5E");
}

TEST_F(PostlogLine, CleanupMessageId) {
    auto r = parse_line(
        "Dec  2 10:00:00 gw postfix/cleanup[8]: 9A8B7C6D5E: "
        "message-id=<20261202.abc@corp.example>",
        kNow);
    EXPECT_EQ(r.kind, Kind::message_id);
    EXPECT_EQ(r.message_id, "<20261202.abc@corp.example>");
}

TEST_F(PostlogLine, LinesOfNoInterest) {
    EXPECT_EQ(
        parse_line("Dec  2 10:00:00 gw postfix/smtpd[8]: connect from localhost[127.0.0.1]", kNow)
            .kind,
        Kind::other);
    EXPECT_EQ(parse_line("Dec  2 10:00:00 gw postfix/smtpd[8]: 9A8B7C6D5E: client=localhost"
                         "[127.0.0.1]",
                         kNow)
                  .kind,
              Kind::other);
    EXPECT_EQ(parse_line("Dec  2 10:00:00 gw CRON[1]: (root) CMD (true)", kNow).kind, Kind::other);
    EXPECT_EQ(parse_line("", kNow).kind, Kind::other);
    EXPECT_EQ(parse_line("garbage without a stamp", kNow).kind, Kind::other);
    EXPECT_EQ(
        parse_line("Foo  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=<a@b>, status=sent", kNow)
            .kind,
        Kind::other);
}

TEST_F(PostlogLine, BrokenDeliveryFieldsAreMalformed) {
    EXPECT_EQ(parse_line("Dec  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=<a@b.example>, "
                         "relay=none, delay=1",
                         kNow)
                  .kind,
              Kind::malformed);
    EXPECT_EQ(parse_line("Dec  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=a@b.example, "
                         "status=sent (ok)",
                         kNow)
                  .kind,
              Kind::malformed);
    EXPECT_EQ(parse_line("Dec  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=<a@b>, "
                         "status=weird (ok)",
                         kNow)
                  .kind,
              Kind::malformed);
}

TEST_F(PostlogLine, LongLinesAreNotParsed) {
    std::string line =
        "Dec  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=<a@b.example>, "
        "status=deferred (";
    line += std::string(300, 'x') + ")";
    EXPECT_EQ(parse_line(line, kNow, 200).kind, Kind::too_long);
    EXPECT_EQ(parse_line(line, kNow, 400).kind, Kind::delivery);
}

TEST_F(PostlogLine, YearOfBsdStampsIsTheOneBeforeNow) {
    std::size_t used = 0;
    // Read on 2 January 2027, a 31 December stamp is from 2026.
    const std::int64_t jan2 = 1798848000;  // 2027-01-02T00:00:00Z
    auto t = parse_bsd_time("Dec 31 23:00:00 host", jan2, &used);
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, 1798761600 - 3600);  // 2026-12-31T23:00:00Z
    EXPECT_EQ(used, 15u);
    EXPECT_FALSE(parse_bsd_time("Dec 32 23:00:00 host", jan2, &used));
    EXPECT_FALSE(parse_bsd_time("Dec  2 24:00:00 host", jan2, &used));
}

TEST_F(PostlogLine, IsoZones) {
    std::size_t used = 0;
    EXPECT_EQ(parse_iso_time("2026-12-02T12:00:00Z x", &used), kNow);
    EXPECT_EQ(used, 20u);
    EXPECT_EQ(parse_iso_time("2026-12-02T07:00:00-05:00", &used), kNow);
    EXPECT_EQ(parse_iso_time("2026-12-02T13:30:00.5+0130", &used), kNow);
    EXPECT_FALSE(parse_iso_time("2026-12-02T12:00:00", &used));
    EXPECT_FALSE(parse_iso_time("2026-13-02T12:00:00Z", &used));
}
