// Unit tests of the destination registry: counting, ranking, providers, eviction, snapshots.
#include <gtest/gtest.h>

#include "stats/auth_counters.hpp"
#include "stats/providers.hpp"
#include "stats/registry.hpp"
#include "stats/state_file.hpp"

#include <filesystem>
#include <fstream>

using namespace mxpulse::stats;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;

// Returns a failed-recipient event.
BounceEvent failed(const std::string& status, const std::string& reason,
                   std::vector<std::string> patterns = {}) {
    BounceEvent e;
    e.recipient = "u@yahoo.example";
    e.action = "failed";
    e.status = status;
    e.reason = reason;
    e.family = "transport";
    e.patterns = std::move(patterns);
    e.diagnostic = "550 " + status + " something";
    e.remote_mta = "mx.yahoo.example";
    return e;
}
}  // namespace

TEST(Registry, CountsAndRates) {
    Registry r;
    r.record_outbound("yahoo.example", "yahoodns.example", 4, kNow);
    r.record_bounce("yahoo.example", "", failed("5.4.300", "expired", {"m365-socketerror"}), kNow);
    BounceEvent d = failed("4.4.7", "expired");
    d.action = "delayed";
    r.record_bounce("yahoo.example", "", d, kNow);
    auto j = *r.domain("yahoo.example", kNow);
    EXPECT_EQ(j["windows"]["15m"]["outbound_rcpts"], 4);
    EXPECT_EQ(j["windows"]["15m"]["failed"], 1);
    EXPECT_EQ(j["windows"]["15m"]["delayed"], 1);
    EXPECT_DOUBLE_EQ(j["windows"]["15m"]["failure_rate"].get<double>(), 0.25);
    EXPECT_EQ(j["reasons"]["expired"], 1);
    EXPECT_EQ(j["patterns"]["m365-socketerror"], 1);
    EXPECT_EQ(j["statuses"][0]["status"], "5.4.300");
    EXPECT_EQ(j["provider"], "yahoodns.example");
    EXPECT_EQ(j["samples"].size(), 2u);
    EXPECT_FALSE(r.domain("nosuch.example", kNow));
}

TEST(Registry, TopRanksAndProvidersAggregate) {
    Registry r;
    r.record_outbound("yahoo.example", "yahoodns.example", 10, kNow);
    r.record_outbound("aol.example", "yahoodns.example", 10, kNow);
    r.record_outbound("gmail.example", "google.example", 100, kNow);
    for (int i = 0; i < 3; ++i)
        r.record_bounce("yahoo.example", "", failed("5.4.300", "expired"), kNow);
    r.record_bounce("aol.example", "", failed("5.4.300", "expired"), kNow);
    r.record_bounce("gmail.example", "", failed("5.1.1", "userunknown"), kNow);

    auto top = r.top(2, By::failures, Window::m15, Scope::domain, kNow)["rows"];
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0]["domain"], "yahoo.example");
    EXPECT_EQ(top[1]["domain"], "aol.example");

    auto providers = r.top(5, By::failures, Window::m15, Scope::provider, kNow)["rows"];
    ASSERT_EQ(providers.size(), 2u);
    EXPECT_EQ(providers[0]["provider"], "yahoodns.example");
    EXPECT_EQ(providers[0]["failed"], 4);
    EXPECT_EQ(providers[0]["outbound_rcpts"], 20);

    auto rate = r.top(1, By::rate, Window::m15, Scope::domain, kNow)["rows"];
    EXPECT_EQ(rate[0]["domain"], "yahoo.example");

    auto p = *r.provider("yahoodns.example", kNow);
    EXPECT_EQ(p["domains"], nlohmann::json::array({"aol.example", "yahoo.example"}));
    EXPECT_EQ(p["windows"]["total"]["failed"], 4);
}

TEST(Registry, WindowsExpire) {
    Registry r;
    r.record_bounce("yahoo.example", "", failed("5.4.300", "expired"), kNow);
    auto rows = r.top(5, By::failures, Window::m15, Scope::domain, kNow + 3600)["rows"];
    EXPECT_TRUE(rows.empty());
    rows = r.top(5, By::failures, Window::total, Scope::domain, kNow + 3600)["rows"];
    EXPECT_EQ(rows.size(), 1u);
}

TEST(Registry, QuietestAreEvictedIntoOther) {
    Registry r(RegistryOptions{32, 2});  // 2 per shard
    for (int i = 0; i < 1000; ++i)
        r.record_outbound("d" + std::to_string(i) + ".example", "", 1, kNow + i);
    EXPECT_LE(r.tracked(), 32u);
    EXPECT_EQ(r.evictions(), 1000u - r.tracked());
    auto other = *r.domain("other", kNow + 1000);
    EXPECT_EQ(other["windows"]["total"]["outbound_rcpts"].get<std::uint64_t>(), r.evictions());
    // The most recent destination is still tracked.
    EXPECT_TRUE(r.domain("d999.example", kNow + 1000));
}

