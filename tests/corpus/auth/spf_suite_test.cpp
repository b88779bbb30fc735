// The RFC 7208 SPF test suite run through libspf2 + mxpulse::dns against a real unbound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>
#include <sstream>

#include "auth/spf.hpp"
#include "corpus_util.hpp"
#include "dns_server.hpp"

using nlohmann::json;

namespace {

// Suite tests where libspf2 1.2.10 (which mxpulse evaluates SPF with) deviates from RFC 7208 and
// mxpulse does not correct it. Each is reported as SKIP with its reason; the test fails when one
// of them starts to agree (remove it here) or when a test not listed disagrees.
struct KnownDeviation {
    const char* test;
    const char* reason;
};
constexpr const char* kCidrZero =
    "libspf2 rejects a /0 prefix length as a syntax error (permerror); RFC 7208 5.6 allows 0. "
    "mxpulse rewrites ip4:/0 and ip6:/0 into two /1 halves before libspf2 parses the record, but "
    "a/0 and mx/0 (match if the name has any address) have no equivalent libspf2 accepts";
constexpr KnownDeviation kKnownDeviations[] = {
    {"a-cidr4-0", kCidrZero},
    {"a-cidr4-0-ip6", kCidrZero},
    {"a-cidr6-0-ip4", kCidrZero},
    {"a-cidr6-0-ip4mapped", kCidrZero},
    {"a-cidr6-0-ip6", kCidrZero},
    {"a-cidr6-0-nxdomain", kCidrZero},
    {"a-nxdomain", kCidrZero},
    {"mx-cidr4-0", kCidrZero},
    {"mx-cidr4-0-ip6", kCidrZero},
    {"mx-cidr6-0-ip4", kCidrZero},
    {"mx-cidr6-0-ip4mapped", kCidrZero},
    {"mx-cidr6-0-ip6", kCidrZero},
    {"mx-cidr6-0-nxdomain", kCidrZero},
    {"mx-nxdomain", kCidrZero},
    {"include-over-limit",
     "libspf2 does not count the DNS-querying terms of included records toward the limit of 10; "
     "the DNS layer sees queries, not terms (an mx term makes several), so it cannot count them"},
    {"ptr-cname-loop",
     "libspf2 ends the evaluation with a DNS error when the A lookup of a PTR name fails (here "
     "a CNAME loop, SERVFAIL at the resolver), which mxpulse reports as temperror; RFC 7208 5.5 "
     "says to skip that name (neutral)"},
};

// Returns the reason TEST is a known deviation, or nullptr.
const char* known_deviation(const std::string& test) {
    for (const auto& d : kKnownDeviations) {
        if (test == d.test) return d.reason;
    }
    return nullptr;
}

// Lower-cases a string.
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// One scenario turned into zone lines plus names that must time out.
struct Zone {
    std::string records;
    std::vector<std::string> refuse;
    std::vector<std::string> transparent;
    std::vector<std::string> notes;
};

// Character-strings of a TXT/SPF value (a string or a list of strings).
std::vector<std::string> strings_of(const json& v) {
    if (v.is_array()) {
        std::vector<std::string> out;
        for (const auto& s : v)
            out.push_back(s.get<std::string>());
        return out;
    }
    return {v.get<std::string>()};
}

// Builds zone data from a scenario's zonedata, publishing SPF records as TXT too.
Zone build_zone(const json& zonedata) {
    Zone z;
    if (!zonedata.is_object()) return z;
    for (const auto& [name, recs] : zonedata.items()) {
        bool has_txt = false, real_txt = false, timeout = false;
        for (const auto& r : recs) {
            if (r.is_string() && r == "TIMEOUT") timeout = true;
            if (r.is_object() && r.contains("TXT")) {
                has_txt = true;
                if (!(r["TXT"].is_string() && r["TXT"] == "NONE")) real_txt = true;
            }
        }
        std::string owner = mxpulse::testing::zone_name(name);
        std::ostringstream o;
        int data = 0;
        for (const auto& r : recs) {
            if (!r.is_object()) continue;
            for (const auto& [type, v] : r.items()) {
                ++data;
                if (type == "SPF") {
                    std::string t = mxpulse::testing::zone_txt(strings_of(v));
                    o << owner << " IN SPF " << t << "\n";
                    if (!has_txt) o << owner << " IN TXT " << t << "\n";
                } else if (type == "TXT") {
                    if (v.is_string() && v == "NONE") continue;
                    o << owner << " IN TXT " << mxpulse::testing::zone_txt(strings_of(v)) << "\n";
                } else if (type == "A" || type == "AAAA") {
                    o << owner << " IN " << type << " " << v.get<std::string>() << "\n";
                } else if (type == "MX") {
                    std::string host = v.at(1).get<std::string>();
                    o << owner << " IN MX " << v.at(0).get<int>() << " "
                      << mxpulse::testing::zone_name(host.empty() ? "." : host) << "\n";
                } else if (type == "PTR" || type == "CNAME") {
                    o << owner << " IN " << type << " "
                      << mxpulse::testing::zone_name(v.get<std::string>()) << "\n";
                }
            }
        }
        // RFC 7208 clients query TXT only: a TIMEOUT without TXT data makes the TXT query
        // time out (the name is refused); beside TXT data it only affects type SPF (ignored).
        if (timeout && !real_txt) {
            z.refuse.push_back(name);
            if (data > 0) z.notes.push_back(name + ": refused whole; its non-TXT data is dropped");
        } else {
            z.records += o.str();
            if (timeout) z.notes.push_back(name + ": TIMEOUT for type SPF only, not expressed");
        }
    }
    // Names below a refused name are carved back out so that their own data is served.
    for (const auto& [name, recs] : zonedata.items()) {
        for (const auto& r : z.refuse) {
            if (lower(name).size() > r.size() && lower(name).ends_with("." + lower(r))) {
                z.transparent.push_back(name);
            }
        }
    }
    return z;
}

TEST(SpfSuite, Rfc7208AgainstRealDns) {
    std::string dir = mxpulse::testing::shared_corpus_dir();
    if (dir.empty())
        GTEST_SKIP() << "SHARED CORPUS ABSENT (" MXPULSE_SHARED_DIR "): SPF SUITE SKIPPED";
    json docs = mxpulse::testing::yaml_file_as_json(dir + "/spf/rfc7208-tests.yml");
    if (!docs.is_array()) GTEST_SKIP() << "PYTHON3 WITH YAML UNAVAILABLE: SPF SUITE SKIPPED";
    int total = 0, agree = 0, skipped = 0;
    std::set<std::string> seen;
    std::ostringstream report;
    for (const auto& doc : docs) {
        Zone zone = build_zone(doc.value("zonedata", json::object()));
        std::string err;
        auto server = mxpulse::testing::TestDnsServer::start(zone.records, zone.refuse, err,
                                                             zone.transparent);
        ASSERT_NE(server, nullptr) << doc.value("description", "") << ": " << err;
        mxpulse::dns::ResolverConfig cfg;
        cfg.nameservers = {server->nameserver()};
        cfg.timeout = std::chrono::milliseconds(1000);
        cfg.remove_local_zones = mxpulse::testing::documentation_reverse_zones();
        auto resolver = mxpulse::dns::Resolver::create(cfg, err);
        ASSERT_NE(resolver, nullptr) << err;
        for (const auto& note : zone.notes)
            report << "  note: " << note << "\n";
        for (const auto& [name, t] : doc.at("tests").items()) {
            std::set<std::string> want;
            if (t.at("result").is_array()) {
                for (const auto& r : t.at("result"))
                    want.insert(r.get<std::string>());
            } else {
                want.insert(t.at("result").get<std::string>());
            }
            auto got = mxpulse::auth::spf_check(*resolver, t.value("host", ""),
                                                t.value("mailfrom", ""), t.value("helo", ""));
            ++total;
            std::string g(mxpulse::auth::result_name(got.result));
            std::string w;
            for (const auto& x : want)
                w += (w.empty() ? "" : "|") + x;
            const char* deviation = known_deviation(name);
            seen.insert(name);
            if (want.count(g) != 0) {
                ++agree;
                if (deviation != nullptr) {
                    ADD_FAILURE() << name << " is listed as a known deviation but now agrees "
                                  << "(want " << w << ", got " << g << "): remove it from the list";
                }
            } else if (deviation != nullptr) {
                ++skipped;
                report << "  SKIP " << name << " [" << doc.value("description", "") << "] want "
                       << w << " got " << g << ": " << deviation << "\n";
            } else {
                ADD_FAILURE() << "MISMATCH " << name << " [" << doc.value("description", "")
                              << "] want " << w << " got " << g << " (" << got.reason << ")";
            }
        }
    }
    std::cout << "SPF RFC 7208 suite: " << agree << "/" << total << " pass, " << skipped
              << " skipped as known libspf2 deviations, " << total - agree - skipped
              << " unexpected failures\n"
              << report.str();
    EXPECT_GT(total, 0);
    for (const auto& d : kKnownDeviations)
        EXPECT_EQ(seen.count(d.test), 1u) << d.test << " is listed but not in the suite";
}

}  // namespace
