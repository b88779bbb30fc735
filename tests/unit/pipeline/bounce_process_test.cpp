// process() for returning bounces and delay notices: tagging, provider grouping, MX requests for
// bounce-only domains, correlation with the original, configured actions, hostile input.
#include <gtest/gtest.h>
#include <deque>
#include <map>
#include <random>

#include <algorithm>

#include "pipeline_fixture.hpp"

namespace mxpulse::pipeline::testing {
namespace {

constexpr std::int64_t kNow = 1'760'000'000;

// Returns a Microsoft 365 NDR (the seeds' incident) for RCPT, with no Remote-MTA; ACTION and
// STATUS and DIAG fill the delivery-status part.
Mail m365_ndr(const std::string& rcpt, const std::string& action = "failed",
              const std::string& status = "5.4.300",
              const std::string& diag =
                  "550 5.4.300 Message expired -> 421 4.4.2 Connection dropped due to "
                  "SocketError") {
    Mail m;
    m.client = "198.51.100.7";  // Exchange Online's outbound host: not internal
    m.sender = "<>";
    m.recipients = {"alice@contoso.example"};
    m.text =
        "From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>\n"
        "To: <alice@contoso.example>\n"
        "Subject: Undeliverable: Quarterly report\n"
        "Message-ID: <ndr-1@contoso.onmicrosoft.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        "\tboundary=\"b1\"\n"
        "\n"
        "--b1\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Delivery has failed to these recipients or groups:\n" +
        rcpt +
        "\n"
        "\n"
        "--b1\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; AM0PR01MB0001.eurprd01.prod.outlook.com\n"
        "\n"
        "Final-Recipient: rfc822; " +
        rcpt + "\nAction: " + action + "\nStatus: " + status + "\nDiagnostic-Code: smtp; " + diag +
        "\n"
        "\n"
        "--b1\n"
        "Content-Type: text/rfc822-headers\n"
        "\n"
        "From: Alice <alice@contoso.example>\n"
        "Subject: Quarterly report\n"
        "Message-ID: <q3-report@contoso.example>\n"
        "\n"
        "--b1--\n";
    return m;
}

// Returns true when the list holds the item.
bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(PipelineBounce, BounceOnlyDomainGetsItsMxLookup) {
    Pipeline p;
    Outcome out = p.run(m365_ndr("user@btinternet.com"), kNow);
    EXPECT_EQ(out.direction, stats::Direction::returning_dsn);
    EXPECT_EQ(p.counters.messages(stats::Direction::returning_dsn), 1u);
    EXPECT_EQ(p.mx.asked, (std::vector<std::string>{"btinternet.com"}));
    auto tagged = events_of<BounceTagged>(out);
    ASSERT_EQ(tagged.size(), 1u);
    EXPECT_EQ(tagged[0].domain, "btinternet.com");
    EXPECT_EQ(tagged[0].provider, "");  // not known until the MX answer arrives
    EXPECT_EQ(tagged[0].event.recipient, "user@btinternet.com");
    EXPECT_EQ(tagged[0].event.action, "failed");
    EXPECT_EQ(tagged[0].event.status, "5.4.300");
    EXPECT_TRUE(has(tagged[0].event.patterns, "m365-socketerror"));
    EXPECT_EQ(tagged[0].event.queue_id, "4ABC123");
    EXPECT_EQ(tagged[0].event.bounce_message_id, "<ndr-1@contoso.onmicrosoft.com>");
    EXPECT_EQ(tagged[0].event.original_message_id, "<q3-report@contoso.example>");
    EXPECT_EQ(tagged[0].event.time_to_bounce_s, -1);  // the original never passed here
    ASSERT_EQ(out.headers.size(), 1u);
    EXPECT_EQ(out.headers[0].op, HeaderEdit::Op::add);
    EXPECT_EQ(out.headers[0].name, "X-MXPulse-Bounce");
    EXPECT_EQ(out.headers[0].value.rfind("btinternet.com; ", 0), 0u);
    EXPECT_NE(out.headers[0].value.find("pattern=m365-socketerror"), std::string::npos);
    EXPECT_EQ(events_of<MessageSeen>(out)[0].bounce_recipients, 1);
    auto bt = p.registry.domain("btinternet.com", kNow);
    ASSERT_TRUE(bt);
    EXPECT_EQ((*bt)["windows"]["1h"]["failed"], 1);
}

TEST(PipelineBounce, MxAnswerFoldsTheDomainIntoItsProvider) {
    Pipeline p;
    p.run(m365_ndr("user@btinternet.com"), kNow);
    // What the MX worker reports for btinternet.com.
    p.runtime->providers->learn("btinternet.com", "mx-eu.bt.mail.yahoodns.net", true, kNow + 3600);
    Outcome out = p.run(m365_ndr("other@btinternet.com"), kNow + 60);
    EXPECT_EQ(p.mx.asked.size(), 1u);  // not asked a second time
    auto tagged = events_of<BounceTagged>(out);
    ASSERT_EQ(tagged.size(), 1u);
    EXPECT_EQ(tagged[0].provider, "yahoodns.net");
}

TEST(PipelineBounce, BounceIsCorrelatedWithTheOriginalSentHere) {
    Pipeline p;
    Mail original;
    original.sender = "alice@contoso.example";
    original.recipients = {"user@yahoo.com"};
    original.text = "From: alice@contoso.example\nMessage-ID: <q3-report@contoso.example>\n\nHi\n";
    p.run(original, kNow);
    Outcome out = p.run(m365_ndr("user@yahoo.com"), kNow + 86400);
    auto tagged = events_of<BounceTagged>(out);
    ASSERT_EQ(tagged.size(), 1u);
    EXPECT_EQ(tagged[0].event.time_to_bounce_s, 86400);
    EXPECT_EQ(tagged[0].event.original_sender, "alice@contoso.example");
    // Asked at each message while no answer has come; MxLookups folds repeats within 5 minutes.
    EXPECT_EQ(p.mx.asked, (std::vector<std::string>{"yahoo.com", "yahoo.com"}));
}

TEST(PipelineBounce, DelayNoticeIsCountedAsDelayed) {
    Pipeline p;
    Outcome out = p.run(m365_ndr("user@aol.com", "delayed", "4.4.7",
                                 "400 4.4.7 Message delayed -> 421 4.4.2 Connection dropped due "
                                 "to SocketError"),
                        kNow);
    EXPECT_EQ(out.direction, stats::Direction::returning_dsn);
    auto tagged = events_of<BounceTagged>(out);
    ASSERT_EQ(tagged.size(), 1u);
    EXPECT_EQ(tagged[0].event.action, "delayed");
    EXPECT_EQ(tagged[0].event.status, "4.4.7");
    auto aol = p.registry.domain("aol.com", kNow);
    ASSERT_TRUE(aol);
    EXPECT_EQ((*aol)["windows"]["1h"]["delayed"], 1);
    EXPECT_EQ((*aol)["windows"]["1h"]["failed"], 0);
    EXPECT_EQ(p.mx.asked, (std::vector<std::string>{"aol.com"}));
}

TEST(PipelineBounce, ConfiguredActionsBecomeEdits) {
    Pipeline p(
        "[tagging]\nsubject_prefix = \"[SocketError]\"\nsubject_when = [\"m365-socketerror\"]\n"
        "copy_to = \"postmaster@contoso.example\"\ncopy_when = [\"m365-socketerror\"]\n"
        "quarantine_when = [\"m365-socketerror\"]\n");
    Outcome out = p.run(m365_ndr("user@yahoo.com"), kNow);
    ASSERT_EQ(out.headers.size(), 2u);
    EXPECT_EQ(out.headers[1].op, HeaderEdit::Op::change);
    EXPECT_EQ(out.headers[1].name, "Subject");
    EXPECT_EQ(out.headers[1].value, "[SocketError] Undeliverable: Quarterly report");
    EXPECT_EQ(out.headers[1].action, "subject");
    EXPECT_EQ(out.add_recipients, (std::vector<std::string>{"postmaster@contoso.example"}));
    EXPECT_EQ(out.quarantine, "mxpulse: m365-socketerror");
    EXPECT_EQ(out.reply.kind, Reply::Kind::proceed);
}

TEST(PipelineBounce, HostileReportIsCountedOnceAndNothingIsTagged) {
    Pipeline p;
    Mail m;
    m.client = "198.51.100.7";
    m.sender = "<>";
    m.recipients = {"alice@contoso.example"};
    m.text =
        "From: MAILER-DAEMON\nSubject: Undelivered Mail\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
        "--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: \xff\xfe;\n"
        "Action: \x01\nStatus: 9.9.9.9.9\n--x\n--x\n";
    Outcome out = p.run(m, kNow);
    EXPECT_EQ(p.counters.messages(stats::Direction::returning_dsn) +
                  p.counters.messages(stats::Direction::other),
              1u);
    EXPECT_TRUE(events_of<BounceTagged>(out).empty());
    EXPECT_EQ(p.registry.tracked(), 0u);
    EXPECT_EQ(out.reply.kind, Reply::Kind::proceed);
    EXPECT_EQ(events_of<MessageSeen>(out).size(), 1u);
}

}  // namespace
}  // namespace mxpulse::pipeline::testing

