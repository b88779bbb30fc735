// Unit tests of the alert engine and the [[alert]] rules.
#include <gtest/gtest.h>

#include "alerts/engine.hpp"
#include "alerts/samples.hpp"
#include "config/alert_rules.hpp"
#include "config/loader.hpp"

using namespace mxpulse;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;

// Returns a rule that fires on a pattern count per provider.
config::AlertRule burst(std::chrono::milliseconds sustain = std::chrono::milliseconds(0)) {
    return config::AlertRule{"burst", "pattern_count", "provider", "15m", "m365-socketerror", 3, 1,
                             3,       sustain,         "critical", 0};
}

// Returns a failed bounce with the m365-socketerror pattern.
stats::BounceEvent socketerror() {
    stats::BounceEvent e;
    e.action = "failed";
    e.status = "5.4.300";
    e.reason = "expired";
    e.patterns = {"m365-socketerror"};
    return e;
}
}  // namespace

TEST(Alerts, RaisedOnceThenClearedOnceWithHysteresis) {
    stats::Registry reg;
    stats::AuthCounters auth;
    alerts::Engine engine;
    engine.set_rules({burst()});
    config::AlertRule rule = engine.rules()[0];
    reg.record_bounce("yahoo.example", "yahoodns.example", socketerror(), kNow);
    reg.record_bounce("aol.example", "yahoodns.example", socketerror(), kNow);
    EXPECT_TRUE(
        engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow).empty());  // 2 < 3
    reg.record_bounce("aol.example", "yahoodns.example", socketerror(), kNow);
    auto t = engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_TRUE(t[0].raised);
    EXPECT_EQ(t[0].key, "yahoodns.example");
    EXPECT_EQ(t[0].value, 3);
    // Still firing: no second raise.
    reg.record_bounce("yahoo.example", "yahoodns.example", socketerror(), kNow + 60);
    EXPECT_TRUE(
        engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 60), kNow + 60).empty());
    EXPECT_EQ(engine.active().size(), 1u);
    // Once the window has passed, the value falls below clear: cleared once.
    auto c = engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 3600), kNow + 3600);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_FALSE(c[0].raised);
    EXPECT_TRUE(engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 3700), kNow + 3700)
                    .empty());
    EXPECT_EQ(engine.to_json()["recent"].size(), 2u);
}

TEST(Alerts, SustainDelaysTheRaise) {
    stats::Registry reg;
    stats::AuthCounters auth;
    alerts::Engine engine;
    engine.set_rules({burst(std::chrono::milliseconds(120'000))});
    config::AlertRule rule = engine.rules()[0];
    for (int i = 0; i < 5; ++i)
        reg.record_bounce("yahoo.example", "yahoodns.example", socketerror(), kNow);
    EXPECT_TRUE(engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow).empty());
    EXPECT_TRUE(
        engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 60), kNow + 60).empty());
    EXPECT_EQ(
        engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 120), kNow + 120).size(),
        1u);
}

TEST(Alerts, FailureRateNeedsMinEvents) {
    stats::Registry reg;
    stats::AuthCounters auth;
    config::AlertRule rule{"rate", "failure_rate", "domain", "1h", "", 0.5, 0.2, 10,
                           {},     "warning",      0};
    alerts::Engine engine;
    engine.set_rules({rule});
    reg.record_outbound("a.example", "", 2, kNow);
    stats::BounceEvent e = socketerror();
    reg.record_bounce("a.example", "", e, kNow, kNow);
    reg.record_bounce("a.example", "", e, kNow, kNow);
    EXPECT_TRUE(engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow)
                    .empty());  // 2 events < 10
    reg.record_outbound("a.example", "", 10, kNow);
    for (int i = 0; i < 8; ++i)
        reg.record_bounce("a.example", "", e, kNow, kNow);
    auto t = engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_DOUBLE_EQ(t[0].value, 10.0 / 12.0);
}

TEST(Alerts, AuthFailRateForOwnDomains) {
    stats::Registry reg;
    stats::AuthCounters auth;
    config::AlertRule rule{
        "dmarc", "auth_fail_rate", "sender_domain", "1h", "", 0.2, 0.1, 4, {}, "warning", 0};
    for (int i = 0; i < 3; ++i)
        auth.record("own.example", "pass", "pass", "pass", kNow);
    auth.record("own.example", "fail", "none", "fail", kNow);
    auth.record("other.example", "fail", "none", "fail", kNow);
    auto s = alerts::samples(rule, reg, auth, {"own.example"}, kNow);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].key, "own.example");
    EXPECT_DOUBLE_EQ(s[0].value, 0.25);
}

TEST(AlertRules, ParsedWithDefaultsAndErrors) {
    auto ok = config::load_string(
        "[[alert]]\nname = \"mine\"\nmetric = \"bounce_count\"\nscope = \"global\"\nwindow = "
        "\"5m\"\nraise = 10\n"
        "clear = 2\nfor = \"1m\"\n",
        "a.conf");
    ASSERT_TRUE(ok.errors.empty()) << ok.errors.front();
    EXPECT_EQ(ok.config->alert_rules.size(), 1u + config::default_alert_rules().size());
    EXPECT_EQ(ok.config->alert_rules[0].sustain.count(), 60000);
    auto bad = config::load_string(
        "[alerts]\ndefault_rules = false\n[[alert]]\nname = \"x\"\nmetric = \"nonsense\"\nscope = "
        "\"global\"\n"
        "window = \"5m\"\nraise = 1\nclear = 2\n",
        "b.conf");
    ASSERT_FALSE(bad.errors.empty());
    EXPECT_EQ(bad.errors[0].rfind("b.conf:5: alert: metric: expected one of", 0), 0u)
        << bad.errors[0];
    auto hyst = config::load_string(
        "[[alert]]\nname = \"x\"\nmetric = \"bounce_count\"\nscope = \"global\"\nwindow = "
        "\"5m\"\nraise = 1\nclear = 2\n",
        "c.conf");
    ASSERT_EQ(hyst.errors.size(), 1u);
    EXPECT_NE(hyst.errors[0].find("clear must not be above raise"), std::string::npos);
    auto none = config::load_string("[alerts]\ndefault_rules = false\n", "d.conf");
    EXPECT_TRUE(none.config->alert_rules.empty());
}
