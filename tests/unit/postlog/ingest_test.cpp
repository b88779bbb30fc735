// Unit tests of the log ingest: attempts counted per destination, classified, and traced.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "postlog/ingest.hpp"

using namespace mxpulse::postlog;

namespace {

constexpr std::int64_t kNow = 1796212800;  // 2026-12-02T12:00:00Z

const char* kFrom =
    "Dec  2 10:00:00 gw postfix/qmgr[3]: 4QkA1B2C3D: from=<s@corp.example>, "
    "size=2211, nrcpt=1 (queue active)";
const char* kMid =
    "Dec  2 10:00:00 gw postfix/cleanup[8]: 4QkA1B2C3D: "
    "message-id=<m1@corp.example>";
const char* kTss04 =
    "Dec  2 10:00:02 gw postfix/smtp[9]: 4QkA1B2C3D: to=<ann@yahoo.com>, "
    "relay=mta7.am0.yahoodns.net[67.195.228.94]:25, delay=2, delays=0/0/1/1, dsn=4.7.0, "
    "status=deferred (host mta7.am0.yahoodns.net[67.195.228.94] said: 421 4.7.0 [TSS04] "
    "Messages from 192.0.2.7 temporarily deferred due to unexpected volume or user complaints "
    "(in reply to MAIL FROM command))";
const char* kSent =
    "Dec  2 11:00:02 gw postfix/smtp[9]: 4QkA1B2C3D: to=<ann@yahoo.com>, "
    "relay=mta5.am0.yahoodns.net[98.136.96.74]:25, delay=3602, "
    "delays=0/3600/1/1, dsn=2.0.0, status=sent (250 ok dirdel)";

class PostlogIngest : public ::testing::Test {
  protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
    }
    Tracker tracker{TrackerOptions{100, 8}};
    Outcomes outcomes{100};
    Ingest ingest{tracker, outcomes,
                  [](const std::string& d, const std::string& relay, std::int64_t) {
                      return d == "yahoo.com" || relay.find("yahoodns") != std::string::npos
                                 ? std::string("yahoo")
                                 : std::string();
                  }};
};

}  // namespace

TEST_F(PostlogIngest, DeferredThenSentIsCountedAndTraced) {
    for (const char* l : {kFrom, kMid, kTss04, kTss04, kSent})
        ingest.line(l, kNow, 8192);
    nlohmann::json d = outcomes.domain("yahoo.com", kNow);
    ASSERT_FALSE(d.is_null());
    EXPECT_EQ(d["provider"], "yahoo");
    EXPECT_EQ(d["deferred"]["total"], 2);
    EXPECT_EQ(d["deferred"]["24h"], 2);
    EXPECT_EQ(d["sent"]["total"], 1);
    EXPECT_EQ(d["bounced"]["total"], 0);
    EXPECT_EQ(d["patterns"]["yahoo-tss04"], 2);
    EXPECT_EQ(d["reasons"].size(), 1u);
    EXPECT_NE(d["last_reply"].get<std::string>().find("[TSS04]"), std::string::npos);
    nlohmann::json p = outcomes.provider("yahoo", kNow);
    EXPECT_EQ(p["deferred"]["total"], 2);
    EXPECT_EQ(p["domains"], nlohmann::json::array({"yahoo.com"}));

    auto found = tracker.find("m1@corp.example");
    ASSERT_EQ(found.size(), 1u);
    nlohmann::json t = to_json(found[0]);
    EXPECT_EQ(t["queue_id"], "4QkA1B2C3D");
    EXPECT_EQ(t["sender"], "s@corp.example");
    EXPECT_EQ(t["final_state"], "sent");
    ASSERT_EQ(t["attempts"].size(), 3u);
    EXPECT_EQ(t["attempts"][0]["status"], "deferred");
    EXPECT_EQ(t["attempts"][0]["relay_ip"], "67.195.228.94");
    EXPECT_EQ(t["attempts"][2]["relay"], "mta5.am0.yahoodns.net[98.136.96.74]:25");
    EXPECT_EQ(tracker.find("ANN@yahoo.com").size(), 1u);
    EXPECT_EQ(tracker.find("4QkA1B2C3D").size(), 1u);
    EXPECT_TRUE(tracker.find("nobody@yahoo.com").empty());
    EXPECT_EQ(ingest.counts().deliveries.load(), 3u);
}

TEST_F(PostlogIngest, ExpiryCountsTheStillDeferredRecipientsWithTheirCause) {
    ingest.line(kTss04, kNow, 8192);
    ingest.line(
        "Dec  2 11:30:00 gw postfix/qmgr[3]: 4QkA1B2C3D: from=<s@corp.example>, "
        "status=expired, returned to sender",
        kNow, 8192);
    nlohmann::json d = outcomes.domain("yahoo.com", kNow);
    EXPECT_EQ(d["expired"]["total"], 1);
    EXPECT_EQ(d["patterns"]["yahoo-tss04"], 2);  // the deferral's, and the expiry's cause
    EXPECT_EQ(to_json(tracker.find("4QkA1B2C3D")[0])["final_state"], "expired");
}

TEST_F(PostlogIngest, TheTraceStoreIsBounded) {
    Tracker small{TrackerOptions{2, 2}};
    Outcomes o{100};
    Ingest in{small, o, nullptr};
    for (const char* q : {"AAAAA1", "AAAAA2", "AAAAA3"})
        in.line(std::string("Dec  2 10:00:00 gw postfix/qmgr[3]: ") + q + ": removed", kNow, 8192);
    EXPECT_EQ(small.size(), 2u);
    EXPECT_EQ(small.evictions(), 1u);
    EXPECT_TRUE(small.find("AAAAA1").empty());
    for (int i = 0; i < 3; ++i)
        in.line(kTss04, kNow, 8192);
    auto e = small.find("4QkA1B2C3D");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].attempts.size(), 2u);
    EXPECT_EQ(e[0].attempts_dropped, 1u);
}

TEST_F(PostlogIngest, OutcomesFoldTheQuietestDomainAtTheBound) {
    Outcomes o{2};
    Attempt a;
    a.status = Status::deferred;
    for (const char* d : {"a.example", "b.example", "c.example"}) {
        a.domain = d;
        o.record(a, kNow + (d[0] - 'a'));
    }
    EXPECT_EQ(o.tracked(), 2u);
    EXPECT_EQ(o.evictions(), 1u);
    EXPECT_TRUE(o.domain("a.example", kNow).is_null());
    EXPECT_EQ(o.domain("c.example", kNow)["deferred"]["total"], 1);
}

TEST_F(PostlogIngest, MalformedAndLongLinesAreCounted) {
    ingest.line("Dec  2 10:00:00 gw postfix/smtp[1]: 9A8B7C6D5E: to=<a@b>, relay=none", kNow, 8192);
    ingest.line(kSent, kNow, 20);
    EXPECT_EQ(ingest.counts().malformed.load(), 1u);
    EXPECT_EQ(ingest.counts().too_long.load(), 1u);
    EXPECT_EQ(ingest.counts().deliveries.load(), 0u);
}
