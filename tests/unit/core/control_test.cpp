// Unit tests of lib/control: request parsing, the command table and replies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "control/commands.hpp"

using namespace mxpulse;
using control::Access;

namespace {
// A context over real counters and a real configuration holder.
struct Fixture {
    stats::Counters counters;
    config::Holder holder;
    stats::Registry registry;
    control::Context ctx{counters,  holder,  "9.9.9", 42,     nullptr,
                         &registry, nullptr, nullptr, nullptr};
    Fixture() { holder.set(config::defaults()); }
    nlohmann::json ask(std::string_view line, Access a = Access::read) {
        std::string reply = control::handle_line(line, a, ctx);
        EXPECT_TRUE(reply.ends_with("\n"));
        return nlohmann::json::parse(reply);
    }
};
}  // namespace

TEST(Control, PingAndVersion) {
    Fixture f;
    EXPECT_EQ(f.ask("ping")["result"]["pong"], true);
    EXPECT_EQ(f.ask("version\r")["result"]["version"], "9.9.9");
}

TEST(Control, StatusCountsMessagesAndLimits) {
    Fixture f;
    f.counters.count_message(stats::Direction::outbound);
    f.counters.count_message(stats::Direction::outbound);
    f.counters.count_message(stats::Direction::returning_dsn);
    f.counters.count_limit(stats::Limit::headers);
    auto j = f.ask("status");
    ASSERT_EQ(j["ok"], true);
    EXPECT_EQ(j["result"]["messages"]["outbound"], 2);
    EXPECT_EQ(j["result"]["messages"]["returning_dsn"], 1);
    EXPECT_EQ(j["result"]["messages"]["total"], 3);
    EXPECT_EQ(j["result"]["limits_hit"]["headers"], 1);
    EXPECT_EQ(j["result"]["config"]["file"], "(built-in defaults)");
    EXPECT_EQ(j["result"]["pid"], 42);
}

TEST(Control, GarbageGetsAClearError) {
    Fixture f;
    auto j = f.ask("\x01\x02garbage");
    EXPECT_EQ(j["ok"], false);
    EXPECT_NE(j["error"].get<std::string>().find("control or non-ASCII"), std::string::npos);
    EXPECT_EQ(f.ask("")["ok"], false);
    auto u = f.ask("frobnicate now");
    EXPECT_EQ(u["error"], "unknown command \"frobnicate\"; try \"help\"");
    EXPECT_EQ(f.ask("ping extra")["error"], "usage: ping");
}

TEST(Control, AdminCommandsNeedAdminAccess) {
    Fixture f;
    int calls = 0;
    f.ctx.reload = [&] {
        ++calls;
        return std::string();
    };
    EXPECT_EQ(f.ask("reload", Access::read)["ok"], false);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(f.ask("reload", Access::admin)["ok"], true);
    EXPECT_EQ(calls, 1);
}

TEST(Control, RefusedReloadSaysWhy) {
    Fixture f;
    f.ctx.reload = [] { return std::string("x.conf:3: unknown option milter.foo"); };
    auto j = f.ask("reload", Access::admin);
    EXPECT_EQ(j["ok"], false);
    EXPECT_NE(j["error"].get<std::string>().find("x.conf:3"), std::string::npos);
}

TEST(Control, TooManyArgumentsAreRefused) {
    Fixture f;
    std::string line = "status";
    for (int i = 0; i < 40; ++i)
        line += " x";
    EXPECT_EQ(f.ask(line)["ok"], false);
}

TEST(Control, HelpListsEveryCommand) {
    Fixture f;
    auto j = f.ask("help");
    EXPECT_EQ(j["result"]["commands"].size(), control::commands().size());
}

TEST(Control, TopDomainProviderReset) {
    Fixture f;
    std::int64_t now = 1'760'000'000;
    f.ctx.now = [now] { return now; };
    f.registry.record_outbound("yahoo.example", "yahoodns.example", 3, now);
    stats::BounceEvent e;
    e.action = "failed";
    e.status = "5.4.300";
    e.reason = "expired";
    f.registry.record_bounce("yahoo.example", "", e, now);
    auto top = f.ask("top 5 by=rate window=1h scope=provider");
    ASSERT_EQ(top["ok"], true) << top.dump();
    EXPECT_EQ(top["result"]["rows"][0]["provider"], "yahoodns.example");
    EXPECT_EQ(top["result"]["window"], "1h");
    EXPECT_EQ(f.ask("top window=2m")["error"], "top: window= takes 1m, 5m, 15m, 1h, 24h or total");
    EXPECT_EQ(f.ask("top lots")["ok"], false);
    EXPECT_EQ(f.ask("domain yahoo.example")["result"]["windows"]["total"]["failed"], 1);
    EXPECT_EQ(f.ask("domain nosuch.example")["error"], "no data for domain \"nosuch.example\"");
    EXPECT_EQ(f.ask("provider yahoodns.example")["result"]["domains"][0], "yahoo.example");
    EXPECT_EQ(f.ask("reset yahoo.example")["ok"], false);  // admin only
    EXPECT_EQ(f.ask("reset yahoo.example", Access::admin)["result"]["destinations_removed"], 1);
    EXPECT_EQ(f.ask("domain yahoo.example")["ok"], false);
}
