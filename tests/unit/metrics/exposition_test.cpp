// Unit tests of lib/metrics: families, escaping, and the fold of quiet destinations into "other".
#include <gtest/gtest.h>

#include "metrics/exposition.hpp"

using namespace mxpulse;

namespace {
constexpr std::int64_t kNow = 1'700'000'000;

// Returns the value of the sample line that starts with prefix, or -1 when there is none.
double value_of(const std::string& text, const std::string& prefix) {
    auto at = text.find("\n" + prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + prefix.size() + 2));
}

// Returns a bounce event with a pattern.
stats::BounceEvent bounce(const std::string& rcpt) {
    stats::BounceEvent e;
    e.recipient = rcpt;
    e.action = "failed";
    e.status = "5.4.300";
    e.patterns = {"m365-socketerror"};
    return e;
}

// Renders with the inputs a test cares about; the rest empty.
std::string render(const stats::Counters& c, const stats::Registry& r, std::size_t top,
                   const stats::Correlation* corr = nullptr) {
    return metrics::render(metrics::Inputs{c, r, top, kNow, corr});
}
}  // namespace

TEST(Exposition, CountersAndFamilies) {
    stats::Counters c;
    stats::Registry r;
    c.count_message(stats::Direction::outbound);
    c.count_message(stats::Direction::outbound);
    c.count_limit(stats::Limit::headers);
    std::string t = render(c, r, 5);
    EXPECT_EQ(value_of(t, "mxpulse_messages_total{direction=\"outbound\"}"), 2);
    EXPECT_EQ(value_of(t, "mxpulse_messages_total{direction=\"returning_dsn\"}"), 0);
    EXPECT_EQ(value_of(t, "mxpulse_limit_hits_total{limit=\"headers\"}"), 1);
    EXPECT_NE(t.find("# TYPE mxpulse_destination_evictions_total counter\n"), std::string::npos);
    // Every windowed count has a counter Prometheus can rate itself.
    EXPECT_NE(t.find("# TYPE mxpulse_destination_outbound_recipients_total counter\n"),
              std::string::npos);
    EXPECT_NE(t.find("# TYPE mxpulse_provider_pattern_recipients_total counter\n"),
              std::string::npos);
}

TEST(Exposition, BuildInfoAndReloadOutcome) {
    stats::Counters c;
    stats::Registry r;
    metrics::Inputs in{c, r, 5, kNow};
    in.version = "1.2.3";
    std::string t = metrics::render(in);
    EXPECT_EQ(value_of(t, "mxpulse_build_info{version=\"1.2.3\"}"), 1);
    EXPECT_EQ(value_of(t, "mxpulse_config_last_reload_successful"), 1);
    // Before any reload, the last successful load is the start.
    EXPECT_EQ(value_of(t, "mxpulse_config_last_reload_success_timestamp_seconds"),
              static_cast<double>(c.started_at()));
    in.last_reload_ok = false;
    in.last_reload_success_at = kNow - 60;
    t = metrics::render(in);
    EXPECT_EQ(value_of(t, "mxpulse_config_last_reload_successful"), 0);
    EXPECT_EQ(value_of(t, "mxpulse_config_last_reload_success_timestamp_seconds"), kNow - 60);
}

