// Unit tests of the evidence store: bounds, retention, damaged files, the writer queue, restarts.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "evidence/store.hpp"
#include "sample_record.hpp"

using namespace mxpulse;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'700'000'000;

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "mxpulse-evidence-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A record of one failed recipient at a time.
evidence::Record failed(const std::string& rcpt, std::int64_t at) {
    return evidence::testing::socketerror_record(rcpt, at);
}

// Records every limit the store reports.
struct Limits {
    std::vector<stats::Limit> hits;
    evidence::LimitSink sink() {
        return [this](stats::Limit l, const std::string&) { hits.push_back(l); };
    }
};

bool any(const evidence::KeptRecipient&) {
    return true;
}
}  // namespace

TEST(EvidenceStore, KeepsEveryNdrAcrossARestartWithItsText) {
    TempDir d;
    {
        evidence::Store s({d.path.string()});
        ASSERT_EQ(s.open(kNow), "");
        for (int i = 0; i < 5; ++i)
            ASSERT_TRUE(s.write(failed("u" + std::to_string(i) + "@yahoo.com", kNow + i),
                                "Subject: ndr " + std::to_string(i) + "\n\nbody\n", kNow + i));
    }
    evidence::Store s({d.path.string()});
    ASSERT_EQ(s.open(kNow + 10), "");
    auto all = s.select(any);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.front().recipients[0].recipient, "u0@yahoo.com");
    EXPECT_EQ(all.back().recipients[0].attempts[0].ip, "198.51.100.45");
    EXPECT_EQ(all.back().recipients[0].cause_chain.size(), 2u);
    EXPECT_EQ(s.text(all[3]).value(), "Subject: ndr 3\n\nbody\n");
    EXPECT_EQ(s.stats()["kept"], 5);
}

TEST(EvidenceStore, MaxCountRemovesTheOldestAndSaysWhatWasLost) {
    TempDir d;
    Limits l;
    evidence::StoreOptions o{d.path.string()};
    o.max_count = 3;
    evidence::Store s(o, l.sink());
    ASSERT_EQ(s.open(kNow), "");
    for (int i = 0; i < 5; ++i)
        s.write(failed("u" + std::to_string(i) + "@yahoo.com", kNow + i), "x\n", kNow + i);
    auto all = s.select(any);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all.front().recipients[0].recipient, "u2@yahoo.com");
    EXPECT_EQ(s.lost("yahoo.com").recipients, 2u);
    EXPECT_EQ(s.lost("yahoo.com").newest, kNow + 1);
    EXPECT_EQ(std::count(l.hits.begin(), l.hits.end(), stats::Limit::evidence_count), 2);
    EXPECT_EQ(s.stats()["removed"]["max_count"], 2);
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(d.path))
        files += e.path().extension() == ".ndr";
    EXPECT_EQ(files, 3u);
}

TEST(EvidenceStore, MaxBytesRemovesTheOldest) {
    TempDir d;
    Limits l;
    evidence::StoreOptions o{d.path.string()};
    o.max_bytes = 64 * 1024;
    evidence::Store s(o, l.sink());
    ASSERT_EQ(s.open(kNow), "");
    std::string big(20 * 1024, 'a');
    for (int i = 0; i < 5; ++i)
        s.write(failed("u" + std::to_string(i) + "@yahoo.com", kNow + i), big, kNow + i);
    EXPECT_EQ(s.select(any).size(), 3u);
    EXPECT_LE(s.stats()["bytes"].get<std::uint64_t>(), 64u * 1024);
    EXPECT_EQ(std::count(l.hits.begin(), l.hits.end(), stats::Limit::evidence_bytes), 2);
}

TEST(EvidenceStore, AnNdrLongerThanTheBoundIsCutAndMarked) {
    TempDir d;
    Limits l;
    evidence::StoreOptions o{d.path.string()};
    o.max_ndr_bytes = 1024;
    evidence::Store s(o, l.sink());
    ASSERT_EQ(s.open(kNow), "");
    s.write(failed("u@yahoo.com", kNow), std::string(5000, 'b'), kNow);
    auto all = s.select(any);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_TRUE(all[0].truncated);
    EXPECT_EQ(all[0].ndr_bytes, 5000u);
    EXPECT_EQ(s.text(all[0])->size(), 1024u);
    EXPECT_EQ(l.hits, std::vector<stats::Limit>{stats::Limit::evidence_ndr_bytes});
}