namespace mxpulse::pipeline::testing {
namespace {

TEST(PipelineBounceDuplicates, SameNdrTwiceIsCountedOnce) {
    Pipeline p;
    Outcome first = p.run(m365_ndr("user@sky.com"), kNow);
    Outcome again = p.run(m365_ndr("user@sky.com"), kNow + 300);
    ASSERT_EQ(events_of<BounceTagged>(first).size(), 1u);
    ASSERT_EQ(events_of<BounceTagged>(again).size(), 1u);
    EXPECT_FALSE(events_of<BounceTagged>(first)[0].duplicate);
    EXPECT_TRUE(events_of<BounceTagged>(again)[0].duplicate);
    EXPECT_EQ(again.headers.size(), 1u);  // still tagged for people and mail rules
    EXPECT_EQ(p.dedup.duplicates(), 1u);
    auto sky = p.registry.domain("sky.com", kNow + 300);
    ASSERT_TRUE(sky);
    EXPECT_EQ((*sky)["windows"]["1h"]["failed"], 1);
    // Both messages passed the gateway: the message counter sees two.
    EXPECT_EQ(p.counters.messages(stats::Direction::returning_dsn), 2u);
}

TEST(PipelineBounceDuplicates, DelayThenFailureAreTwoOutcomes) {
    Pipeline p;
    p.run(m365_ndr("user@sky.com", "delayed", "4.4.7", "400 4.4.7 Message delayed"), kNow);
    Outcome fail = p.run(m365_ndr("user@sky.com"), kNow + 86400);
    EXPECT_FALSE(events_of<BounceTagged>(fail)[0].duplicate);
    EXPECT_EQ(p.dedup.duplicates(), 0u);
}

TEST(PipelineBounceDuplicates, WindowAndBoundAreKept) {
    BounceDedup d(2, 100);
    EXPECT_TRUE(d.first("a", 0));
    EXPECT_FALSE(d.first("a", 50));
    EXPECT_TRUE(d.first("a", 101));  // past the window
    EXPECT_TRUE(d.first("b", 102));
    EXPECT_TRUE(d.first("c", 103));  // evicts the oldest ("a")
    EXPECT_EQ(d.size(), 2u);
    EXPECT_EQ(d.evicted(), 1u);
    EXPECT_TRUE(d.first("a", 104));
    EXPECT_TRUE(d.first("", 105));
    EXPECT_TRUE(d.first("", 105));  // no identity: never a duplicate
    EXPECT_EQ(d.duplicates(), 1u);
}

// The compact store answers as a plain map of key -> first seen, with the oldest forgotten beyond
// the bound, over many wraps of its ring (deletions from the open-addressed index included).
TEST(PipelineBounceDuplicates, AgreesWithAPlainMapOverManyWraps) {
    constexpr std::size_t kMax = 97;
    BounceDedup d(kMax, 1000);
    std::map<std::string, std::int64_t> seen;
    std::deque<std::string> order;
    std::mt19937 rng(7);
    std::uint64_t dups = 0;
    for (std::int64_t now = 0; now < 20000; ++now) {
        std::string key = "k" + std::to_string(rng() % 400);
        while (!order.empty() && (seen[order.front()] <= now - 1000 || order.size() > kMax)) {
            seen.erase(order.front());
            order.pop_front();
        }
        bool expected = seen.count(key) == 0;
        if (expected) {
            if (order.size() == kMax) {
                seen.erase(order.front());
                order.pop_front();
            }
            seen[key] = now;
            order.push_back(key);
        } else {
            ++dups;
        }
        ASSERT_EQ(d.first(key, now), expected) << "at " << now;
        ASSERT_EQ(d.size(), order.size());
    }
    EXPECT_EQ(d.duplicates(), dups);
    EXPECT_GT(dups, 1000u);
    EXPECT_LE(d.budget_bytes(), kMax * 16 + 256 * 4);
}

}  // namespace
}  // namespace mxpulse::pipeline::testing