TEST(Exposition, OnlyTheTopNGetTheirOwnLabel) {
    stats::Counters c;
    stats::Registry r;
    r.record_outbound("yahoo.com", "yahoodns.net", 10, kNow);
    r.record_outbound("aol.com", "yahoodns.net", 4, kNow);
    r.record_outbound("quiet.example", "", 1, kNow);
    r.record_outbound("quieter.example", "", 1, kNow - 7200);
    r.record_bounce("yahoo.com", "yahoodns.net", bounce("a@yahoo.com"), kNow);
    r.record_bounce("quiet.example", "", bounce("b@quiet.example"), kNow);
    std::string t = render(c, r, 1);
    const std::string d = "mxpulse_destination_";
    const std::string o = "outbound_recipients_total";
    EXPECT_EQ(value_of(t, d + o + "{destination=\"yahoo.com\"}"), 10);
    EXPECT_EQ(value_of(t, d + "failed_recipients_total{destination=\"yahoo.com\"}"), 1);
    EXPECT_EQ(value_of(t, d + o + "{destination=\"aol.com\"}"), -1);
    // quiet.example, quieter.example (two hours ago) and aol.com fold into "other".
    EXPECT_EQ(value_of(t, d + o + "{destination=\"other\"}"), 6);
    EXPECT_EQ(value_of(t, d + "pattern_recipients_total{destination=\"other\","
                              "pattern=\"m365-socketerror\"}"),
              1);
    const std::string p = "mxpulse_provider_";
    EXPECT_EQ(value_of(t, p + o + "{provider=\"yahoodns.net\"}"), 14);
    EXPECT_EQ(value_of(t, p + o + "{provider=\"other\"}"), 2);
    // Counters only: no windowed gauges (Prometheus rates the counters itself).
    EXPECT_EQ(t.find("window=\""), std::string::npos);
    EXPECT_EQ(t.find("failure_ratio"), std::string::npos);
    // The bounces above have no known original: no send failures.
    EXPECT_EQ(value_of(t, d + "send_failed_recipients_total{destination=\"yahoo.com\"}"), 0);
    r.record_bounce("yahoo.com", "yahoodns.net", bounce("c@yahoo.com"), kNow, kNow);
    t = render(c, r, 1);
    EXPECT_EQ(value_of(t, d + "send_failed_recipients_total{destination=\"yahoo.com\"}"), 1);
    EXPECT_EQ(value_of(t, p + "send_failed_recipients_total{provider=\"yahoodns.net\"}"), 1);
    EXPECT_EQ(value_of(t, d + "failed_recipients_total{destination=\"yahoo.com\"}"), 2);
}

TEST(Exposition, CorrelationBoundsAreCounted) {
    stats::Counters c;
    stats::Registry r;
    stats::Correlation corr(2, 3600);
    for (int i = 0; i < 3; ++i)
        corr.remember("m" + std::to_string(i) + "@x", {0, "s", {}}, kNow);
    std::string t = render(c, r, 5, &corr);
    EXPECT_EQ(value_of(t, "mxpulse_correlation_entries"), 2);
    EXPECT_EQ(value_of(t, "mxpulse_correlation_forgotten_total{bound=\"count\"}"), 1);
    EXPECT_EQ(value_of(t, "mxpulse_correlation_forgotten_total{bound=\"age\"}"), 0);
}

TEST(Exposition, LabelValuesAreEscaped) {
    EXPECT_EQ(metrics::escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    stats::Counters c;
    stats::Registry r;
    r.record_outbound("evil\"domain\n", "", 1, kNow);
    std::string t = render(c, r, 5);
    EXPECT_NE(t.find("destination=\"evil\\\"domain\\n\""), std::string::npos);
    EXPECT_EQ(t.find("evil\"domain\n"), std::string::npos);
}

TEST(Exposition, LabelValuesAreUtf8) {
    EXPECT_EQ(metrics::escape_label("ex\xe4mple.test"), "ex\xef\xbf\xbdmple.test");
    EXPECT_EQ(metrics::escape_label("b\xc3\xbc"
                                    "cher.test"),
              "b\xc3\xbc"
              "cher.test");
    stats::Counters c;
    stats::Registry r;
    r.record_outbound("ex\xe4mple.test", "", 1, kNow);
    std::string t = render(c, r, 5);
    EXPECT_NE(t.find("destination=\"ex\xef\xbf\xbdmple.test\""), std::string::npos);
    EXPECT_EQ(t.find("\xe4"), std::string::npos);
}

TEST(Exposition, ActiveAlertsAndSuppressedLines) {
    stats::Counters c;
    stats::Registry r;
    metrics::Inputs in{c, r, 5, kNow};
    in.alerts.push_back({"provider-socketerror", "provider", "yahoodns.net", "critical"});
    in.alerts_raised["provider-socketerror"] = 3;
    in.log_suppressed["bounce.tagged"] = 9900;
    std::string t = metrics::render(in);
    EXPECT_EQ(value_of(t,
                       "mxpulse_alert_active{rule=\"provider-socketerror\",scope=\"provider\","
                       "key=\"yahoodns.net\",severity=\"critical\"}"),
              1);
    EXPECT_EQ(value_of(t, "mxpulse_alerts_raised_total{rule=\"provider-socketerror\"}"), 3);
    EXPECT_EQ(value_of(t, "mxpulse_log_suppressed_total{event=\"bounce.tagged\"}"), 9900);
    EXPECT_NE(t.find("# TYPE mxpulse_alert_active gauge\n"), std::string::npos);
}

TEST(Exposition, AuthResultsPerSenderDomainFoldIntoOther) {
    stats::Counters c;
    stats::Registry r;
    stats::AuthCounters auth;
    for (int i = 0; i < 3; ++i)
        auth.record("example.com", "pass", "pass", "pass", kNow);
    auth.record("example.com", "temperror", "pass", "pass", kNow);
    auth.record("quiet.example", "fail", "none", "fail", kNow);
    auth.record("quieter.example", "softfail", "fail", "fail", kNow);
    const std::string a = "mxpulse_auth_results_total";

    std::string without = metrics::render({c, r, 1, kNow});
    EXPECT_EQ(without.find(a), std::string::npos);

    metrics::Inputs in{c, r, 1, kNow};
    in.auth = &auth;
    std::string t = metrics::render(in);
    EXPECT_NE(t.find("# TYPE " + a + " counter\n"), std::string::npos);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"example.com\",method=\"spf\",result=\"pass\"}"), 3);
    EXPECT_EQ(
        value_of(t, a + "{sender_domain=\"example.com\",method=\"spf\",result=\"temperror\"}"), 1);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"example.com\",method=\"dmarc\",result=\"pass\"}"),
              4);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"example.com\",method=\"dkim\",result=\"fail\"}"),
              0);
    // Only the top 1 keeps its label; the two quiet domains add up in "other".
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"quiet.example\",method=\"spf\",result=\"fail\"}"),
              -1);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"other\",method=\"dmarc\",result=\"fail\"}"), 2);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"other\",method=\"spf\",result=\"softfail\"}"), 1);
    EXPECT_EQ(value_of(t, a + "{sender_domain=\"other\",method=\"dkim\",result=\"none\"}"), 1);

    // The series are bounded by top_n + 1 sender domains × 3 methods × 8 results.
    std::size_t series = 0;
    for (auto at = t.find("\n" + a + "{"); at != std::string::npos;
         at = t.find("\n" + a + "{", at + 1))
        ++series;
    EXPECT_EQ(series, 2u * 3u * stats::kAuthOutcomes.size());
}

