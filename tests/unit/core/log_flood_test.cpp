// Unit tests of flood control (lib/log/flood) and of the file sink with flood control in the
// process-wide logger.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "log/events.hpp"
#include "log/flood.hpp"
#include "log/logger.hpp"
#include "log/scope.hpp"

using namespace mxpulse::log;

namespace {
// Admits n events of one key value at now_ms; returns how many passed.
int admit_n(FloodGate& g, std::string_view value, int n, std::int64_t now_ms,
            std::vector<Suppressed>& ended) {
    int passed = 0;
    for (int i = 0; i < n; ++i)
        passed += g.admit("bounce.tagged", "domain", value, now_ms, ended);
    return passed;
}
}  // namespace

TEST(FloodGate, BurstPerKeyValueThenSuppressed) {
    FloodGate g;
    g.set_limits({3, 1000, 100});
    std::vector<Suppressed> ended;
    EXPECT_EQ(admit_n(g, "yahoo.com", 10, 0, ended), 3);
    EXPECT_EQ(admit_n(g, "aol.com", 2, 10, ended), 2);  // another value has its own budget
    EXPECT_TRUE(ended.empty());
    auto totals = g.suppressed_totals();
    EXPECT_EQ(totals["bounce.tagged"], 7u);
}

TEST(FloodGate, TheNextIntervalReportsWhatWasHeldBack) {
    FloodGate g;
    g.set_limits({2, 1000, 100});
    std::vector<Suppressed> ended;
    admit_n(g, "yahoo.com", 5, 0, ended);
    EXPECT_EQ(admit_n(g, "yahoo.com", 1, 1000, ended), 1);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].event, "bounce.tagged");
    EXPECT_EQ(ended[0].key, "domain");
    EXPECT_EQ(ended[0].value, "yahoo.com");
    EXPECT_EQ(ended[0].suppressed, 3u);
    EXPECT_EQ(ended[0].written, 2u);
}

TEST(FloodGate, ExpireSummarisesEndedIntervalsOnly) {
    FloodGate g;
    g.set_limits({1, 1000, 100});
    std::vector<Suppressed> ended;
    admit_n(g, "a.example", 4, 0, ended);
    admit_n(g, "b.example", 4, 900, ended);
    admit_n(g, "c.example", 1, 0, ended);  // nothing held back: no summary
    auto due = g.expire(1000);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].value, "a.example");
    EXPECT_EQ(due[0].suppressed, 3u);
    EXPECT_EQ(g.tracked(), 1u);  // b.example's interval is still running
    auto rest = g.expire(1000, true);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].value, "b.example");
    EXPECT_EQ(g.tracked(), 0u);
}

TEST(FloodGate, KeyValuesBeyondTheBoundShareOneSlot) {
    FloodGate g;
    g.set_limits({1, 1000, 2});
    std::vector<Suppressed> ended;
    int passed = 0;
    for (int i = 0; i < 50; ++i)
        passed += admit_n(g, "d" + std::to_string(i) + ".example", 1, 0, ended);
    EXPECT_EQ(passed, 3);  // two tracked values and the shared slot
    EXPECT_EQ(g.tracked(), 3u);
    auto due = g.expire(0, true);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].value, kFloodOverflow);
    EXPECT_EQ(due[0].suppressed, 47u);
}

TEST(FloodGate, BurstZeroTurnsItOff) {
    FloodGate g;
    g.set_limits({0, 1000, 10});
    std::vector<Suppressed> ended;
    EXPECT_EQ(admit_n(g, "yahoo.com", 1000, 0, ended), 1000);
    EXPECT_EQ(g.tracked(), 0u);
}

TEST(QueueIdScope, NestsAndRestores) {
    EXPECT_EQ(current_queue_id(), "");
    {
        QueueIdScope a("4AbC");
        EXPECT_EQ(current_queue_id(), "4AbC");
        {
            QueueIdScope b("5DeF");
            EXPECT_EQ(current_queue_id(), "5DeF");
        }
        EXPECT_EQ(current_queue_id(), "4AbC");
    }
    EXPECT_EQ(current_queue_id(), "");
}

TEST(LogFileSink, FloodOfOneDomainIsBoundedWithASummary) {
    auto path = std::filesystem::temp_directory_path() /
                ("mxpulse-log-test-" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(path);
    Settings s;
    s.sink = "file";
    s.file = path.string();
    s.format = "json";
    s.flood = {10, 3'600'000, 100};
    ASSERT_EQ(configure(s), "");
    for (int i = 0; i < 1000; ++i) {
        emit_message(events::bounce_tagged, "Q" + std::to_string(i),
                     {Field("domain", "yahoo.com"), Field("status", "5.4.300")});
    }
    emit_message(events::bounce_tagged, "QX", {Field("domain", "aol.com")});
    emit(events::config_loaded, {Field("config", "x"), Field("reason", "test")});  // not limited
    flush_suppressed(true);
    flush();
    std::ifstream in(path);
    std::string line;
    int tagged = 0, summaries = 0, loaded = 0;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);  // every line is one JSON document
        std::string ev = j["event"];
        if (ev == "bounce.tagged") ++tagged;
        if (ev == "config.loaded") ++loaded;
        if (ev == "log.suppressed") {
            ++summaries;
            EXPECT_EQ(j["limited"], "bounce.tagged");
            EXPECT_EQ(j["value"], "yahoo.com");
            EXPECT_EQ(j["key"], "domain");
            EXPECT_EQ(j["suppressed"], 990);
            EXPECT_EQ(j["written"], 10);
        }
    }
    EXPECT_EQ(tagged, 11);
    EXPECT_EQ(summaries, 1);
    EXPECT_EQ(loaded, 1);
    EXPECT_GE(suppressed_totals()["bounce.tagged"], 990u);

    Settings bad = s;
    bad.file = path.string() + "/below-a-file.log";  // a regular file cannot hold one
    EXPECT_NE(configure(bad), "");                   // the old output stays
    configure(Settings{});
    std::filesystem::remove(path);
}
