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
    r.record_bounce("yahoo.example", "", failed("5.4.300", "expired", {"m365-socketerror"}), kNow,
                    kNow);
    BounceEvent d = failed("4.4.7", "expired");
    d.action = "delayed";
    r.record_bounce("yahoo.example", "", d, kNow);
    auto j = *r.domain("yahoo.example", kNow);
    EXPECT_EQ(j["windows"]["15m"]["outbound_rcpts"], 4);
    EXPECT_EQ(j["windows"]["15m"]["failed"], 1);
    EXPECT_EQ(j["windows"]["15m"]["delayed"], 1);
    EXPECT_DOUBLE_EQ(j["windows"]["15m"]["failure_rate"].get<double>(), 0.25);
    EXPECT_EQ(j["windows"]["15m"]["rate_basis"], "sends");
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
        r.record_bounce("yahoo.example", "", failed("5.4.300", "expired"), kNow, kNow);
    r.record_bounce("aol.example", "", failed("5.4.300", "expired"), kNow, kNow);
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
    char tmpl[] = "/tmp/mxpulse-roundtrip-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    Registry a;
    a.record_outbound("yahoo.example", "yahoodns.example", 5, kNow);
    a.record_bounce("yahoo.example", "", failed("5.4.300", "expired", {"m365-socketerror"}), kNow);
    for (int i = 0; i < 30; ++i)
        a.record_bounce("aol.example", "yahoodns.example",
                        failed("5.4.30" + std::to_string(i % 10), "expired"), kNow + i * 60);
    ASSERT_EQ(save_state(dir + "/state", a, kNow), "");
    Registry b;
    LoadOutcome o = load_state(dir + "/state", b, kNow);
    ASSERT_EQ(o.what, LoadOutcome::What::loaded) << o.detail;
    EXPECT_EQ(o.destinations, 2u);
    for (const char* d : {"yahoo.example", "aol.example"})
        EXPECT_EQ(a.domain(d, kNow + 1800)->dump(), b.domain(d, kNow + 1800)->dump()) << d;
    EXPECT_EQ(a.provider("yahoodns.example", kNow)->dump(),
              b.provider("yahoodns.example", kNow)->dump());
    std::filesystem::remove_all(dir);
}

// Samples are bounded over all destinations: the least recently active lose theirs first, every
// count stays, and `domain` says how many samples were dropped.
TEST(Registry, EvidenceIsBoundedOverAllDestinations) {
    RegistryOptions opt;
    opt.evidence_bytes = 64 * 1024;
    Registry r(opt);
    // Counts and status codes stay (a few dozen bytes each); 600 destinations' worth fit.
    for (int i = 0; i < 600; ++i) {
        std::string d = "d" + std::to_string(i) + ".example";
        r.record_bounce(d, "", failed("5.4.300", "expired"), kNow + i);
    }
    EXPECT_LE(r.evidence_bytes(), opt.evidence_bytes);
    EXPECT_GT(r.evidence_trimmed(), 0u);
    auto oldest = *r.domain("d0.example", kNow + 600);
    EXPECT_EQ(oldest["samples"].size(), 0u);
    EXPECT_EQ(oldest["samples_dropped"], 1);
    EXPECT_EQ(oldest["windows"]["total"]["failed"], 1);
    EXPECT_EQ(oldest["statuses"][0]["count"], 1);
    auto newest = *r.domain("d599.example", kNow + 600);
    EXPECT_EQ(newest["samples"].size(), 1u);
    EXPECT_FALSE(newest.contains("samples_dropped"));
    EXPECT_EQ(newest["statuses"][0]["sample_diagnostic"], "550 5.4.300 something");
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
    c.record("example.test", "pass", "pass", "pass", kNow);
    c.record("example.test", "softfail", "none", "fail", kNow);
    c.record("b.test", "pass", "pass", "pass", kNow);
    c.record("c.test", "fail", "fail", "fail", kNow);  // beyond the cap: folded into "other"
    auto j = *c.domain("example.test");
    EXPECT_EQ(j["spf"]["pass"], 1);
    EXPECT_EQ(j["spf"]["softfail"], 1);
    EXPECT_DOUBLE_EQ(j["dmarc"]["pass_rate"].get<double>(), 0.5);
    EXPECT_EQ((*c.domain("other"))["dkim"]["fail"], 1);
    EXPECT_FALSE(c.domain("c.test"));
}

