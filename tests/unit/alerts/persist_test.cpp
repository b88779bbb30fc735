// Unit tests of alert state across a restart: restored without a new raise, forgotten on reset
// without a clear, a damaged file set aside.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "alerts/engine.hpp"
#include "alerts/persist.hpp"
#include "alerts/samples.hpp"

using namespace mxpulse;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;

// Returns a rule raised by three SocketError bounces per provider.
config::AlertRule burst() {
    return config::AlertRule{"burst",
                             "pattern_count",
                             "provider",
                             "15m",
                             "m365-socketerror",
                             3,
                             1,
                             3,
                             std::chrono::milliseconds(0),
                             "critical",
                             0};
}

// Returns a registry with three SocketError bounces at yahoodns.example.
void three_bounces(stats::Registry& reg) {
    stats::BounceEvent e;
    e.action = "failed";
    e.status = "5.4.300";
    e.patterns = {"m365-socketerror"};
    for (int i = 0; i < 3; ++i)
        reg.record_bounce("yahoo.example", "yahoodns.example", e, kNow);
}

// A private directory for the alert file.
struct TempDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("mxpulse-alerts-" + std::to_string(::getpid()) + "-" +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
};
}  // namespace

TEST(AlertPersist, FiringAlertSurvivesARestartWithoutANewRaise) {
    TempDir dir;
    std::string file = alerts::alert_file_for((dir.path / "state.cbor").string());
    stats::Registry reg;
    stats::AuthCounters auth;
    alerts::Engine before;
    before.set_rules({burst()});
    three_bounces(reg);
    config::AlertRule rule = before.rules()[0];
    ASSERT_EQ(before.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow).size(), 1u);
    ASSERT_EQ(alerts::save_alerts(file, before), "");

    alerts::Engine after;
    after.set_rules({burst()});
    alerts::AlertLoad l = alerts::load_alerts(file, after);
    EXPECT_EQ(l.what, alerts::AlertLoad::What::loaded);
    EXPECT_EQ(l.alerts, 1);
    ASSERT_EQ(after.active().size(), 1u);
    EXPECT_EQ(after.active()[0].since, kNow);
    // The same condition after the restart: still firing, no second alert.raised.
    EXPECT_TRUE(
        after.observe(rule, alerts::samples(rule, reg, auth, {}, kNow + 60), kNow + 60).empty());
    EXPECT_EQ(after.raised_totals().at("burst"), 1u);
}

TEST(AlertPersist, RuleThatIsGoneTakesItsAlertsAlong) {
    TempDir dir;
    std::string file = (dir.path / "a.alerts").string();
    stats::Registry reg;
    stats::AuthCounters auth;
    alerts::Engine before;
    before.set_rules({burst()});
    three_bounces(reg);
    before.observe(before.rules()[0], alerts::samples(before.rules()[0], reg, auth, {}, kNow),
                   kNow);
    ASSERT_EQ(alerts::save_alerts(file, before), "");
    alerts::Engine after;  // no rules in force
    EXPECT_EQ(alerts::load_alerts(file, after).alerts, 0);
    EXPECT_TRUE(after.active().empty());
}

TEST(AlertPersist, ForgetDropsAlertsWithoutAClear) {
    stats::Registry reg;
    stats::AuthCounters auth;
    alerts::Engine engine;
    engine.set_rules({burst()});
    three_bounces(reg);
    config::AlertRule rule = engine.rules()[0];
    engine.observe(rule, alerts::samples(rule, reg, auth, {}, kNow), kNow);
    EXPECT_EQ(engine.forget("other.example"), 0u);
    EXPECT_EQ(engine.forget("yahoodns.example"), 1u);
    EXPECT_TRUE(engine.active().empty());
    stats::Registry empty;  // the counters were reset too
    EXPECT_TRUE(engine.observe(rule, alerts::samples(rule, empty, auth, {}, kNow + 60), kNow + 60)
                    .empty());  // no alert.cleared
}

TEST(AlertPersist, DamagedFileIsSetAsideAndNothingIsRestored) {
    TempDir dir;
    std::string file = (dir.path / "a.alerts").string();
    for (const char* text : {"{\"format\": 1}",
                             "{\"format\": 1, \"states\": [{\"rule\": 3}], "
                             "\"raised_totals\": {}}",
                             "\x01\x02garbage", "[]"}) {
        std::ofstream(file) << text;
        alerts::Engine engine;
        engine.set_rules({burst()});
        alerts::AlertLoad l = alerts::load_alerts(file, engine);
        EXPECT_EQ(l.what, alerts::AlertLoad::What::set_aside) << text;
        EXPECT_FALSE(l.detail.empty()) << text;
        EXPECT_TRUE(std::filesystem::exists(file + ".bad")) << text;
        EXPECT_FALSE(std::filesystem::exists(file)) << text;
        EXPECT_TRUE(engine.active().empty());
    }
    alerts::Engine engine;
    EXPECT_EQ(alerts::load_alerts((dir.path / "missing").string(), engine).what,
              alerts::AlertLoad::What::missing);
}
