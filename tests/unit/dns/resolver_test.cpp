// Unit tests of mxpulse::dns::Resolver against a real unbound server on loopback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "dns/resolver.hpp"
#include "dns_server.hpp"

using mxpulse::dns::Answer;
using mxpulse::dns::Resolver;
using mxpulse::dns::ResolverConfig;
using mxpulse::dns::RrType;
using mxpulse::dns::Status;

namespace {

// Starts the shared test server once per test suite.
class ResolverTest : public ::testing::Test {
  protected:
    // Starts unbound with the unit zone.
    static void SetUpTestSuite() {
        std::string zone = mxpulse::testing::read_text_file(std::string(MXPULSE_SOURCE_DIR) +
                                                            "/tests/fixtures/dns/zones/unit.zone");
        std::string err;
        server_ =
            mxpulse::testing::TestDnsServer::start(zone, {"refused.mxpulse.test"}, err).release();
        if (server_ == nullptr) start_error_ = err;
    }
    // Stops the server.
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    // Skips loudly when there is no server, else builds a resolver.
    void SetUp() override {
        if (server_ == nullptr) GTEST_SKIP() << "NO TEST DNS SERVER: " << start_error_;
        ResolverConfig cfg;
        cfg.nameservers = {server_->nameserver()};
        cfg.timeout = std::chrono::milliseconds(1500);
        cfg.remove_local_zones = mxpulse::testing::documentation_reverse_zones();
        std::string err;
        resolver_ = Resolver::create(cfg, err);
        ASSERT_NE(resolver_, nullptr) << err;
    }
    static mxpulse::testing::TestDnsServer* server_;
    static std::string start_error_;
    std::unique_ptr<Resolver> resolver_;
};
mxpulse::testing::TestDnsServer* ResolverTest::server_ = nullptr;
std::string ResolverTest::start_error_;

TEST_F(ResolverTest, ResolvesAandAAAA) {
    Answer a = resolver_->query("host.mxpulse.test", RrType::a);
    ASSERT_EQ(a.status, Status::ok) << a.error;
    ASSERT_EQ(a.addresses.size(), 1u);
    EXPECT_EQ(a.addresses[0], "192.0.2.10");
    Answer b = resolver_->query("host.mxpulse.test", RrType::aaaa);
    ASSERT_EQ(b.status, Status::ok) << b.error;
    EXPECT_EQ(b.addresses.at(0), "2001:db8::10");
}

TEST_F(ResolverTest, ResolvesMxSortedByCaller) {
    Answer a = resolver_->query("mxpulse.test", RrType::mx);
    ASSERT_EQ(a.status, Status::ok) << a.error;
    ASSERT_EQ(a.mx.size(), 2u);
    auto mx = a.mx;
    std::sort(mx.begin(), mx.end(), [](auto& x, auto& y) { return x.preference < y.preference; });
    EXPECT_EQ(mx[0].host, "mx1.mxpulse.test");
    EXPECT_EQ(mx[1].preference, 20);
}

TEST_F(ResolverTest, JoinsTxtStrings) {
    Answer a = resolver_->query("long.mxpulse.test", RrType::txt);
    ASSERT_EQ(a.status, Status::ok);
    EXPECT_EQ(a.texts.at(0), "first-part-second-part");
    EXPECT_FALSE(a.wire.empty());
}

TEST_F(ResolverTest, ResolvesPtr) {
    Answer a = resolver_->query_ptr("192.0.2.10");
    ASSERT_EQ(a.status, Status::ok) << a.error;
    EXPECT_EQ(a.names.at(0), "host.mxpulse.test");
    EXPECT_EQ(mxpulse::dns::reverse_name("2001:db8::1").substr(0, 8), "1.0.0.0.");
    EXPECT_EQ(resolver_->query_ptr("not-an-ip").status, Status::permerror);
}

TEST_F(ResolverTest, FollowsCname) {
    Answer a = resolver_->query("alias.mxpulse.test", RrType::a);
    ASSERT_EQ(a.status, Status::ok);
    EXPECT_EQ(a.addresses.at(0), "192.0.2.10");
}

TEST_F(ResolverTest, NxdomainAndNodataAreDistinct) {
    EXPECT_EQ(resolver_->query("nope.mxpulse.test", RrType::txt).status, Status::nxdomain);
    EXPECT_EQ(resolver_->query("host.mxpulse.test", RrType::mx).status, Status::nodata);
}

TEST_F(ResolverTest, RefusedIsTemperror) {
    Answer a = resolver_->query("refused.mxpulse.test", RrType::txt);
    EXPECT_EQ(a.status, Status::temperror);
}

TEST_F(ResolverTest, InvalidNameIsPermerror) {
    EXPECT_EQ(resolver_->query("a..b", RrType::txt).status, Status::permerror);
    std::string label(64, 'x');
    EXPECT_EQ(resolver_->query(label + ".test", RrType::txt).status, Status::permerror);
}

TEST_F(ResolverTest, ReportsTtlAndCachesUnderMaxTtl) {
    Answer a = resolver_->query("ttl.mxpulse.test", RrType::txt);
    ASSERT_EQ(a.status, Status::ok);
    EXPECT_LE(a.ttl, 7u);
}

TEST_F(ResolverTest, ManyThreadsShareOneResolver) {
    std::atomic<int> ok{0}, nx{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                if (resolver_->query("host.mxpulse.test", RrType::a).status == Status::ok) ++ok;
                std::string miss = "miss" + std::to_string(t * 100 + i) + ".mxpulse.test";
                if (resolver_->query(miss, RrType::txt).status == Status::nxdomain) ++nx;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(ok.load(), 400);
    EXPECT_EQ(nx.load(), 400);
}

// A nameserver that never answers yields temperror within the timeout, never later.
TEST(ResolverTimeout, SilentServerGivesTemperrorWithinTimeout) {
    int port = 0;
    int fd = mxpulse::testing::black_hole_socket(port);
    ASSERT_GE(fd, 0);
    ResolverConfig cfg;
    cfg.nameservers = {"127.0.0.1@" + std::to_string(port)};
    cfg.timeout = std::chrono::milliseconds(700);
    std::string err;
    auto r = Resolver::create(cfg, err);
    ASSERT_NE(r, nullptr) << err;
    auto t0 = std::chrono::steady_clock::now();
    Answer a = r->query("anything.example", RrType::txt);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(a.status, Status::temperror);
    EXPECT_LT(took, std::chrono::milliseconds(700 + 300));
    // A second lookup is bounded too (the cancelled query must not wedge the resolver).
    t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(r->query("other.example", RrType::a).status, Status::temperror);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
    ::close(fd);
}

TEST(ResolverConfigTest, RejectsBadNameserver) {
    ResolverConfig cfg;
    cfg.nameservers = {"not-an-address"};
    std::string err;
    EXPECT_EQ(Resolver::create(cfg, err), nullptr);
    EXPECT_FALSE(err.empty());
}

}  // namespace
