// Unit tests of the state file: round trip, and damaged files set aside without a throw escaping.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "stats/registry.hpp"
#include "stats/state_file.hpp"

using namespace mxpulse::stats;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;

// A fresh temporary directory, removed with the object.
struct TempDir {
    std::string path;
    // Creates the directory.
    TempDir() {
        char tmpl[] = "/tmp/mxpulse-statefile-XXXXXX";
        path = mkdtemp(tmpl);
    }
    // Removes the directory and its contents.
    ~TempDir() { fs::remove_all(path); }
};

// Writes bytes to path, replacing it.
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

// Returns the bytes of a file.
std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Returns a registry with outbound, failures, delays, patterns and samples in several domains.
void fill(Registry& r) {
    for (int i = 0; i < 40; ++i) {
        std::string d = "d" + std::to_string(i) + ".example";
        r.record_outbound(d, i % 3 ? "yahoodns.example" : "", static_cast<std::uint32_t>(i + 1),
                          kNow - i * 120);
        if (i % 2) continue;
        BounceEvent e;
        e.recipient = "user" + std::to_string(i) + "@" + d;
        e.action = i % 4 ? "delayed" : "failed";
        e.status = i % 8 ? "5.4.300" : "4.4.2";
        e.reason = "expired";
        e.family = "transport";
        e.patterns = {"m365-socketerror"};
        e.diagnostic = "550 5.4.300 Message expired -> 421 4.4.2 Connection dropped";
        e.remote_mta = "mx.yahoo.example";
        e.last_attempt = "2025-10-09T10:00:00+00:00";
        e.queue_id = "4ABC" + std::to_string(i);
        e.seen_at = kNow - i;
        r.record_bounce(d, "", e, kNow - i * 60);
    }
}
}  // namespace

TEST(StateFile, OutcomeNames) {
    EXPECT_STREQ(outcome_name(LoadOutcome::What::loaded), "loaded");
    EXPECT_STREQ(outcome_name(LoadOutcome::What::missing), "missing");
    EXPECT_STREQ(outcome_name(LoadOutcome::What::set_aside), "set_aside");
    EXPECT_STREQ(outcome_name(LoadOutcome::What::unusable), "unusable");
}

// The 9-byte CBOR document {"format": 1}: valid CBOR, wrong-typed field (issue 14, point 1).
TEST(StateFile, WrongTypedFieldIsSetAsideNotThrown) {
    TempDir dir;
    std::string path = dir.path + "/state";
    std::vector<std::uint8_t> nine{0xa1, 0x66, 'f', 'o', 'r', 'm', 'a', 't', 0x01};
    ASSERT_EQ(nine.size(), 9u);
    write_file(path, nine);
    Registry r;
    LoadOutcome o = load_state(path, r, kNow);
    EXPECT_EQ(o.what, LoadOutcome::What::set_aside) << o.detail;
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::exists(path + ".bad-" + std::to_string(kNow)));
    EXPECT_NE(o.detail.find("moved to " + path + ".bad-"), std::string::npos) << o.detail;
    EXPECT_EQ(r.tracked(), 0u);
}

// A rename that fails is reported as such, never as "moved".
TEST(StateFile, FailedRenameIsNotClaimedAsMoved) {
    TempDir dir;
    // The name fits NAME_MAX (255) but the ".bad-UNIXTIME" name does not, so rename() fails.
    std::string path = dir.path + "/" + std::string(250, 's');
    write_file(path, {0xff, 0x00, 0x13});
    Registry r;
    LoadOutcome o = load_state(path, r, kNow);
    EXPECT_EQ(o.what, LoadOutcome::What::unusable) << o.detail;
    EXPECT_EQ(o.detail.find("moved to"), std::string::npos) << o.detail;
    EXPECT_NE(o.detail.find("could not move"), std::string::npos) << o.detail;
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(r.tracked(), 0u);
}

TEST(StateFile, UnreadableFileIsNotMissing) {
    TempDir dir;
    Registry r;
    // A directory where the file should be: opening works on Linux but reading fails.
    fs::create_directory(dir.path + "/state");
    LoadOutcome o = load_state(dir.path + "/state", r, kNow);
    EXPECT_NE(o.what, LoadOutcome::What::loaded);
    EXPECT_NE(o.what, LoadOutcome::What::missing);
}