TEST(Exposition, AuthResultsEscapeTheSenderDomain) {
    stats::Counters c;
    stats::Registry r;
    stats::AuthCounters auth;
    auth.record("bad\"domain", "pass", "pass", "pass", kNow);
    metrics::Inputs in{c, r, 5, kNow};
    in.auth = &auth;
    std::string t = metrics::render(in);
    EXPECT_EQ(value_of(t,
                       "mxpulse_auth_results_total{sender_domain=\"bad\\\"domain\",method=\"spf\","
                       "result=\"pass\"}"),
              1);
}

TEST(Exposition, DeferredQueueAndAttemptsPerProviderWithinTopN) {
    stats::Counters c;
    stats::Registry r;
    metrics::Inputs in{c, r, 2, kNow};
    std::string t = metrics::render(in);
    EXPECT_EQ(t.find("mxpulse_queue_deferred_messages"), std::string::npos);  // not read
    in.queue_read = true;
    in.queue_scanned_at = kNow - 5;
    in.queue = {{"yahoo", 40, 7300}, {"google", 9, 600}, {"sky", 3, 90000}, {"bt", 1, 60}};
    in.attempts_read = true;
    in.attempts = {
        {"yahoo", "15m", 1, 30, 0, 0}, {"google", "15m", 5, 2, 0, 0}, {"sky", "15m", 0, 1, 0, 0}};
    t = metrics::render(in);
    EXPECT_EQ(value_of(t, "mxpulse_queue_deferred_messages{provider=\"yahoo\"}"), 40);
    EXPECT_EQ(value_of(t, "mxpulse_queue_oldest_age_seconds{provider=\"yahoo\"}"), 7300);
    EXPECT_EQ(value_of(t, "mxpulse_queue_deferred_messages{provider=\"other\"}"), 4);  // sky + bt
    EXPECT_EQ(value_of(t, "mxpulse_queue_oldest_age_seconds{provider=\"other\"}"), 90000);
    EXPECT_EQ(t.find("provider=\"sky\""), std::string::npos);
    EXPECT_EQ(value_of(t, "mxpulse_queue_scan_timestamp_seconds"), kNow - 5);
    EXPECT_EQ(value_of(t,
                       "mxpulse_provider_postfix_attempts{provider=\"yahoo\",status=\"deferred\","
                       "window=\"15m\"}"),
              30);
    EXPECT_EQ(value_of(t,
                       "mxpulse_provider_postfix_attempts{provider=\"other\",status=\"deferred\","
                       "window=\"15m\"}"),
              1);
}
