// Unit tests of the log reader: start position, partial lines, rotation, truncation, bounds.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "postlog/reader.hpp"

using namespace mxpulse::postlog;

namespace {

class PostlogReader : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/postlog-reader-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/maillog";
    }
    void TearDown() override {
        std::remove(path_.c_str());
        std::remove((path_ + ".1").c_str());
        rmdir(dir_.c_str());
    }
    void append(const std::string& text) { std::ofstream(path_, std::ios::app) << text; }
    // Polls once and returns the lines read.
    std::vector<std::string> poll(Reader& r, std::size_t max = 1000, PollResult* out = nullptr) {
        std::vector<std::string> got;
        PollResult pr = r.poll(max, [&](std::string_view l) { got.emplace_back(l); });
        if (out) *out = pr;
        return got;
    }
    std::string dir_, path_;
};

}  // namespace

TEST_F(PostlogReader, FirstRunStartsAtTheEnd) {
    append("old 1\nold 2\n");
    Reader r(path_, 100);
    ASSERT_EQ(r.open({}), "");
    EXPECT_TRUE(poll(r).empty());
    append("new 1\nnew");
    EXPECT_EQ(poll(r), std::vector<std::string>{"new 1"});
    append(" 2\n");
    EXPECT_EQ(poll(r), std::vector<std::string>{"new 2"});
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(r.position().offset, static_cast<std::uint64_t>(st.st_size));
    EXPECT_EQ(r.position().inode, static_cast<std::uint64_t>(st.st_ino));
}

TEST_F(PostlogReader, ResumesAtTheSavedOffsetAndRestartsAReplacedFile) {
    append("a\nb\n");
    Position saved;
    {
        Reader r(path_, 100);
        ASSERT_EQ(r.open({}), "");
        append("c\n");
        EXPECT_EQ(poll(r), std::vector<std::string>{"c"});
        saved = r.position();
    }
    append("d\ne\n");
    Reader again(path_, 100);
    ASSERT_EQ(again.open(saved), "");
    EXPECT_EQ(poll(again), (std::vector<std::string>{"d", "e"}));

    ASSERT_EQ(std::rename(path_.c_str(), (path_ + ".1").c_str()), 0);
    append("f\n");
    Reader replaced(path_, 100);
    ASSERT_EQ(replaced.open(saved), "");
    EXPECT_EQ(poll(replaced), std::vector<std::string>{"f"});
}

TEST_F(PostlogReader, RotationFinishesTheOldFileFirst) {
    append("");
    Reader r(path_, 100);
    ASSERT_EQ(r.open({}), "");
    append("1\n2\n");
    EXPECT_EQ(poll(r), (std::vector<std::string>{"1", "2"}));
    append("3\n");
    ASSERT_EQ(std::rename(path_.c_str(), (path_ + ".1").c_str()), 0);
    append("4\n");
    PollResult pr;
    EXPECT_EQ(poll(r, 1000, &pr), (std::vector<std::string>{"3", "4"}));
    EXPECT_TRUE(pr.rotated);
    append("5\n");
    EXPECT_EQ(poll(r), std::vector<std::string>{"5"});
}

TEST_F(PostlogReader, TruncationReadsFromTheStart) {
    append("");
    Reader r(path_, 100);
    ASSERT_EQ(r.open({}), "");
    append("one line that is long\n");
    EXPECT_EQ(poll(r).size(), 1u);
    { std::ofstream(path_, std::ios::trunc) << "x\n"; }
    PollResult pr;
    EXPECT_EQ(poll(r, 1000, &pr), std::vector<std::string>{"x"});
    EXPECT_TRUE(pr.truncated);
}

TEST_F(PostlogReader, LongLinesAreSkippedWholeAndCounted) {
    append("");
    Reader r(path_, 10);
    ASSERT_EQ(r.open({}), "");
    append("short\n" + std::string(200'000, 'x') + "\nafter\n" + std::string(11, 'y') + "\n");
    PollResult pr;
    EXPECT_EQ(poll(r, 1000, &pr), (std::vector<std::string>{"short", "after"}));
    EXPECT_EQ(pr.too_long, 2u);
}

TEST_F(PostlogReader, LinesPerPollAreBoundedAndTheRestIsKept) {
    append("");
    Reader r(path_, 100);
    ASSERT_EQ(r.open({}), "");
    append("1\n2\n3\n4\n5\n");
    PollResult pr;
    EXPECT_EQ(poll(r, 2, &pr), (std::vector<std::string>{"1", "2"}));
    EXPECT_TRUE(pr.rate_limited);
    EXPECT_EQ(poll(r, 2), (std::vector<std::string>{"3", "4"}));
    EXPECT_EQ(poll(r, 2), std::vector<std::string>{"5"});
}

TEST_F(PostlogReader, AMissingFileIsAnErrorUntilItAppears) {
    Reader r(path_, 100);
    EXPECT_NE(r.open({}), "");
    PollResult pr;
    EXPECT_TRUE(poll(r, 1000, &pr).empty());
    EXPECT_NE(pr.error.find("maillog"), std::string::npos);
    append("first\n");
    EXPECT_EQ(poll(r, 1000, &pr), std::vector<std::string>{"first"});
    EXPECT_EQ(pr.error, "");
}