// Every single-bit flip of a real state file either loads or is set aside; nothing escapes.
TEST(StateFile, BitFlipSweepNeverThrowsAndSetsAside) {
    TempDir dir;
    std::string good = dir.path + "/good";
    Registry a;
    fill(a);
    ASSERT_EQ(save_state(good, a, kNow), "");
    std::vector<std::uint8_t> bytes = read_file(good);
    ASSERT_GT(bytes.size(), 100u);
    std::mt19937_64 rng(14);
    std::uniform_int_distribution<std::size_t> bit(0, bytes.size() * 8 - 1);
    int loaded = 0, aside = 0;
    for (int i = 0; i < 300; ++i) {
        std::vector<std::uint8_t> flipped = bytes;
        std::size_t b = bit(rng);
        flipped[b / 8] ^= static_cast<std::uint8_t>(1u << (b % 8));
        std::string path = dir.path + "/flip" + std::to_string(i);
        write_file(path, flipped);
        Registry r({1000, 20});
        LoadOutcome o;
        ASSERT_NO_THROW(o = load_state(path, r, kNow + i)) << "bit " << b;
        if (o.what == LoadOutcome::What::loaded) {
            ++loaded;
            EXPECT_TRUE(fs::exists(path));
            EXPECT_LE(r.tracked(), 1000u);
            // What was loaded can be reported.
            EXPECT_NO_THROW((void)r.top(10, By::failures, Window::total, Scope::provider, kNow));
        } else {
            ++aside;
            EXPECT_EQ(o.what, LoadOutcome::What::set_aside) << "bit " << b << ": " << o.detail;
            EXPECT_FALSE(fs::exists(path)) << "bit " << b;
            EXPECT_TRUE(fs::exists(path + ".bad-" + std::to_string(kNow + i))) << "bit " << b;
            EXPECT_EQ(r.tracked(), 0u) << "bit " << b;
        }
    }
    EXPECT_EQ(loaded + aside, 300);
    EXPECT_GT(aside, 0);
    std::cout << "bit flips: " << loaded << " loaded, " << aside << " set aside\n";
}

// The outbound SPF/DKIM/DMARC counts survive a restart: `auth` still says "evaluated" afterwards.
TEST(StateFile, AuthCountsRoundTrip) {
    TempDir dir;
    std::string path = dir.path + "/state";
    Registry r;
    AuthCounters auth;
    auth.record("example.test", "pass", "pass", "pass", kNow);
    auth.record("example.test", "fail", "none", "fail", kNow + 60);
    auth.record("other.example", "pass", "fail", "pass", kNow + 120);
    ASSERT_EQ(save_state(path, r, kNow + 120, {}, nullptr, &auth), "");
    AuthCounters back;
    back.record("stale.example", "pass", "pass", "pass", kNow);  // replaced by the file
    ASSERT_EQ(load_state(path, r, kNow + 120, nullptr, &back).what, LoadOutcome::What::loaded);
    EXPECT_EQ(back.report("", kNow + 120), auth.report("", kNow + 120));
    EXPECT_EQ(back.to_json(), auth.to_json());
    EXPECT_EQ(back.report("example.test", kNow + 120)["domains"][0]["windows"]["total"]["messages"],
              2);
    EXPECT_FALSE(back.domain("stale.example"));
    // Fewer sender domains allowed now: the rest folds into "other", nothing is dropped.
    AuthCounters small(1);
    ASSERT_EQ(load_state(path, r, kNow + 120, nullptr, &small).what, LoadOutcome::What::loaded);
    nlohmann::json folded = small.report("", kNow + 120);
    std::uint64_t messages = 0;
    for (const auto& d : folded["domains"])
        messages += d["windows"]["total"]["messages"].get<std::uint64_t>();
    EXPECT_EQ(messages, 3u) << folded.dump();
    EXPECT_TRUE(small.domain("other"));
    // A file written without the counts loads and leaves them empty.
    ASSERT_EQ(save_state(path, r, kNow + 120), "");
    ASSERT_EQ(load_state(path, r, kNow + 120, nullptr, &back).what, LoadOutcome::What::loaded);
    EXPECT_FALSE(back.domain("example.test"));
}
