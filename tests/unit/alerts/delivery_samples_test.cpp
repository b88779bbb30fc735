// Unit tests of the deferral alerts: samples from Postfix's log and queue, raised and cleared.
#include <gtest/gtest.h>

#include "alerts/delivery_samples.hpp"
#include "alerts/engine.hpp"
#include "config/alert_rules.hpp"

using namespace mxpulse;

namespace {
constexpr std::int64_t kNow = 1'796'212'800;

// Returns a deferred message to rcpt that arrived age_s before kNow, with a 421 [TSS04].
postlog::QueuedMessage deferred(const std::string& rcpt, std::int64_t age_s) {
    postlog::QueuedMessage m;
    m.queue_name = "deferred";
    m.queue_id = "Q" + rcpt;
    m.arrival_time = kNow - age_s;
    m.recipients.push_back({rcpt,
                            "host mx[192.0.2.1] said: 421 4.7.0 [TSS04] Messages from "
                            "192.0.2.7 temporarily deferred (in reply to MAIL FROM command)"});
    return m;
}

// Groups yahoo.example and aol.example under "yahoo".
std::string provider_of(const std::string& domain) {
    return domain == "yahoo.example" || domain == "aol.example" ? "yahoo" : domain;
}

// Returns one delivery attempt to a domain with a status.
postlog::Attempt attempt(const std::string& domain, postlog::Status s) {
    postlog::Attempt a;
    a.domain = domain;
    a.provider = provider_of(domain);
    a.status = s;
    return a;
}

// Returns the shipped rule on the deferred queue.
config::AlertRule queue_rule() {
    for (const config::AlertRule& r : config::default_alert_rules())
        if (r.name == "provider-deferred-queue") return r;
    ADD_FAILURE() << "no provider-deferred-queue rule shipped";
    return {};
}
}  // namespace

TEST(DeliveryAlerts, QueueSamplesPerProvider) {
    postlog::QueueView q(100, kNow, provider_of);
    q.add(deferred("ann@yahoo.example", 3 * 3600));
    q.add(deferred("bob@aol.example", 600));
    q.add(deferred("cy@gmail.example", 60));
    config::AlertRule count{"c", "queue_deferred", "provider", "1h", "", 2, 1, 1, {}, "warning", 0};
    auto s = alerts::delivery_samples(count, {nullptr, &q}, kNow);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[1].key, "yahoo");
    EXPECT_EQ(s[1].value, 2);
    auto age = alerts::delivery_samples(queue_rule(), {nullptr, &q}, kNow);
    ASSERT_EQ(age.size(), 2u);
    EXPECT_EQ(age[1].key, "yahoo");
    EXPECT_EQ(age[1].value, 3 * 3600);
    EXPECT_EQ(age[1].events, 2u);
    config::AlertRule global = count;
    global.scope = "global";
    auto g = alerts::delivery_samples(global, {nullptr, &q}, kNow);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].value, 3);
    EXPECT_TRUE(alerts::delivery_samples(count, {}, kNow).empty());
}

TEST(DeliveryAlerts, DeferredQueueRaisedThenClearedWhenDeliveryResumes) {
    alerts::Engine engine;
    engine.set_rules({queue_rule()});
    config::AlertRule rule = engine.rules()[0];
    postlog::QueueView young(100, kNow, provider_of);
    young.add(deferred("ann@yahoo.example", 3600));
    EXPECT_TRUE(engine.observe(rule, alerts::delivery_samples(rule, {nullptr, &young}, kNow), kNow)
                    .empty());  // 1 h < 2 h
    postlog::QueueView old(100, kNow + 3600, provider_of);  // the same message an hour later
    old.add(deferred("ann@yahoo.example", 3600));
    auto t = engine.observe(rule, alerts::delivery_samples(rule, {nullptr, &old}, kNow + 3600),
                            kNow + 3600);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_TRUE(t[0].raised);
    EXPECT_EQ(t[0].key, "yahoo");
    EXPECT_EQ(t[0].value, 7200);
    ASSERT_EQ(engine.active().size(), 1u);
    // Still deferred: no second raise.
    EXPECT_TRUE(engine
                    .observe(rule, alerts::delivery_samples(rule, {nullptr, &old}, kNow + 3660),
                             kNow + 3660)
                    .empty());
    // Delivery resumed: the deferred queue is empty.
    postlog::QueueView empty(100, kNow + 3700, provider_of);
    t = engine.observe(rule, alerts::delivery_samples(rule, {nullptr, &empty}, kNow + 3700),
                       kNow + 3700);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_FALSE(t[0].raised);
    EXPECT_TRUE(engine.active().empty());
}

TEST(DeliveryAlerts, LogDeferralRateRaisedThenCleared) {
    postlog::Outcomes o(100);
    config::AlertRule rule{
        "d", "postfix_deferral_rate", "provider", "5m", "", 0.5, 0.2, 4, {}, "warning", 0};
    alerts::Engine engine;
    engine.set_rules({rule});
    for (int i = 0; i < 4; ++i)
        o.record(attempt(i % 2 ? "aol.example" : "yahoo.example", postlog::Status::deferred), kNow);
    auto s = alerts::delivery_samples(rule, {&o, nullptr}, kNow);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].key, "yahoo");
    EXPECT_EQ(s[0].value, 1.0);
    auto t = engine.observe(rule, s, kNow);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_TRUE(t[0].raised);
    // Delivery resumes: the sent attempts bring the rate under clear (4 / 24 < 0.2).
    for (int i = 0; i < 20; ++i)
        o.record(attempt("yahoo.example", postlog::Status::sent), kNow + 60);
    t = engine.observe(rule, alerts::delivery_samples(rule, {&o, nullptr}, kNow + 60), kNow + 60);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_FALSE(t[0].raised);
    EXPECT_NEAR(t[0].value, 4.0 / 24.0, 1e-9);
}

TEST(DeliveryAlerts, TheMetricsAreKnownToTheRuleParser) {
    for (const char* m : {"postfix_deferral_rate", "queue_deferred", "queue_oldest_age"})
        EXPECT_TRUE(alerts::is_delivery_metric(m)) << m;
    EXPECT_FALSE(alerts::is_delivery_metric("deferral_rate"));
}
