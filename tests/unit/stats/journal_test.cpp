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

namespace {
// Returns a domain name held by shard, distinct per n.
std::string domain_in(std::size_t shard, int n) {
    for (int i = 0;; ++i) {
        std::string d = "d" + std::to_string(n) + "-" + std::to_string(i) + ".example";
        if (Registry::shard_index(d) == shard) return d;
    }
}

// Takes a snapshot as the daemon does while, each time a shard was encoded, one message to a
// domain of the first shard (already encoded) and one to a domain of the last (not yet) is
// counted; returns the snapshot's id. With replace_file false the file is written elsewhere.
std::uint64_t snapshot_under_load(const std::string& state, Registry& live, Journal& j,
                                  const std::string& early, const std::string& late,
                                  bool replace_file) {
    std::uint64_t sealed = j.begin_snapshot();
    SnapshotMarks marks;
    marks.id = 42;
    marks.shard = [&](std::size_t shard) {
        j.mark(marks.id, shard);
        if (shard == 0 || shard + 1 == Registry::kShards) return;  // its own lock is held
        live.record_outbound(early, "", 1, kNow);
        live.record_outbound(late, "", 1, kNow);
    };
    marks.before_rename = [&] { j.flush(); };
    std::string target = replace_file ? state : state + ".never-renamed";
    EXPECT_EQ(save_state(target, live, kNow, marks), "");
    if (replace_file) j.end_snapshot(sealed);
    return marks.id;
}
}  // namespace

TEST(Journal, ChangesCountedDuringASnapshotAreReplayedOnce) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    const std::string early = domain_in(0, 1), late = domain_in(Registry::kShards - 1, 2);
    Registry live;
    std::string error;
    auto j = Journal::open(state, {}, error);
    ASSERT_TRUE(j) << error;
    live.set_observer(j.get());
    live.record_outbound(early, "", 1, kNow);  // before: in the snapshot, in a sealed segment
    live.record_outbound(late, "", 1, kNow);
    snapshot_under_load(state, live, *j, early, late, true);
    live.record_outbound(early, "", 1, kNow);  // after: only in the journal
    j->flush();
    live.set_observer(nullptr);
    j.reset();
    const std::uint64_t during = Registry::kShards - 2;
    ASSERT_EQ(outbound(live, early), 2u + during);
    ASSERT_EQ(outbound(live, late), 1u + during);

    Registry restored;
    LoadOutcome o = load_state(state, restored, kNow);
    ASSERT_EQ(o.what, LoadOutcome::What::loaded);
    EXPECT_EQ(o.snapshot, 42u);
    // The snapshot holds the late domain's counts made during it, not the early domain's.
    EXPECT_EQ(outbound(restored, early), 1u);
    EXPECT_EQ(outbound(restored, late), 1u + during);
    JournalReplay r = replay_journal(state, restored, o.snapshot);
    EXPECT_EQ(r.records, during + 1);
    EXPECT_EQ(r.held, during);
    EXPECT_EQ(outbound(restored, early), outbound(live, early));
    EXPECT_EQ(outbound(restored, late), outbound(live, late));
}

TEST(Journal, MarksOfASnapshotNeverInPlaceAreIgnored) {
    TempDir dir;
    const std::string state = dir.path + "/state.cbor";
    const std::string early = domain_in(0, 3), late = domain_in(Registry::kShards - 1, 4);
    Registry live;
    std::string error;
    auto j = Journal::open(state, {}, error);
    ASSERT_TRUE(j) << error;
    live.set_observer(j.get());
    live.record_outbound(late, "", 1, kNow);
    // Written elsewhere, as if the daemon were killed before the rename: the marks stay in the
    // journal, and the restore (no state file) must not skip anything because of them.
    snapshot_under_load(state, live, *j, early, late, false);
    j->flush();
    live.set_observer(nullptr);
    j.reset();
    Registry restored;
    LoadOutcome o = load_state(state, restored, kNow);
    EXPECT_EQ(o.what, LoadOutcome::What::missing);
    EXPECT_EQ(o.snapshot, 0u);
    JournalReplay r = replay_journal(state, restored, o.snapshot);
    EXPECT_EQ(r.held, 0u);
    EXPECT_EQ(outbound(restored, early), outbound(live, early));
    EXPECT_EQ(outbound(restored, late), outbound(live, late));
}
