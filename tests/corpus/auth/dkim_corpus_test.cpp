// The DKIM corpus verified with libopendkim, keys served by a real unbound on loopback.
#include <gtest/gtest.h>

#include <strings.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "auth/dkim.hpp"
#include "auth/verify.hpp"
#include "corpus_util.hpp"
#include "dns_server.hpp"
#include "message_util.hpp"
#include "util/tag_list.hpp"

using nlohmann::json;

namespace {

// DNS data in "name value" lines turned into zone records and names to refuse.
struct KeyZone {
    std::string records;
    std::vector<std::string> refuse;
    std::map<std::string, std::string> keys;  // lower-case owner name -> record
};

// Parses FAKE_DNS.dat-style lines.
KeyZone parse_key_lines(const std::string& text) {
    KeyZone z;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.find_first_of(" \t");
        if (sp == std::string::npos) continue;
        std::string name = line.substr(0, sp);
        std::string value = line.substr(line.find_first_not_of(" \t", sp));
        if (value == "NXDOMAIN") continue;
        if (value.rfind("~~", 0) == 0) {
            z.refuse.push_back(name);
            continue;
        }
        std::string owner = name;
        for (auto& ch : owner)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        z.keys[owner] = value;
        z.records += mxpulse::testing::zone_name(name) + " IN TXT " +
                     mxpulse::testing::zone_txt({value}) + "\n";
    }
    return z;
}

// The tags of one tag=value; header value (RFC 6376 3.2), through the shared parser.
std::map<std::string, std::string> tag_list(const std::string& value) {
    std::map<std::string, std::string> tags;
    for (const auto& t : mxpulse::util::parse_tag_list(value).tags)
        tags[std::string(t.name)] = std::string(t.value);
    return tags;
}

// One corpus message and what was found for it.
struct Case {
    std::string id;
    std::string want;  // expected_auth_results, as in the file
    std::optional<std::int64_t> verify_time;
    std::string raw;  // the message as a file holds it (the entry point reads it)
    mxpulse::testing::SplitMessage message;
    std::string dns_key;                      // which test DNS server serves its keys
    std::map<std::string, std::string> keys;  // the key records it serves
    std::string got;
    std::vector<mxpulse::auth::DkimSignature> sigs;
};

// Loads every expectation and its message; starts one DNS server per key file.
void load_corpus(const std::string& dir, std::vector<Case>& cases,
                 std::map<std::string, std::unique_ptr<mxpulse::testing::TestDnsServer>>& servers) {
    std::ifstream exp(dir + "/dkim/expectations.jsonl");
    std::string line;
    while (std::getline(exp, line)) {
        if (line.empty()) continue;
        json e = json::parse(line);
        Case c;
        c.id = e["id"].get<std::string>();
        c.want = e["expected_auth_results"].get<std::string>();
        if (e.contains("verify_time_unix") && e["verify_time_unix"].is_number()) {
            c.verify_time = e["verify_time_unix"].get<std::int64_t>();
        }
        std::string raw =
            mxpulse::testing::read_text_file(dir + "/dkim/" + e["file"].get<std::string>());
        ASSERT_FALSE(raw.empty()) << c.id;
        std::string key_text, message = raw;
        if (e["dns_file"].is_string()) {
            c.dns_key = e["dns_file"].get<std::string>();
            key_text = mxpulse::testing::read_text_file(dir + "/dkim/" + c.dns_key);
        } else {
            // Records at the top of the file, a blank line, then the message.
            auto cut = raw.find("\n\n");
            std::size_t skip = 2;
            if (auto c2 = raw.find("\r\n\r\n"); c2 != std::string::npos && c2 < cut) {
                cut = c2;
                skip = 4;
            }
            ASSERT_NE(cut, std::string::npos) << c.id;
            key_text = raw.substr(0, cut);
            message = raw.substr(cut + skip);
            c.dns_key = e["file"].get<std::string>();
        }
        KeyZone z = parse_key_lines(key_text);
        c.keys = z.keys;
        if (!servers.count(c.dns_key)) {
            std::string err;
            servers[c.dns_key] = mxpulse::testing::TestDnsServer::start(z.records, z.refuse, err);
            ASSERT_NE(servers[c.dns_key], nullptr) << err;
        }
        c.raw = message;
        c.message = mxpulse::testing::split_message(mxpulse::testing::to_crlf(message));
        cases.push_back(std::move(c));
    }
}

