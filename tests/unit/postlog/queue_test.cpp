// Unit tests of the `postqueue -j` reader: lines parsed, bounds kept, the view per domain/provider.
#include <gtest/gtest.h>

#include <string>

#include "dsn/classify.hpp"
#include "postlog/queue_scan.hpp"

using namespace mxpulse::postlog;

namespace {

constexpr std::int64_t kNow = 1796212800;  // 2026-12-02T12:00:00Z

// Lines written for these tests in the shape Postfix 3.1+ prints (postqueue(1), "-j").
const std::string kYahoo =
    R"j({"queue_name": "deferred", "queue_id": "4QkA1B2C3D", "arrival_time": 1796205600, )j"
    R"j("message_size": 2211, "forced_expire": false, "sender": "s@corp.example", "recipients": )j"
    R"j([{"address": "ann@yahoo.com", "delay_reason": "host mta7.am0.yahoodns.net[67.195.228.94] )j"
    R"j(said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to unexpected )j"
    R"j(volume or user complaints (in reply to MAIL FROM command)"}]})j";
const std::string kAol =
    R"j({"queue_name": "deferred", "queue_id": "4QkA1B2C3E", "arrival_time": 1796209200, )j"
    R"j("message_size": 900, "sender": "s@corp.example", "recipients": [{"address": )j"
    R"j("bob@aol.com", "delay_reason": "connect to mx-aol.mail.gm0.yahoodns.net[67.195.204.72]:25: )j"
    R"j(Connection timed out"}, {"address": "cy@aol.com", "delay_reason": "connect to )j"
    R"j(mx-aol.mail.gm0.yahoodns.net[67.195.204.72]:25: Connection timed out"}]})j";
const std::string kGmail =
    R"j({"queue_name": "deferred", "queue_id": "4QkA1B2C3F", "arrival_time": 1796212500, )j"
    R"j("message_size": 900, "sender": "s@corp.example", "recipients": [{"address": )j"
    R"j("dee@gmail.com", "delay_reason": "host gmail-smtp-in.l.google.com[142.250.1.27] said: 421 )j"
    R"j(4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP )j"
    R"j(address. (in reply to end of DATA command)"}]})j";
const std::string kActive =
    R"j({"queue_name": "active", "queue_id": "4QkA1B2C40", "arrival_time": 1796212790, )j"
    R"j("message_size": 900, "sender": "s@corp.example", "recipients": [{"address": )j"
    R"j("eve@yahoo.com"}]})j";

// Groups the Yahoo-run domains into "yahoo", as the registry's provider table would.
std::string provider_of(const std::string& domain) {
    if (domain == "yahoo.com" || domain == "aol.com") return "yahoo";
    if (domain == "gmail.com") return "google";
    return {};
}

}  // namespace

TEST(PostqueueLine, ParsesAMessage) {
    QueueLine l = parse_queue_line(kAol, 65536, 100);
    ASSERT_EQ(l.kind, QueueLineKind::message) << l.error;
    EXPECT_EQ(l.message.queue_name, "deferred");
    EXPECT_EQ(l.message.queue_id, "4QkA1B2C3E");
    EXPECT_EQ(l.message.arrival_time, 1796209200);
    EXPECT_EQ(l.message.message_size, 900);
    EXPECT_EQ(l.message.sender, "s@corp.example");
    ASSERT_EQ(l.message.recipients.size(), 2u);
    EXPECT_EQ(l.message.recipients[1].address, "cy@aol.com");
    EXPECT_NE(l.message.recipients[1].delay_reason.find("Connection timed out"), std::string::npos);
}

TEST(PostqueueLine, MalformedLinesAreOutcomes) {
    const char* lines[] = {
        "",
        "not json",
        "[1, 2]",
        R"j({"queue_id": "A"})j",
        R"j({"queue_name": "deferred", "queue_id": "A"})j",
        R"j({"queue_name": "deferred", "queue_id": "A", "recipients": [3]})j",
        R"j({"queue_name": "deferred", "queue_id": 7, "recipients": []})j",
        R"j({"queue_name": "deferred", "queue_id": "A", "recipients": [)j",
    };
    for (const char* bad : lines) {
        QueueLine l = parse_queue_line(bad, 65536, 100);
        EXPECT_EQ(l.kind, QueueLineKind::malformed) << bad;
        EXPECT_FALSE(l.error.empty()) << bad;
    }
}

