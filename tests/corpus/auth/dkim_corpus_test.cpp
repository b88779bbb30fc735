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
#include "corpus_util.hpp"
#include "dns_server.hpp"
#include "message_util.hpp"

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

// The tags of one tag=value; header value (RFC 6376 3.2), whitespace removed from names.
std::map<std::string, std::string> tag_list(const std::string& value) {
    std::map<std::string, std::string> tags;
    std::istringstream in(value);
    std::string item;
    while (std::getline(in, item, ';')) {
        auto eq = item.find('=');
        if (eq == std::string::npos) continue;
        std::string name;
        for (char c : item.substr(0, eq)) {
            if (!std::isspace(static_cast<unsigned char>(c))) name += c;
        }
        std::string v = item.substr(eq + 1);
        v.erase(0, v.find_first_not_of(" \t\r\n"));
        v.erase(v.find_last_not_of(" \t\r\n") + 1);
        tags[name] = v;
    }
    return tags;
}

// One corpus message and what was found for it.
struct Case {
    std::string id;
    std::string want;  // expected_auth_results, as in the file
    std::optional<std::int64_t> verify_time;
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
        c.message = mxpulse::testing::split_message(mxpulse::testing::to_crlf(message));
        cases.push_back(std::move(c));
    }
}

// Verifies C with MIN_BITS as the smallest acceptable RSA key; fills got and sigs.
void verify(Case& c, const mxpulse::testing::TestDnsServer& server, unsigned min_bits) {
    mxpulse::dns::ResolverConfig rc;
    rc.nameservers = {server.nameserver()};
    rc.timeout = std::chrono::milliseconds(1000);
    std::string err;
    auto resolver = mxpulse::dns::Resolver::create(rc, err);
    ASSERT_NE(resolver, nullptr) << err;
    mxpulse::auth::DkimConfig dc;
    dc.min_key_bits = min_bits;
    auto verifier = mxpulse::auth::DkimVerifier::create(*resolver, dc, err);
    ASSERT_NE(verifier, nullptr) << err;
    auto session = verifier->start();
    for (const auto& [n, v] : c.message.headers)
        session->header(n, v);
    session->end_of_headers();
    for (std::size_t p = 0; p < c.message.body.size(); p += 1000) {
        session->body(std::string_view(c.message.body).substr(p, 1000));
    }
    c.sigs = session->finish();
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

// Where RFC 6376 itself gives a different verdict than the corpus (which Mail::DKIM wrote,
// lenient towards pre-standard drafts), that verdict and the reason; empty when the file holds.
// Decided from the message, never from its name.
std::pair<std::string, std::string> rfc_verdict(const Case& c, std::int64_t now) {
    bool any_dkim = false, all_prestandard = true, any_domainkeys = false, expired = false;
    bool granularity = false, domainkeys_without_q = false;
    for (const auto& [n, v] : c.message.headers) {
        if (strcasecmp(n.c_str(), "DomainKey-Signature") == 0) {
            domainkeys_without_q |= !any_domainkeys && tag_list(v).count("q") == 0;
            any_domainkeys = true;
        }
        if (strcasecmp(n.c_str(), "DKIM-Signature") != 0) continue;
        any_dkim = true;
        auto tags = tag_list(v);
        if (tags.count("v") && tags["v"] == "1") all_prestandard = false;
        if (tags.count("x") && std::strtoll(tags["x"].c_str(), nullptr, 10) < now) expired = true;
        std::string owner = tags["s"] + "._domainkey." + tags["d"];
        for (auto& ch : owner)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (auto k = c.keys.find(owner); k != c.keys.end() && tag_list(k->second).count("g")) {
            granularity = true;
        }
    }
    if (any_dkim && all_prestandard && !any_domainkeys && c.want != "permerror") {
        return {"permerror",
                "pre-standard signature (v= missing or not 1): RFC 6376 6.1.1 says PERMFAIL"};
    }
    if (!any_dkim && domainkeys_without_q && c.want != "permerror") {
        return {"permerror",
                "DomainKey-Signature without q=, which RFC 4870 3.3 requires (the corpus itself "
                "expects permerror for the same defect elsewhere)"};
    }
    if (granularity && c.want == "permerror") {
        return {"pass",
                "key g= (RFC 4871 granularity) was dropped by RFC 6376, which ignores unknown "
                "key tags (3.6.1)"};
    }
    if (c.verify_time && expired && std::llabs(now - *c.verify_time) > 86400 &&
        c.want != "permerror") {
        return {"permerror",
                "expired (x=) at the real clock; checked at verify_time_unix by "
                "DkimCorpus.FixedClock under libfaketime"};
    }
    return {};
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
    std::int64_t now = std::time(nullptr);

    // Pass 1: no key-size floor, as when the corpus was written (before RFC 8301).
    int agree = 0;
    std::ostringstream deviations;
    std::map<std::string, int> by_rule;
    for (auto& c : cases) {
        verify(c, *servers[c.dns_key], 512);
        if (HasFatalFailure()) return;
        if (c.got == c.want) {
            ++agree;
            continue;
        }
        auto [rfc, why] = rfc_verdict(c, now);
        EXPECT_FALSE(rfc.empty()) << c.id << ": want " << c.want << " got " << c.got << describe(c);
        if (rfc.empty()) continue;
        EXPECT_EQ(c.got, rfc) << c.id << " (" << why << ")" << describe(c);
        ++by_rule[why];
        deviations << "  DEVIATION " << c.id << " file " << c.want << ", RFC " << rfc << ", got "
                   << c.got << ": " << why << "\n";
    }
    std::cout << "DKIM corpus, no key-size floor: " << agree << "/" << cases.size()
              << " equal expectations.jsonl\n"
              << deviations.str();
    for (const auto& [why, n] : by_rule)
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