TEST(Registry, TopMatchesAFullSortWithTiesByName) {
    Registry r;
    // 500 destinations with outbound counts 1..7 (many ties), so the bounded scan must break
    // ties by name exactly as a full sort does.
    std::vector<std::pair<std::uint64_t, std::string>> expected;
    for (int i = 0; i < 500; ++i) {
        std::string d = "d" + std::to_string((i * 7919) % 1000) + ".example";
        auto n = static_cast<std::uint32_t>(1 + (i * 31) % 7);
        r.record_outbound(d, "", n, kNow);
        expected.emplace_back(n, d);
    }
    std::sort(expected.begin(), expected.end(), [](auto& a, auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (std::size_t n : {1u, 7u, 50u, 499u, 500u, 600u}) {
        auto rows = r.top(n, By::outbound, Window::m15, Scope::domain, kNow)["rows"];
        ASSERT_EQ(rows.size(), std::min<std::size_t>(n, 500));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            EXPECT_EQ(rows[i]["domain"], expected[i].second) << "n=" << n << " i=" << i;
            EXPECT_EQ(rows[i]["outbound_rcpts"], expected[i].first);
        }
    }
    EXPECT_TRUE(r.top(0, By::outbound, Window::m15, Scope::domain, kNow)["rows"].empty());
    // Without providers each domain is its own provider: the same ranking.
    for (std::size_t n : {1u, 13u, 500u}) {
        auto rows = r.top(n, By::outbound, Window::m15, Scope::provider, kNow)["rows"];
        ASSERT_EQ(rows.size(), std::min<std::size_t>(n, 500));
        for (std::size_t i = 0; i < rows.size(); ++i)
            EXPECT_EQ(rows[i]["provider"], expected[i].second) << "n=" << n << " i=" << i;
    }
}

TEST(Registry, MxAnswerMovesABounceOnlyDomainIntoItsProvider) {
    Registry reg;
    BounceEvent e;
    e.action = "failed";
    e.status = "5.4.300";
    reg.record_bounce("btinternet.com", "", e, 1000);
    EXPECT_FALSE(reg.provider("yahoodns.net", 1000));
    EXPECT_TRUE(reg.set_provider("btinternet.com", "yahoodns.net"));
    EXPECT_FALSE(reg.set_provider("btinternet.com", "yahoodns.net"));  // already there
    EXPECT_FALSE(reg.set_provider("never-seen.example", "yahoodns.net"));
    auto p = reg.provider("yahoodns.net", 1000);
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)["domains"], nlohmann::json::array({"btinternet.com"}));
    EXPECT_EQ((*p)["windows"]["1h"]["failed"], 1);
}

TEST(ProviderMap, LearnedPartStaysInItsByteBudget) {
    ProviderMap map(
        {}, [](std::string_view h) { return std::string(h.substr(h.find('.') + 1)); }, 100'000,
        50 * 1024);
    for (int i = 0; i < 5000; ++i) {
        std::string d = "storm" + std::to_string(i) + ".example";
        map.learn(d, "mx." + d, false, 0);
    }
    EXPECT_LE(map.learned_bytes(), 50u * 1024);
    EXPECT_GT(map.learned_count(), 100u);
    EXPECT_LT(map.learned_count(), 5000u);
    // What is still learned answers as before.
    EXPECT_EQ(map.lookup("storm4999.example", 0), "storm4999.example");
}