// Verifies C with MIN_BITS as the smallest acceptable RSA key through the entry point of
// `mxpulsectl verify` (auth::verify_message); fills got and sigs.
void verify(Case& c, const mxpulse::testing::TestDnsServer& server, unsigned min_bits) {
    mxpulse::dns::ResolverConfig rc;
    rc.nameservers = {server.nameserver()};
    rc.timeout = std::chrono::milliseconds(1000);
    std::string err;
    auto resolver = mxpulse::dns::Resolver::create(rc, err);
    ASSERT_NE(resolver, nullptr) << err;
    mxpulse::auth::AuthConfig ac;
    ac.dkim.min_key_bits = min_bits;
    ac.psl_file = mxpulse::testing::shared_corpus_dir() + "/psl/public_suffix_list.dat";
    auto evaluator = mxpulse::auth::Evaluator::create(*resolver, ac, err);
    ASSERT_NE(evaluator, nullptr) << err;
    auto report = mxpulse::auth::verify_message(*evaluator, c.raw, {}, c.id);
    ASSERT_EQ(report.error, "") << c.id;
    c.sigs = report.verdict.dkim;
    // The message's verdict over DKIM and DomainKeys signatures, as the corpus gives it.
    c.got = std::string(
        mxpulse::auth::result_name(mxpulse::auth::signatures_overall(c.sigs, std::nullopt)));
}

// The signatures' verdicts, for failure messages.
std::string describe(const Case& c) {
    std::ostringstream out;
    for (const auto& s : c.sigs) {
        out << " [" << (s.kind == mxpulse::auth::SignatureKind::domainkeys ? "dk" : "dkim")
            << " d=" << s.domain << " s=" << s.selector << " a=" << s.algorithm << " "
            << mxpulse::auth::result_name(s.result) << " " << s.error << "]";
    }
    return out.str();
}

// One named deviation: the verdict mxpulse gives and the RFC reason.
struct Deviation {
    std::string verdict;
    std::string reason;
};

