// DMARC vectors (record parsing, From extraction, alignment, evaluation via a real unbound).
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/dmarc.hpp"
#include "corpus_util.hpp"
#include "dns_server.hpp"

using nlohmann::json;

namespace {

// Where RFC 7489 gives a different answer than a vector (written from OpenDMARC's lenient
// parser), the reason; empty when the vector holds. Decided from the input, never its name.
std::string rfc_deviation(const json& v) {
    if (v["kind"] != "record_parse" || !v["expected"].value("valid", false)) return "";
    std::string record = v["input"].value("record", "");
    std::string lower;
    for (char c : record)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto p = lower.find("p=");
    while (p != std::string::npos && p > 0 && lower[p - 1] != ';' && lower[p - 1] != ' ') {
        p = lower.find("p=", p + 1);
    }
    if (p == std::string::npos || lower.find("rua=") != std::string::npos) return "";
    std::string value = lower.substr(p + 2, lower.find(';', p) - p - 2);
    while (!value.empty() && value.back() == ' ')
        value.pop_back();
    if (value == "none" || value == "quarantine" || value == "reject") return "";
    return "p=" + value +
           " is not none, quarantine or reject and there is no rua: RFC 7489 6.6.3 applies no "
           "DMARC processing (OpenDMARC accepts abbreviations)";
}

// Checks one vector; returns an empty string on agreement, else a description.
std::string check(const json& v, const mxpulse::auth::PublicSuffixList& psl) {
    using namespace mxpulse::auth;
    const json& in = v["input"];
    const json& ex = v["expected"];
    std::string kind = v["kind"];
    if (kind == "record_parse") {
        auto r = parse_dmarc_record(in.value("record", ""));
        bool valid = r.record.has_value();
        if (valid != ex["valid"].get<bool>()) {
            return "valid=" + std::to_string(valid) + " (" + r.error + ")";
        }
        if (valid && ex.contains("fields")) {
            const json& f = ex["fields"];
            if (policy_name(r.record->p) != f["p"]) return "p differs";
            if (policy_name(r.record->sp) != f["sp"]) return "sp differs";
            if (policy_name(r.record->np) != f["np"]) return "np differs";
            if ((r.record->strict_dkim ? "s" : "r") != f["adkim"]) return "adkim differs";
            if ((r.record->strict_spf ? "s" : "r") != f["aspf"]) return "aspf differs";
            if (r.record->fo != f["fo"]) return "fo differs";
            if (r.record->rua.size() != f["rua"].size()) return "rua count differs";
            for (std::size_t i = 0; i < r.record->rua.size(); ++i) {
                if (r.record->rua[i].address != f["rua"][i][0]) return "rua address differs";
                if (r.record->rua[i].max_bytes != f["rua"][i][1].get<std::uint64_t>()) {
                    return "rua size differs: " + std::to_string(r.record->rua[i].max_bytes);
                }
            }
        }
        return "";
    }
    if (kind == "from_domain_extract") {
        auto d = from_domains(in["header_value"].get<std::string>());
        std::string got = d.empty() ? "" : d.front();
        return got == ex["domain"] ? "" : "got " + got;
    }
    if (kind == "alignment") {
        bool got = domains_aligned(in["domain_a"].get<std::string>(),
                                   in["domain_b"].get<std::string>(), in["mode"] == "strict", psl);
        return got == ex["aligned"].get<bool>() ? "" : "aligned=" + std::to_string(got);
    }
    if (kind == "dmarc_evaluation") {
        std::string zone;
        for (const auto& [name, txt] : in["dns"].items()) {
            zone += mxpulse::testing::zone_name(name) + " IN TXT " +
                    mxpulse::testing::zone_txt({txt.get<std::string>()}) + "\n";
        }
        std::string err;
        auto server = mxpulse::testing::TestDnsServer::start(zone, {}, err);
        if (!server) return "no DNS server: " + err;
        mxpulse::dns::ResolverConfig rc;
        rc.nameservers = {server->nameserver()};
        auto resolver = mxpulse::dns::Resolver::create(rc, err);
        if (!resolver) return "no resolver: " + err;
        AuthIdentity spf{in["mail_from_domain"],
                         *parse_result(in["spf_result"].get<std::string>())};
        std::vector<AuthIdentity> dkim{
            {in["dkim_d"], *parse_result(in["dkim_result"].get<std::string>())}};
        auto verdict =
            dmarc_evaluate(*resolver, psl, {in["header_from"].get<std::string>()}, spf, dkim);
        std::string dk = verdict.dkim_aligned ? "pass" : "fail (not aligned)";
        std::string sp = verdict.spf_aligned ? "pass" : "fail (not aligned)";
        if (dk != ex["dkim_aligned_result"]) return "dkim aligned " + dk;
        if (sp != ex["spf_aligned_result"]) return "spf aligned " + sp;
        if (policy_name(verdict.policy) != ex["policy"]) return "policy differs";
        return "";
    }
    return "unknown kind " + kind;
}

TEST(DmarcVectors, AgreeWithExpectations) {
    std::string dir = mxpulse::testing::shared_corpus_dir();
    if (dir.empty()) GTEST_SKIP() << "SHARED CORPUS ABSENT (" MXPULSE_SHARED_DIR "): DMARC SKIPPED";
    std::string err;
    auto psl = mxpulse::auth::PublicSuffixList::load(dir + "/psl/public_suffix_list.dat", err);
    ASSERT_NE(psl, nullptr) << err;
    std::ifstream in(dir + "/dmarc/vectors.jsonl");
    std::string line;
    int total = 0, agree = 0;
    std::ostringstream report;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        json v = json::parse(line);
        std::string why = check(v, *psl);
        std::string id = v["id"].get<std::string>();
        ++total;
        if (why.empty()) {
            ++agree;
            continue;
        }
        std::string rfc = rfc_deviation(v);
        EXPECT_FALSE(rfc.empty()) << id << ": " << why;
        // The only deviation known: the record is invalid to us, valid to the vector.
        EXPECT_EQ(why.rfind("valid=0", 0), 0u) << id << ": " << why;
        report << "  DEVIATION " << id << ": " << why << "; " << rfc << "\n";
    }
    std::cout << "DMARC vectors: " << agree << "/" << total << " equal vectors.jsonl\n"
              << report.str();
    EXPECT_GT(total, 0);
}

}  // namespace
