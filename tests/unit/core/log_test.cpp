// Unit tests of lib/log: kv and json lines, quoting, and the event catalogue.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "log/events.hpp"
#include "log/format.hpp"

using namespace mxpulse::log;

TEST(LogFormat, KvQuotesOnlyWhatNeedsIt) {
    std::string line = format_line(
        Format::kv, "", events::message_seen, "4XyZ1",
        {Field("direction", "outbound"), Field("size", 1234), Field("sender", "a b=c")});
    EXPECT_EQ(line,
              "level=info event=message.seen queue_id=4XyZ1 direction=outbound size=1234 "
              "sender=\"a b=c\"");
}

TEST(LogFormat, MessageEventsAlwaysCarryAQueueId) {
    std::string line =
        format_line(Format::kv, "", events::limit_hit, "", {Field("limit", "headers")});
    EXPECT_EQ(line, "level=warn event=limit.hit queue_id=- limit=headers");
}

TEST(LogFormat, JsonIsValidAndEscaped) {
    std::string line =
        format_line(Format::json, "2026-01-01T00:00:00.000+00:00", events::message_seen, "Q1",
                    {Field("sender", "\"evil\"\n\x01"), Field("ok", true)});
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "message.seen");
    EXPECT_EQ(j["queue_id"], "Q1");
    EXPECT_EQ(j["sender"], "\"evil\"\n\x01");
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["ts"], "2026-01-01T00:00:00.000+00:00");
}

TEST(LogFormat, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    // A Latin-1 domain from a hostile bounce, a lone continuation byte, a truncated sequence.
    std::string bad = "user@ex\xe4mple.test \x80 caf\xc3";
    std::string json = format_line(Format::json, "", events::message_seen, "Q1",
                                   {Field("sender", bad), Field("ok", "gr\xc3\xbc\xc3\x9f")});
    auto j = nlohmann::json::parse(json);  // strict: throws on invalid UTF-8
    EXPECT_EQ(j["sender"], "user@ex\xef\xbf\xbdmple.test \xef\xbf\xbd caf\xef\xbf\xbd");
    EXPECT_EQ(j["ok"], "gr\xc3\xbc\xc3\x9f");  // valid UTF-8 passes unchanged
    std::string kv = format_line(Format::kv, "", events::message_seen, "Q1",
                                 {Field("sender", bad), Field("ok", "gr\xc3\xbc\xc3\x9f")});
    EXPECT_NE(kv.find("sender=\"user@ex\xef\xbf\xbdmple.test"), std::string::npos) << kv;
    EXPECT_NE(kv.find(" ok=gr\xc3\xbc\xc3\x9f"), std::string::npos) << kv;
}

TEST(LogFormat, TimestampHasOffset) {
    std::string ts = timestamp_now();
    ASSERT_EQ(ts.size(), 29u) << ts;
    EXPECT_TRUE(ts[23] == '+' || ts[23] == '-') << ts;
    EXPECT_EQ(ts[26], ':');
}

TEST(LogCatalogue, NamesAreUniqueAndMessageEventsDeclareQueueId) {
    std::set<std::string_view> names;
    for (const EventSpec* e : catalogue()) {
        EXPECT_TRUE(names.insert(e->name).second) << e->name;
        if (e->per_message) {
            EXPECT_TRUE(e->keys.starts_with("queue_id")) << e->name;
        }
        // A key must not shadow what every line starts with.
        std::string keys = " " + std::string(e->keys) + " ";
        for (const char* reserved : {" ts ", " level ", " event "})
            EXPECT_EQ(keys.find(reserved), std::string::npos) << e->name << reserved;
        if (!e->flood_key.empty() && e->flood_key != "*") {
            EXPECT_NE(keys.find(" " + std::string(e->flood_key) + " "), std::string::npos)
                << e->name << " limits by a key it does not have: " << e->flood_key;
        }
    }
}

TEST(LogFormat, FractionsAreNumbersInBothFormats) {
    std::initializer_list<Field> fields{Field("value", 0.13), Field("threshold", 5.0),
                                        Field("bad", std::nan(""))};
    EXPECT_EQ(format_line(Format::kv, "", events::alert_raised, "", fields),
              "level=warn event=alert.raised value=0.13 threshold=5 bad=0");
    auto j = nlohmann::json::parse(format_line(Format::json, "", events::alert_raised, "", fields));
    EXPECT_DOUBLE_EQ(j["value"].get<double>(), 0.13);
    EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), 5.0);
}
