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

// Agreement floor: raise it when the implementation improves, never lower it silently.
constexpr int kAgreementFloor = 179;

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
    int total = 0, agree = 0;
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
            if (want.count(g) != 0) {
                ++agree;
            } else {
                std::string w;
                for (const auto& x : want)
                    w += (w.empty() ? "" : "|") + x;
                report << "  MISMATCH " << name << " [" << doc.value("description", "") << "] want "
                       << w << " got " << g << " (" << got.reason << ")\n";
            }
        }
    }
    std::cout << "SPF RFC 7208 suite: " << agree << "/" << total << " agree\n" << report.str();
    EXPECT_GT(total, 0);
    EXPECT_GE(agree, kAgreementFloor);
}

}  // namespace
