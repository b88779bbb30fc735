// The DKIM corpus verified with libopendkim, keys served by a real unbound on loopback.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "auth/dkim.hpp"
#include "corpus_util.hpp"
#include "dns_server.hpp"
#include "message_util.hpp"

using nlohmann::json;

namespace {

// Agreement floor: raise it when the implementation improves, never lower it silently.
constexpr int kAgreementFloor = 25;

// DNS data in "name value" lines turned into zone records and names to refuse.
struct KeyZone {
    std::string records;
    std::vector<std::string> refuse;
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
        z.records += mxpulse::testing::zone_name(name) + " IN TXT " +
                     mxpulse::testing::zone_txt({value}) + "\n";
    }
    return z;
}

// Agreement figures of one pass over the corpus.
struct Tally {
    int total = 0, agree = 0, dkim_total = 0, dkim_agree = 0;
    std::string report;
};

// Verifies every corpus message with MIN_BITS as the smallest acceptable RSA key.
void run_corpus(const std::string& dir, unsigned min_bits, Tally& tally) {
    std::ifstream exp(dir + "/dkim/expectations.jsonl");
    std::string line;
    int total = 0, agree = 0;
    std::ostringstream report;
    std::map<std::string, std::unique_ptr<mxpulse::testing::TestDnsServer>> servers;
    while (std::getline(exp, line)) {
        if (line.empty()) continue;
        json e = json::parse(line);
        std::string raw =
            mxpulse::testing::read_text_file(dir + "/dkim/" + e["file"].get<std::string>());
        std::string key_text, message = raw;
        std::string server_key;
        if (e["dns_file"].is_string()) {
            server_key = e["dns_file"].get<std::string>();
            key_text = mxpulse::testing::read_text_file(dir + "/dkim/" + server_key);
        } else {
            // Records at the top of the file, a blank line, then the message.
            std::string lf = raw;
            auto cut = lf.find("\n\n");
            std::size_t skip = 2;
            if (auto c2 = lf.find("\r\n\r\n"); c2 != std::string::npos && c2 < cut) {
                cut = c2;
                skip = 4;
            }
            ASSERT_NE(cut, std::string::npos) << e["id"];
            key_text = lf.substr(0, cut);
            message = lf.substr(cut + skip);
            server_key = e["file"].get<std::string>();
        }
        if (!servers.count(server_key)) {
            KeyZone z = parse_key_lines(key_text);
            std::string err;
            servers[server_key] = mxpulse::testing::TestDnsServer::start(z.records, z.refuse, err);
            ASSERT_NE(servers[server_key], nullptr) << err;
        }
        mxpulse::dns::ResolverConfig rc;
        rc.nameservers = {servers[server_key]->nameserver()};
        rc.timeout = std::chrono::milliseconds(1000);
        std::string err;
        auto resolver = mxpulse::dns::Resolver::create(rc, err);
        ASSERT_NE(resolver, nullptr) << err;
        mxpulse::auth::DkimConfig dc;
        dc.min_key_bits = min_bits;
        if (e.contains("verify_time_unix") && e["verify_time_unix"].is_number()) {
            dc.fixed_time = e["verify_time_unix"].get<std::uint64_t>();
        }
        auto verifier = mxpulse::auth::DkimVerifier::create(*resolver, dc, err);
        ASSERT_NE(verifier, nullptr) << err;
        auto m = mxpulse::testing::split_message(mxpulse::testing::to_crlf(message));
        auto session = verifier->start();
        for (const auto& [n, v] : m.headers)
            session->header(n, v);
        session->end_of_headers();
        for (std::size_t p = 0; p < m.body.size(); p += 1000) {
            session->body(std::string_view(m.body).substr(p, 1000));
        }
        auto sigs = session->finish();
        std::string got(mxpulse::auth::result_name(mxpulse::auth::dkim_overall(sigs)));
        std::string want = e["expected_auth_results"].get<std::string>();
        ++total;
        bool dkim_typed = false;
        for (const auto& t : e["signature_types"])
            dkim_typed |= t == "DKIM";
        tally.dkim_total += dkim_typed;
        if (got == want) {
            ++agree;
            tally.dkim_agree += dkim_typed;
        } else {
            report << "  MISMATCH " << e["id"].get<std::string>() << " want " << want << " got "
                   << got;
            for (const auto& s : sigs) {
                report << " [d=" << s.domain << " s=" << s.selector << " a=" << s.algorithm << " "
                       << mxpulse::auth::result_name(s.result) << " " << s.error << "]";
            }
            report << "\n";
        }
    }
    tally.total = total;
    tally.agree = agree;
    tally.report = report.str();
}

TEST(DkimCorpus, VerdictsMatchExpectations) {
    std::string dir = mxpulse::testing::shared_corpus_dir();
    if (dir.empty()) GTEST_SKIP() << "SHARED CORPUS ABSENT (" MXPULSE_SHARED_DIR "): DKIM SKIPPED";
    Tally strict, loose;
    run_corpus(dir, 1024, strict);
    if (HasFatalFailure()) return;
    run_corpus(dir, 512, loose);
    if (HasFatalFailure()) return;
    std::cout << "DKIM corpus (default, RFC 8301 min 1024-bit keys): " << strict.agree << "/"
              << strict.total << " agree; messages with a DKIM signature: " << strict.dkim_agree
              << "/" << strict.dkim_total << "\n"
              << strict.report;
    std::cout << "DKIM corpus (min 512-bit keys): " << loose.agree << "/" << loose.total
              << " agree; messages with a DKIM signature: " << loose.dkim_agree << "/"
              << loose.dkim_total << "\n";
    EXPECT_GT(strict.total, 0);
    EXPECT_GE(strict.agree, kAgreementFloor);
}

}  // namespace