TEST(PostqueueLine, OversizeAndRecipientBounds) {
    EXPECT_EQ(parse_queue_line(kYahoo, kYahoo.size() - 1, 100).kind, QueueLineKind::too_long);
    QueueLine l = parse_queue_line(kAol, 65536, 1);
    ASSERT_EQ(l.kind, QueueLineKind::message);
    EXPECT_EQ(l.message.recipients.size(), 1u);
    EXPECT_EQ(l.message.recipients_dropped, 1u);
}

TEST(PostqueueScan, CountsDeferredPerDomainAndProvider) {
    QueueView view(100, kNow, provider_of);
    QueueScan scan({65536, 1000, 100}, view);
    std::string out = kYahoo + "\n" + kAol + "\n" + "garbage\n" + kGmail + "\n" + kActive;
    // Fed in small pieces, as a pipe delivers it.
    for (std::size_t i = 0; i < out.size(); i += 7)
        ASSERT_TRUE(scan.feed(std::string_view(out).substr(i, 7)));
    scan.finish();
    EXPECT_EQ(scan.counts().messages, 4u);
    EXPECT_EQ(scan.counts().malformed, 1u);
    EXPECT_EQ(view.deferred(), 3u);

    nlohmann::json p = view.to_json(true);
    ASSERT_EQ(p["rows"].size(), 2u) << p.dump(2);
    const nlohmann::json& yahoo = p["rows"][0];
    EXPECT_EQ(yahoo["provider"], "yahoo");
    EXPECT_EQ(yahoo["deferred"], 2);  // one message each to yahoo.com and aol.com
    EXPECT_EQ(yahoo["active"], 1);
    EXPECT_EQ(yahoo["oldest_age_s"], kNow - 1796205600);
    EXPECT_EQ(yahoo["patterns"]["yahoo-tss04"], 1);
    ASSERT_FALSE(yahoo["reasons"].empty());
    EXPECT_EQ(yahoo["reasons"][0]["recipients"], 2);  // the two timed-out aol.com recipients
    EXPECT_EQ(yahoo["ages"][5], 1);                   // 2 h: the 80-160 min column
    const nlohmann::json& google = p["rows"][1];
    EXPECT_EQ(google["provider"], "google");
    EXPECT_EQ(google["patterns"]["gmail-4.7.28-ip"], 1);
    EXPECT_EQ(google["ages"][1], 1);  // 5 min: the 5-10 min column

    nlohmann::json d = view.to_json(false);
    ASSERT_EQ(d["rows"].size(), 3u);
    for (const auto& r : d["rows"]) {
        if (r["domain"] == "yahoo.com") {
            EXPECT_EQ(r["provider"], "yahoo");
            EXPECT_EQ(r["deferred"], 1);
            // The reason is the DSN classifier's, as for the log's deferrals and the NDRs.
            std::string text = r["example"];
            EXPECT_EQ(r["reasons"][0]["reason"],
                      mxpulse::dsn::reason_for(text, "4.7.0", mxpulse::dsn::default_rules()));
            EXPECT_NE(text.find("[TSS04]"), std::string::npos);
        }
    }
}

TEST(PostqueueScan, BoundsAreKeptAndCounted) {
    QueueView view(1, kNow, provider_of);
    QueueScan scan({400, 2, 100}, view);
    std::string out = kYahoo + "\n" + kGmail + "\n" + kAol + "\n" + kActive + "\n";
    ASSERT_GT(kYahoo.size(), 400u);
    EXPECT_FALSE(scan.feed(out));
    scan.finish();
    EXPECT_EQ(scan.counts().too_long, 1u);  // kYahoo
    EXPECT_EQ(scan.counts().messages, 2u);  // kGmail, kAol
    EXPECT_TRUE(scan.counts().truncated);   // the scan stopped at max_messages
    nlohmann::json d = view.to_json(false);
    ASSERT_EQ(d["rows"].size(), 2u) << d.dump(2);  // gmail.com, then the rest in "other"
    EXPECT_EQ(d["folded_into_other"], 1);
}

TEST(PostqueueScan, ExactlyTheBoundIsNotTruncated) {
    QueueView view(10, kNow, provider_of);
    QueueScan scan({65536, 2, 100}, view);
    EXPECT_TRUE(scan.feed(kGmail + "\n" + kAol + "\n"));
    scan.finish();
    EXPECT_FALSE(scan.counts().truncated);
    EXPECT_EQ(scan.counts().messages, 2u);
}
