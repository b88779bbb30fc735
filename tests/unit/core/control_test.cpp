// Unit tests of lib/control: request parsing, the command table and replies.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "control/access.hpp"
#include "control/commands.hpp"

using namespace mxpulse;
using control::Access;

namespace {
// A context over real counters and a real configuration holder.
struct Fixture {
    stats::Counters counters;
    config::Holder holder;
    stats::Registry registry;
    control::Context ctx{counters, holder,  "9.9.9", 42,      nullptr, &registry,
                         nullptr,  nullptr, nullptr, nullptr, nullptr, nullptr,
                         nullptr,  nullptr, nullptr, nullptr, nullptr};
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

TEST(ControlAccess, LevelsFollowThePolicy) {
    control::Policy p{{1000}, {50}, {0, 999}, {60}};
    EXPECT_EQ(control::access_for({0, 0, {}}, p), Access::admin);
    EXPECT_EQ(control::access_for({999, 5, {}}, p), Access::admin);
    EXPECT_EQ(control::access_for({1000, 5, {}}, p), Access::read);
    EXPECT_EQ(control::access_for({1234, 50, {}}, p), Access::read);
    EXPECT_EQ(control::access_for({1234, 7, {8, 50}}, p), Access::read);
    EXPECT_EQ(control::access_for({1234, 7, {60}}, p), Access::admin);
    EXPECT_EQ(control::access_for({65534, 65534, {}}, p), std::nullopt);
    EXPECT_EQ(control::access_for({65534, 65534, {1000}}, p), std::nullopt);
}

TEST(Control, EvidenceCommand) {
    Fixture f;
    f.ctx.now = [] { return std::int64_t{1'700'000'000}; };
    EXPECT_EQ(f.ask("evidence")["ok"], false);
    auto none = f.ask("evidence nowhere.example");
    EXPECT_EQ(none["error"], "no data for domain or provider \"nowhere.example\"");
    f.registry.record_outbound("yahoo.com", "yahoo", 2, 1'700'000'000 - 60);
    EXPECT_EQ(f.ask("evidence yahoo.com since=forever")["ok"], false);
    auto j = f.ask("evidence yahoo since=2h");
    ASSERT_EQ(j["ok"], true) << j.dump();
    EXPECT_EQ(j["result"]["scope"], "provider");
    EXPECT_EQ(j["result"]["time_window"]["seconds"], 7200);
    EXPECT_EQ(j["result"]["counts"]["outbound_rcpts"], 2);
}

TEST(Control, DomainAndProviderNamesAreCaseInsensitive) {
    Fixture f;
    std::int64_t now = std::time(nullptr);
    f.ctx.now = [now] { return now; };
    f.registry.record_outbound("yahoo.com", "yahoodns.net", 3, now);
    auto d = f.ask("domain YAHOO.COM");
    ASSERT_EQ(d["ok"], true) << d.dump();
    EXPECT_EQ(d["result"]["provider"], "yahoodns.net");
    EXPECT_EQ(f.ask("provider YahooDNS.net")["ok"], true);
    EXPECT_EQ(f.ask("domain nothing.example")["ok"], false);
}

TEST(Control, ProviderSaysHowEachDomainWasGrouped) {
    Fixture f;
    std::int64_t now = std::time(nullptr);
    f.ctx.now = [now] { return now; };
    f.registry.record_outbound("btinternet.com", "yahoodns.net", 1, now);
    f.ctx.grouping = [](const std::string& domain) -> nlohmann::json {
        return {{"mail_host", "mx-eu.mail.am0.yahoodns.net"}, {"source", "mx"}, {"d", domain}};
    };
    auto p = f.ask("provider yahoodns.net");
    ASSERT_EQ(p["ok"], true) << p.dump();
    EXPECT_EQ(p["result"]["grouping"]["btinternet.com"]["source"], "mx");
    EXPECT_EQ(p["result"]["grouping"]["btinternet.com"]["d"], "btinternet.com");
}

TEST(Control, ResetForgetsTheAlertsOfTheNameWithoutAClear) {
    Fixture f;
    std::int64_t now = std::time(nullptr);
    f.registry.record_outbound("sky.com", "", 1, now);
    std::vector<std::string> forgotten;
    f.ctx.forget_alerts = [&](const std::string& key) { forgotten.push_back(key); };
    EXPECT_EQ(f.ask("reset SKY.com", Access::admin)["result"]["destinations_removed"], 1);
    EXPECT_EQ(forgotten, (std::vector<std::string>{"sky.com"}));
}
