// Unit tests of the counter journal: changes replayed after a snapshot, a damaged tail ignored,
// segments removed by a snapshot, the bound asking for a snapshot.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "stats/journal.hpp"
#include "stats/registry.hpp"
#include "stats/state_file.hpp"

using namespace mxpulse::stats;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'760'000'000;

// A fresh temporary directory, removed with the object.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/mxpulse-journal-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

// Returns the outbound recipients counted for domain over the whole window.
std::uint64_t outbound(const Registry& r, const std::string& domain) {
    std::uint64_t n = 0;
    r.for_each([&](const std::string& name, const Destination& d) {
        if (name == domain) n = d.outbound(Window::total, kNow);
    });
    return n;
}

BounceEvent bounce() {
    BounceEvent e;
    e.recipient = "u@b.example";
    e.action = "failed";
    e.status = "5.1.1";
    e.patterns = {"no-such-user"};
    e.diagnostic = "550 5.1.1 unknown";
    e.seen_at = kNow;
    return e;
}

// Counts into a registry that journals, as the daemon does, and drops the journal (flushed).
void count(const std::string& state, int messages, bool with_bounce) {
    Registry live;
    std::string error;
    auto j = Journal::open(state, {}, error);
    ASSERT_TRUE(j) << error;
    live.set_observer(j.get());
    for (int i = 0; i < messages; ++i)
        live.record_outbound("a.example", "p", 2, kNow);
    if (with_bounce) live.record_bounce("b.example", "", bounce(), kNow);
    live.set_observer(nullptr);
}
}  // namespace

TEST(Journal, ReplaysEveryChangeAfterTheSnapshot) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    count(state, 5, true);
    Registry restored;
    JournalReplay r = replay_journal(state, restored);
    EXPECT_EQ(r.records, 6u);
    EXPECT_EQ(r.damaged, "");
    EXPECT_EQ(outbound(restored, "a.example"), 10u);
    auto b = restored.domain("b.example", kNow);
    ASSERT_TRUE(b);
    EXPECT_EQ((*b)["windows"]["total"]["failed"], 1);
}

TEST(Journal, ReplayKeepsTheRateOverSends) {
    // A failure matched to its send and one matched to none: the replay must tell them apart as
    // the live registry did, or the rate after a restart would differ.
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    {
        Registry live;
        std::string error;
        auto j = Journal::open(state, {}, error);
        ASSERT_TRUE(j) << error;
        live.set_observer(j.get());
        live.record_outbound("b.example", "p", 2, kNow - 60);
        live.record_bounce("b.example", "p", bounce(), kNow, kNow - 60);
        live.record_bounce("b.example", "p", bounce(), kNow);
        live.set_observer(nullptr);
    }
    Registry restored;
    EXPECT_EQ(replay_journal(state, restored).records, 3u);
    auto b = restored.domain("b.example", kNow);
    ASSERT_TRUE(b);
    const auto& w = (*b)["windows"]["total"];
    EXPECT_EQ(w["failed"], 2);
    EXPECT_EQ(w["failed_of_sends"], 1);
    EXPECT_EQ(w["unmatched_failed"], 1);
    EXPECT_EQ(w["failure_rate"], 0.5);
}

TEST(Journal, DamagedTailIsIgnoredAndSaid) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    count(state, 3, false);
    std::string seg = state + ".journal.1";
    ASSERT_TRUE(fs::exists(seg));
    const std::string garbage("\x10\x00\x00\x00garbage", 11);  // a record torn by a kill
    std::ofstream(seg, std::ios::app | std::ios::binary).write(garbage.data(), 11);
    Registry restored;
    JournalReplay r = replay_journal(state, restored);
    EXPECT_EQ(r.records, 3u);
    EXPECT_NE(r.damaged.find("truncated record"), std::string::npos) << r.damaged;
    EXPECT_EQ(outbound(restored, "a.example"), 6u);

    auto size = fs::file_size(seg);
    fs::resize_file(seg, size - garbage.size());
    // A flipped byte inside a whole record is a bad checksum, not a wrong count.
    {
        std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(10);
        f.put('\x7f');  // inside the first record's payload
    }
    Registry again;
    r = replay_journal(state, again);
    EXPECT_EQ(r.records, 0u);
    EXPECT_NE(r.damaged.find("bad checksum"), std::string::npos) << r.damaged;
}

TEST(Journal, SnapshotRemovesTheSealedSegments) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    Registry live;
    std::string error;
    auto j = Journal::open(state, {}, error);
    ASSERT_TRUE(j) << error;
    live.set_observer(j.get());
    live.record_outbound("a.example", "", 1, kNow);
    std::uint64_t sealed = j->begin_snapshot();
    ASSERT_EQ(save_state(state, live, kNow), "");
    live.record_outbound("a.example", "", 1, kNow);  // after the seal: in the new segment
    j->end_snapshot(sealed);
    j->flush();
    EXPECT_FALSE(fs::exists(state + ".journal.1"));
    EXPECT_TRUE(fs::exists(state + ".journal.2"));
    live.set_observer(nullptr);
    j.reset();
    Registry restored;
    ASSERT_EQ(load_state(state, restored, kNow).what, LoadOutcome::What::loaded);
    EXPECT_EQ(replay_journal(state, restored).records, 1u);
    EXPECT_EQ(outbound(restored, "a.example"), 2u);
}

TEST(Journal, BoundAsksForASnapshotThenDrops) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    std::atomic<int> asked{0};
    std::atomic<std::uint64_t> dropped{0};
    JournalOptions o;
    o.max_bytes = 1024;
    o.flush_interval = std::chrono::milliseconds(10);
    o.on_full = [&](std::size_t) { ++asked; };
    o.on_dropped = [&](std::uint64_t) { ++dropped; };
    std::string error;
    auto j = Journal::open(state, o, error);
    ASSERT_TRUE(j) << error;
    for (int i = 0; i < 200; ++i)
        j->on_outbound("a.example", "p", 1, kNow);
    j->flush();
    EXPECT_LE(j->bytes(), 2u * 1024);
    EXPECT_GT(j->dropped(), 0u);
    EXPECT_EQ(dropped.load(), 1u);
    for (int i = 0; i < 200 && asked.load() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(asked.load(), 1);
}