// Reads dkim_deviations.txt beside this test: "ID VERDICT REASON..." lines, '#' comments.
std::map<std::string, Deviation> load_deviations() {
    std::map<std::string, Deviation> out;
    std::istringstream in(
        mxpulse::testing::read_text_file(MXPULSE_CORPUS_TOOLS "/dkim_deviations.txt"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream l(line);
        std::string id;
        Deviation d;
        l >> id >> d.verdict;
        std::getline(l >> std::ws, d.reason);
        out[id] = d;
    }
    return out;
}

// Loads the corpus and its DNS servers for each test; skips loudly when it is absent.
class DkimCorpus : public ::testing::Test {
  protected:
    // Reads the expectations and starts the key servers.
    void SetUp() override {
        std::string dir = mxpulse::testing::shared_corpus_dir();
        if (dir.empty()) {
            GTEST_SKIP() << "SHARED CORPUS ABSENT (" MXPULSE_SHARED_DIR "): DKIM SKIPPED";
        }
        load_corpus(dir, cases, servers);
        if (HasFatalFailure()) return;
        ASSERT_FALSE(cases.empty());
    }

    std::vector<Case> cases;
    std::map<std::string, std::unique_ptr<mxpulse::testing::TestDnsServer>> servers;
};

TEST_F(DkimCorpus, VerdictsMatchExpectations) {
    // Pass 1: no key-size floor, as when the corpus was written (before RFC 8301). Every
    // disagreement must be named in dkim_deviations.txt with its verdict; a named message that
    // agrees again is an error too (the list would hide a change).
    auto named = load_deviations();
    ASSERT_FALSE(named.empty()) << "dkim_deviations.txt missing or empty";
    int agree = 0;
    std::ostringstream deviations;
    std::map<std::string, int> by_reason;
    for (auto& c : cases) {
        verify(c, *servers[c.dns_key], 512);
        if (HasFatalFailure()) return;
        auto listed = named.find(c.id);
        if (c.got == c.want) {
            ++agree;
            EXPECT_EQ(listed, named.end())
                << c.id << " is listed in dkim_deviations.txt but now equals the corpus (" << c.got
                << ")";
            continue;
        }
        if (listed == named.end()) {
            ADD_FAILURE() << c.id << ": want " << c.want << " got " << c.got
                          << " and it is not in dkim_deviations.txt" << describe(c);
            continue;
        }
        EXPECT_EQ(c.got, listed->second.verdict)
            << c.id << " (" << listed->second.reason << ")" << describe(c);
        ++by_reason[listed->second.reason];
        deviations << "  DEVIATION " << c.id << " file " << c.want << ", got " << c.got << ": "
                   << listed->second.reason << "\n";
    }
    for (const auto& [id, d] : named) {
        bool present = false;
        for (const auto& c : cases)
            present |= c.id == id;
        EXPECT_TRUE(present) << id << " is listed in dkim_deviations.txt but not in the corpus";
    }
    std::cout << "DKIM corpus, no key-size floor: " << agree << "/" << cases.size()
              << " equal expectations.jsonl; " << named.size() << " named deviations\n"
              << deviations.str();
    for (const auto& [why, n] : by_reason)
        std::cout << "  " << n << " x " << why << "\n";

    // Pass 2: the default RFC 8301 floor of 1024 bits changes only verdicts of short keys.
    int floor_changed = 0, default_agree = 0;
    for (auto& c : cases) {
        std::string before = c.got;
        verify(c, *servers[c.dns_key], mxpulse::auth::DkimConfig{}.min_key_bits);
        if (HasFatalFailure()) return;
        default_agree += c.got == c.want;
        if (c.got == before) continue;
        ++floor_changed;
        EXPECT_EQ(c.got, "permerror") << c.id << describe(c);
        bool short_key = false;
        for (const auto& s : c.sigs)
            short_key |= s.error.find("too small") != std::string::npos;
        EXPECT_TRUE(short_key) << c.id << describe(c);
    }
    std::cout << "DKIM corpus, default 1024-bit floor (RFC 8301 3.2): " << default_agree << "/"
              << cases.size() << " equal expectations.jsonl; " << floor_changed
              << " became permerror for a key under 1024 bits\n";
    EXPECT_GT(floor_changed, 0) << "the corpus has 512-bit keys: the floor must bite";
}

// Messages signed with an expiry (x=) whose expectation holds at a fixed clock
// (verify_time_unix); ctest runs this under libfaketime as corpus.dkim_fixed_clock. Under the
// real clock it has nothing to check.
TEST_F(DkimCorpus, FixedClock) {
    std::int64_t now = std::time(nullptr);
    int checked = 0;
    for (auto& c : cases) {
        if (!c.verify_time || std::llabs(now - *c.verify_time) > 3600) continue;
        // Only an expiry needs the old clock; the rest are checked at the real one (a t= later
        // than verify_time_unix would be "in the future" here, which RFC 6376 lets verifiers
        // refuse and libopendkim does).
        bool expires = false;
        for (const auto& [n, v] : c.message.headers) {
            expires |= strcasecmp(n.c_str(), "DKIM-Signature") == 0 && tag_list(v).count("x");
        }
        if (!expires) continue;
        verify(c, *servers[c.dns_key], mxpulse::auth::DkimConfig{}.min_key_bits);
        if (HasFatalFailure()) return;
        EXPECT_EQ(c.got, c.want) << c.id << describe(c);
        ++checked;
    }
    if (checked == 0) {
        GTEST_SKIP() << "clock is not at any verify_time_unix: run as corpus.dkim_fixed_clock";
    }
    std::cout << "DKIM corpus at the fixed clock: " << checked << " messages checked\n";
}

}  // namespace
