// Unit tests of lib/log/journal: level-to-priority prefixes, JOURNAL_STREAM matching, and the
// stderr sink writing "<N>" only when stderr is the journal stream.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "log/journal.hpp"
#include "log/logger.hpp"

using namespace mxpulse::log;

TEST(LogJournal, LevelsMapToSyslogPriorities) {
    // RFC 5424 severities, as the syslog sink maps them: err, warning, info, debug.
    EXPECT_EQ(syslog_priority(Level::error), 3);
    EXPECT_EQ(syslog_priority(Level::warn), 4);
    EXPECT_EQ(syslog_priority(Level::info), 6);
    EXPECT_EQ(syslog_priority(Level::debug), 7);
    EXPECT_EQ(syslog_priority(Level::trace), 7);
    EXPECT_EQ(journal_prefix(Level::error), "<3>");
    EXPECT_EQ(journal_prefix(Level::warn), "<4>");
    EXPECT_EQ(journal_prefix(Level::info), "<6>");
    EXPECT_EQ(journal_prefix(Level::debug), "<7>");
    EXPECT_EQ(journal_prefix(Level::trace), "<7>");
}

TEST(LogJournal, EveryCatalogueEventGetsItsLevelsPrefix) {
    // The events operators filter on with journalctl -p: rejected reloads and raised alerts.
    EXPECT_EQ(journal_prefix(events::config_rejected.level), "<3>");
    EXPECT_EQ(journal_prefix(events::daemon_error.level), "<3>");
    EXPECT_EQ(journal_prefix(events::alert_raised.level), "<4>");
    EXPECT_EQ(journal_prefix(events::config_loaded.level), "<6>");
    for (const EventSpec* e : catalogue()) {
        std::string_view p = journal_prefix(e->level);
        EXPECT_EQ(p, "<" + std::to_string(syslog_priority(e->level)) + ">") << e->name;
    }
}

TEST(LogJournal, ParsesJournalStreamValues) {
    auto id = parse_journal_stream("8:123456");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->device, 8u);
    EXPECT_EQ(id->inode, 123456u);
    EXPECT_FALSE(parse_journal_stream(""));
    EXPECT_FALSE(parse_journal_stream("8"));
    EXPECT_FALSE(parse_journal_stream("8:"));
    EXPECT_FALSE(parse_journal_stream(":5"));
    EXPECT_FALSE(parse_journal_stream("8:5x"));
    EXPECT_FALSE(parse_journal_stream("-1:5"));
    EXPECT_FALSE(parse_journal_stream("8:5:6"));
}

// A temporary file whose fd and "DEVICE:INODE" stand in for a journal stream.
struct TempStream {
    std::string path;
    int fd = -1;
    // Creates the file.
    TempStream() {
        char name[] = "/tmp/mxpulse-journal-XXXXXX";
        fd = mkstemp(name);
        path = name;
    }
    // Removes the file.
    ~TempStream() {
        if (fd >= 0) close(fd);
        unlink(path.c_str());
    }
    // Returns the file's JOURNAL_STREAM value.
    std::string id() const {
        struct stat st {};
        fstat(fd, &st);
        return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    }
    // Returns what was written to the file.
    std::string text() const {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
};

TEST(LogJournal, MatchesOnlyTheFileItNames) {
    TempStream a, b;
    ASSERT_GE(a.fd, 0);
    ASSERT_GE(b.fd, 0);
    EXPECT_TRUE(fd_is_journal_stream(a.id().c_str(), a.fd));
    EXPECT_FALSE(fd_is_journal_stream(a.id().c_str(), b.fd));  // stderr redirected elsewhere
    EXPECT_FALSE(fd_is_journal_stream(nullptr, a.fd));         // not started by systemd
    EXPECT_FALSE(fd_is_journal_stream("garbage", a.fd));
}

// Points stderr at a file for the life of the object, and restores it and the log output after.
struct StderrTo {
    int saved;
    // Redirects fd 2 to fd.
    explicit StderrTo(int fd) : saved(dup(STDERR_FILENO)) {
        std::fflush(stderr);
        dup2(fd, STDERR_FILENO);
    }
    // Restores fd 2, JOURNAL_STREAM and a plain stderr output.
    ~StderrTo() {
        std::fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        unsetenv("JOURNAL_STREAM");
        configure(Settings{});
    }
};

TEST(LogJournal, StderrSinkPrefixesLinesWhenStderrIsTheJournalStream) {
    TempStream s;
    ASSERT_GE(s.fd, 0);
    StderrTo redirect(s.fd);
    setenv("JOURNAL_STREAM", s.id().c_str(), 1);
    ASSERT_EQ(configure(Settings{}), "");
    emit(events::config_rejected,
         {Field("config", "/etc/mxpulse/mxpulse.conf"), Field("error", "x")});
    emit(events::alert_raised, {Field("rule", "r")});
    emit(events::config_loaded, {Field("config", "c")});
    flush();
    std::string text = s.text();
    std::istringstream lines(text);
    std::string l1, l2, l3;
    std::getline(lines, l1);
    std::getline(lines, l2);
    std::getline(lines, l3);
    EXPECT_TRUE(l1.starts_with("<3>ts=")) << l1;
    EXPECT_NE(l1.find("event=config.rejected"), std::string::npos) << l1;
    EXPECT_TRUE(l2.starts_with("<4>ts=")) << l2;
    EXPECT_TRUE(l3.starts_with("<6>ts=")) << l3;
}

TEST(LogJournal, StderrSinkWritesPlainLinesElsewhere) {
    TempStream s, other;
    ASSERT_GE(s.fd, 0);
    ASSERT_GE(other.fd, 0);
    StderrTo redirect(s.fd);
    setenv("JOURNAL_STREAM", other.id().c_str(), 1);  // inherited, but stderr was redirected
    ASSERT_EQ(configure(Settings{}), "");
    emit(events::config_rejected, {Field("config", "c"), Field("error", "x")});
    flush();
    EXPECT_TRUE(s.text().starts_with("ts=")) << s.text();
}
