// Unit tests of the bundle built from the evidence store: completeness notes, the lists recomputed
// from every kept NDR, the text sections, and the mbox and eml forms.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "evidence/bundle.hpp"
#include "evidence/export.hpp"
#include "evidence/format.hpp"
#include "evidence/kept.hpp"
#include "sample_record.hpp"

using namespace mxpulse;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'700'000'000;

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) + "/tests/fixtures/bounces/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A store in a temporary directory, removed at the end.
struct Fixture {
    fs::path dir;
    std::unique_ptr<evidence::Store> store;
    explicit Fixture(std::size_t max_count = 1000) {
        std::string t = (fs::temp_directory_path() / "mxpulse-kept-XXXXXX").string();
        dir = ::mkdtemp(t.data());
        evidence::StoreOptions o{dir.string()};
        o.max_count = max_count;
        store = std::make_unique<evidence::Store>(o);
        EXPECT_EQ(store->open(kNow), "");
    }
    ~Fixture() {
        store.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    // Keeps the M365 fixture NDR for one recipient, at a time.
    void keep(const std::string& rcpt, std::int64_t at) {
        evidence::Record r = evidence::testing::socketerror_record(rcpt, at);
        r.bounce_message_id = "<ndr" + std::to_string(at) + "@contoso.example>";
        r.reporting_mta = "AM9PR01MB0002.eurprd01.prod.outlook.com";
        std::string text = fixture("m365-socketerror-received.eml");
        store->write(r, text, at);
    }
};

// A bundle as build() makes it, with the counters saying counted failures.
nlohmann::json base(std::uint64_t counted) {
    nlohmann::json health = {
        {"domains", {"yahoo.com", "aol.com"}},
        {"windows", {{"total", {{"failed", counted}, {"outbound_rcpts", 0}}}}}};
    evidence::Request r{"yahoo", 48 * 3600, kNow + 100};
    return evidence::build(r, "provider", health);
}

evidence::Selection selection() {
    return {"provider", "yahoo", {"yahoo.com", "aol.com"}, kNow - 3600, kNow + 100, "", "", true};
}
}  // namespace

TEST(EvidenceKept, EveryKeptFailureIsListedAndTheNoteSaysSo) {
    Fixture f;
    for (int i = 0; i < 25; ++i)
        f.keep("u" + std::to_string(i) + (i % 2 ? "@aol.com" : "@yahoo.com"), kNow + i);
    nlohmann::json b = base(25);
    evidence::add_kept(b, *f.store, selection());
    EXPECT_EQ(b["kept"]["shown_failed"], 25);
    EXPECT_TRUE(b["kept"]["complete"]);
    EXPECT_EQ(b["kept"]["note"].get<std::string>().substr(0, 37),
              "showing 25 of 25 failed recipients; o");
    EXPECT_EQ(b["affected_recipients"]["yahoo.com"].size(), 13u);
    EXPECT_EQ(b["affected_recipients"]["aol.com"].size(), 12u);
    EXPECT_EQ(b["first_seen"], evidence::iso_time(kNow));  // from all 25, not the last 20
    EXPECT_EQ(b["ndrs"].size(), 25u);
    EXPECT_EQ(b["sender_domains"], nlohmann::json::array({"contoso.example"}));
    EXPECT_EQ(b["kept"]["texts_left_out"], 0);
    std::string text = evidence::to_text(b);
    EXPECT_NE(text.find("Ready-to-paste summary: yahoo"), std::string::npos);
    EXPECT_NE(text.find("Every failure (25 failed, 0 delayed)"), std::string::npos);
    EXPECT_NE(text.find("Attempt 2025-09-16T02:03:41+00:00  mta5.am0.yahoodns.net (198.51.100.45)"),
              std::string::npos);
    EXPECT_NE(text.find("Received: from mail.contoso.example (203.0.113.25)"), std::string::npos);
    EXPECT_NE(text.find("Sample NDR, whole"), std::string::npos);
    EXPECT_NE(text.find("Subject: Undeliverable: Delivery schedule"), std::string::npos);
}

TEST(EvidenceKept, WhatTheStoreRemovedIsCountedInTheNote) {
    Fixture f(10);
    for (int i = 0; i < 30; ++i)
        f.keep("u" + std::to_string(i) + "@yahoo.com", kNow + i);
    nlohmann::json b = base(1312);
    evidence::add_kept(b, *f.store, selection());
    EXPECT_EQ(b["kept"]["shown_failed"], 10);
    EXPECT_EQ(b["kept"]["lost_failed"], 20);
    EXPECT_FALSE(b["kept"]["complete"]);
    EXPECT_EQ(b["kept"]["note"], "showing 10 of 1,312 failed recipients; oldest kept " +
                                     evidence::iso_time(kNow + 20) +
                                     "; 20 removed by the store's bounds or refused (newest "
                                     "removed " +
                                     evidence::iso_time(kNow + 19) +
                                     "); 1,282 counted outside this time window, before the store "
                                     "kept them, or filtered out");
}

TEST(EvidenceKept, PatternAndSenderDomainFilter) {
    Fixture f;
    f.keep("a@yahoo.com", kNow);
    auto s = selection();
    s.pattern = "4.7.0";
    nlohmann::json b = base(1);
    evidence::add_kept(b, *f.store, s);
    EXPECT_EQ(b["kept"]["shown_failed"], 0);
    s.pattern = "4.4.2";  // in the cause chain
    b = base(1);
    evidence::add_kept(b, *f.store, s);
    EXPECT_EQ(b["kept"]["shown_failed"], 1);
    s.sender_domain = "other.example";
    b = base(1);
    evidence::add_kept(b, *f.store, s);
    EXPECT_EQ(b["kept"]["shown_failed"], 0);
    s.sender_domain = "contoso.example";
    b = base(1);
    evidence::add_kept(b, *f.store, s);
    EXPECT_EQ(b["kept"]["shown_failed"], 1);
}

TEST(EvidenceKept, MboxAndEmlKeepEveryNdrAndQuoteFromLines) {
    Fixture f;
    f.keep("a@yahoo.com", kNow);
    f.keep("b@yahoo.com", kNow + 1);
    nlohmann::json b = base(2);
    evidence::add_kept(b, *f.store, selection());
    b["ndrs"][0]["text"] = b["ndrs"][0]["text"].get<std::string>() + "From here on\n";
    std::string mbox = evidence::to_mbox(b);
    std::size_t froms = 0;
    for (std::size_t p = 0; (p = mbox.find("From MAILER-DAEMON ", p)) != std::string::npos; ++p)
        froms += p == 0 || mbox[p - 1] == '\n';
    EXPECT_EQ(froms, 2u);
    EXPECT_NE(mbox.find("\n>From here on\n"), std::string::npos);
    std::string eml = evidence::eml_of(b["ndrs"][1]);
    EXPECT_EQ(eml.substr(0, 27), "X-Mxpulse-Evidence: whole; ");
    EXPECT_NE(eml.find("Message-ID: <ndr-m365-socketerror-received@contoso.example>"),
              std::string::npos);
    std::string err;
    EXPECT_EQ(evidence::write_eml_dir(b, (f.dir / "out").string(), err), 2);
}
