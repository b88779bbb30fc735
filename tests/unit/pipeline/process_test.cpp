// process() for outbound mail, other mail, limits and failures: the Outcome and the counts,
// exactly.
#include <gtest/gtest.h>

#include "pipeline_fixture.hpp"

namespace mxpulse::pipeline::testing {
namespace {

constexpr std::int64_t kNow = 1'760'000'000;

// Returns an outbound message from the internal network to three recipients in two domains.
Mail outbound_mail() {
    Mail m;
    m.client = "127.0.0.1";
    m.sender = "alice@contoso.example";
    m.recipients = {"bob@yahoo.com", "carol@Yahoo.com", "dave@aol.com"};
    m.text =
        "From: Alice <alice@contoso.example>\n"
        "To: bob@yahoo.com, carol@yahoo.com, dave@aol.com\n"
        "Subject: Quarterly report\n"
        "Message-ID: <q3-report@contoso.example>\n"
        "\n"
        "Hello.\n";
    return m;
}

TEST(PipelineProcess, OutboundIsCountedPerDomainAndAsksForEveryMx) {
    Pipeline p;
    Outcome out = p.run(outbound_mail(), kNow);
    EXPECT_EQ(out.direction, stats::Direction::outbound);
    EXPECT_EQ(out.queue_id, "4ABC123");
    EXPECT_EQ(p.counters.messages(stats::Direction::outbound), 1u);
    EXPECT_EQ(p.counters.messages(stats::Direction::returning_dsn), 0u);
    EXPECT_EQ(p.mx.asked, (std::vector<std::string>{"yahoo.com", "aol.com"}));
    EXPECT_EQ(out.mx_requested, p.mx.asked);
    auto yahoo = p.registry.domain("yahoo.com", kNow);
    ASSERT_TRUE(yahoo);
    EXPECT_EQ((*yahoo)["windows"]["1h"]["outbound_rcpts"], 2);
    auto aol = p.registry.domain("aol.com", kNow);
    ASSERT_TRUE(aol);
    EXPECT_EQ((*aol)["windows"]["1h"]["outbound_rcpts"], 1);
    EXPECT_TRUE(p.correlation.find("<q3-report@contoso.example>", kNow + 10));
    EXPECT_TRUE(out.headers.empty());
    EXPECT_TRUE(out.add_recipients.empty());
    EXPECT_EQ(out.reply.kind, Reply::Kind::proceed);
    ASSERT_EQ(out.events.size(), 1u);  // auth is off: message.seen only
    auto seen = events_of<MessageSeen>(out);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].direction, stats::Direction::outbound);
    EXPECT_EQ(seen[0].rcpt_count, 3);
    EXPECT_EQ(seen[0].rcpt_domains, "yahoo.com,aol.com");
    EXPECT_EQ(seen[0].message_id, "<q3-report@contoso.example>");
    EXPECT_EQ(seen[0].client, "127.0.0.1");
    EXPECT_EQ(seen[0].bounce_recipients, 0);
}

TEST(PipelineProcess, KnownMxIsNotAskedAgain) {
    Pipeline p;
    p.runtime->providers->learn("yahoo.com", "mta5.am0.yahoodns.net", true, kNow + 3600);
    Outcome out = p.run(outbound_mail(), kNow);
    EXPECT_EQ(p.mx.asked, (std::vector<std::string>{"aol.com"}));
    auto yahoo = p.registry.domain("yahoo.com", kNow);
    ASSERT_TRUE(yahoo);
    EXPECT_EQ((*yahoo)["provider"], "yahoodns.net");
}

TEST(PipelineProcess, OtherMailIsCountedAndNothingElse) {
    Pipeline p;
    Mail m = outbound_mail();
    m.client = "192.0.2.9";  // not an internal network, not authenticated
    Outcome out = p.run(m, kNow);
    EXPECT_EQ(out.direction, stats::Direction::other);
    EXPECT_EQ(p.counters.messages(stats::Direction::other), 1u);
    EXPECT_EQ(p.counters.messages(stats::Direction::outbound), 0u);
    EXPECT_TRUE(p.mx.asked.empty());
    EXPECT_EQ(p.registry.tracked(), 0u);
    EXPECT_FALSE(p.correlation.find("<q3-report@contoso.example>", kNow));
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(events_of<MessageSeen>(out)[0].direction, stats::Direction::other);
}

TEST(PipelineProcess, LimitsHitAreCountedAndReported) {
    Pipeline p("[limits]\nmax_recipients = 2\n");
    Outcome out = p.run(outbound_mail(), kNow);
    EXPECT_EQ(p.counters.limit_hits(stats::Limit::recipients), 1u);
    auto hits = events_of<LimitHit>(out);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].limit, stats::Limit::recipients);
    EXPECT_EQ(events_of<MessageSeen>(out)[0].rcpt_count, 3);  // seen, though only 2 were kept
}

TEST(PipelineProcess, FullMxQueueIsALimitNotASilentDrop) {
    Pipeline p;
    p.mx.full = true;
    Outcome out = p.run(outbound_mail(), kNow);
    EXPECT_TRUE(out.mx_requested.empty());
    EXPECT_EQ(p.counters.limit_hits(stats::Limit::mx_queue), 2u);
    EXPECT_EQ(events_of<LimitHit>(out).size(), 2u);
}

TEST(PipelineProcess, AnEarlierFailureEndsInTheFailureAction) {
    Pipeline p("[milter]\nfailure_action = \"tempfail\"\n");
    Intake intake(p.runtime);
    intake.begin_message(p.runtime, "<alice@contoso.example>");
    intake.note_failure("header: out of memory");
    State st = p.state();
    Outcome out = process(intake, st, kNow);
    EXPECT_EQ(out.reply.kind, Reply::Kind::tempfail);
    EXPECT_EQ(intake.failure(), "header: out of memory");
    // Counted all the same: the message was seen.
    EXPECT_EQ(p.counters.messages(stats::Direction::outbound) +
                  p.counters.messages(stats::Direction::other),
              1u);
}

TEST(PipelineProcess, FailureActionDefaultsToAccept) {
    Pipeline p;
    EXPECT_EQ(failure_reply(*p.runtime->config).kind, Reply::Kind::accept);
}

}  // namespace
}  // namespace mxpulse::pipeline::testing