TEST(EvidenceStore, RetentionRemovesOldNdrsAtOpenAndOnExpire) {
    TempDir d;
    evidence::StoreOptions o{d.path.string()};
    o.retention_s = 3600;
    {
        evidence::Store s(o);
        ASSERT_EQ(s.open(kNow), "");
        s.write(failed("a@yahoo.com", kNow - 100), "x\n", kNow);
        s.write(failed("b@yahoo.com", kNow), "x\n", kNow);
        s.expire(kNow + 3550);
        EXPECT_EQ(s.select(any).size(), 1u);
        EXPECT_EQ(s.stats()["removed"]["retention"], 1);
    }
    evidence::Store s(o);
    ASSERT_EQ(s.open(kNow + 3700), "");
    EXPECT_EQ(s.select(any).size(), 0u);
}

TEST(EvidenceStore, DamagedFilesAreSetAsideNotLoaded) {
    TempDir d;
    std::vector<std::string> errors;
    {
        evidence::Store s({d.path.string()});
        ASSERT_EQ(s.open(kNow), "");
        s.write(failed("a@yahoo.com", kNow), "good\n", kNow);
    }
    std::ofstream(d.path / "000000000001-00000009.ndr") << "not a store file\n";
    std::ofstream(d.path / "000000000002-00000009.ndr") << "mxpulse-evidence 1 5 99\n{}\nshort";
    std::ofstream(d.path / ".tmp-000000000003-00000009.ndr") << "cut short";
    evidence::Store s({d.path.string()}, {},
                      [&](std::string_view what, const std::string& file, const std::string&) {
                          errors.push_back(std::string(what) + " " + file);
                      });
    ASSERT_EQ(s.open(kNow), "");
    EXPECT_EQ(s.select(any).size(), 1u);
    EXPECT_EQ(s.stats()["damaged_set_aside"], 2);
    EXPECT_TRUE(fs::exists(d.path / "damaged" / "000000000001-00000009.ndr"));
    EXPECT_TRUE(fs::exists(d.path / "damaged" / "000000000002-00000009.ndr"));
    EXPECT_FALSE(fs::exists(d.path / ".tmp-000000000003-00000009.ndr"));
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], "evidence.damaged 000000000001-00000009.ndr");
}

TEST(EvidenceStore, TheQueueIsBoundedAndTheWriterEmptiesIt) {
    TempDir d;
    Limits l;
    evidence::StoreOptions o{d.path.string()};
    o.queue_max = 2;
    evidence::Store s(o, l.sink());
    std::int64_t now = std::time(nullptr);  // the writer thread writes at the clock's time
    ASSERT_EQ(s.open(now), "");
    EXPECT_TRUE(s.enqueue(failed("a@yahoo.com", now), "a\n"));
    EXPECT_TRUE(s.enqueue(failed("b@yahoo.com", now), "b\n"));
    EXPECT_FALSE(s.enqueue(failed("c@yahoo.com", now), "c\n"));  // no writer yet: the queue is full
    EXPECT_EQ(l.hits, std::vector<stats::Limit>{stats::Limit::evidence_queue});
    EXPECT_EQ(s.lost("yahoo.com").recipients, 1u);
    s.start();
    s.flush();
    EXPECT_EQ(s.select(any).size(), 2u);
    EXPECT_EQ(s.stats()["removed"]["queue_full"], 1);
}

TEST(EvidenceStore, AnUnwritableDirectoryIsAnErrorNotACrash) {
    TempDir d;
    std::ofstream(d.path / "file") << "x";
    evidence::Store s({(d.path / "file" / "sub").string()});
    EXPECT_NE(s.open(kNow), "");
}