TEST(Registry, ResetOneOrAll) {
    Registry r;
    r.record_outbound("a.example", "p.example", 1, kNow);
    r.record_outbound("b.example", "p.example", 1, kNow);
    r.record_outbound("c.example", "", 1, kNow);
    EXPECT_EQ(r.reset("p.example"), 2u);
    EXPECT_EQ(r.tracked(), 1u);
    EXPECT_EQ(r.reset(""), 1u);
    EXPECT_EQ(r.tracked(), 0u);
}

TEST(Registry, SnapshotRoundTrip) {
    Registry a;
    a.record_outbound("yahoo.example", "yahoodns.example", 5, kNow);
    a.record_bounce("yahoo.example", "", failed("5.4.300", "expired", {"m365-socketerror"}), kNow);
    Registry b;
    std::string error;
    ASSERT_TRUE(b.restore(nlohmann::json::parse(a.snapshot().dump()), error)) << error;
    EXPECT_EQ(a.domain("yahoo.example", kNow)->dump(), b.domain("yahoo.example", kNow)->dump());
    EXPECT_FALSE(b.restore(nlohmann::json::parse(R"({"destinations":{"x":{"o":"bad"}}})"), error));
    EXPECT_EQ(b.tracked(), 0u);
    EXPECT_FALSE(b.restore(nlohmann::json::array(), error));
}

TEST(ProviderMap, ConfiguredThenLearned) {
    ProviderMap::Configured cfg{{"yahoo", {"yahoodns.net", "sky.com"}}};
    // A stand-in for the Public Suffix List: the last two labels.
    auto reg = [](std::string_view host) {
        auto last = host.rfind('.');
        if (last == std::string_view::npos) return std::string();
        auto prev = host.rfind('.', last - 1);
        return std::string(prev == std::string_view::npos ? host : host.substr(prev + 1));
    };
    ProviderMap m(cfg, reg);
    EXPECT_EQ(m.lookup("Sky.com", kNow), "yahoo");
    EXPECT_EQ(m.lookup("aol.com", kNow), "");
    m.learn("aol.com", "mx-aol.mail.gm0.yahoodns.net.", true, kNow + 300);
    EXPECT_EQ(m.lookup("aol.com", kNow), "yahoo");
    EXPECT_TRUE(m.has_mx("aol.com", kNow));
    // A Remote-MTA name does not replace a live MX answer.
    m.learn("aol.com", "mx.other.example", false, kNow + 300);
    EXPECT_EQ(m.lookup("aol.com", kNow), "yahoo");
    // Without configuration the key is the registrable domain of the host.
    m.learn("gmail.com", "gmail-smtp-in.l.google.com", false, 0);
    EXPECT_EQ(m.lookup("gmail.com", kNow), "google.com");
    // An expired MX answer is not used.
    EXPECT_EQ(m.lookup("aol.com", kNow + 301), "");
}

TEST(StateFile, SavedAtomicallyRestoredAndCorruptSetAside) {
    char tmpl[] = "/tmp/mxpulse-state-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string path = dir + "/state.cbor";
    Registry a;
    a.record_outbound("yahoo.example", "yahoodns.example", 7, kNow);
    ASSERT_EQ(save_state(path, a, kNow), "");
    Registry b;
    LoadOutcome ok = load_state(path, b, kNow);
    EXPECT_EQ(ok.what, LoadOutcome::What::loaded);
    EXPECT_EQ(ok.destinations, 1u);
    EXPECT_EQ((*b.domain("yahoo.example", kNow))["windows"]["total"]["outbound_rcpts"], 7);

    {
        std::ofstream garbage(path, std::ios::binary | std::ios::trunc);
        garbage << "this is not CBOR";
    }
    Registry c;
    LoadOutcome bad = load_state(path, c, kNow);
    EXPECT_EQ(bad.what, LoadOutcome::What::set_aside);
    EXPECT_NE(bad.detail.find(".bad-"), std::string::npos);
    EXPECT_EQ(c.tracked(), 0u);
    EXPECT_EQ(load_state(path, c, kNow).what, LoadOutcome::What::missing);
    std::filesystem::remove_all(dir);
}

TEST(AuthCounters, CountsAndRatesPerSenderDomain) {
    AuthCounters c(2);
    c.record("example.test", "pass", "pass", "pass");
    c.record("example.test", "softfail", "none", "fail");
    c.record("b.test", "pass", "pass", "pass");
    c.record("c.test", "fail", "fail", "fail");  // beyond the cap: folded into "other"
    auto j = *c.domain("example.test");
    EXPECT_EQ(j["spf"]["pass"], 1);
    EXPECT_EQ(j["spf"]["softfail"], 1);
    EXPECT_DOUBLE_EQ(j["dmarc"]["pass_rate"].get<double>(), 0.5);
    EXPECT_EQ((*c.domain("other"))["dkim"]["fail"], 1);
    EXPECT_FALSE(c.domain("c.test"));
}
