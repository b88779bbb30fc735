// DMARC vectors (record parsing, From extraction, alignment, and evaluation through the entry
// point of `mxpulsectl verify` with a real unbound).
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/dmarc.hpp"
#include "auth/verify.hpp"
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
        // Through the entry point of `mxpulsectl verify`: a message with the vector's From,
        // SPF evaluated for real against a record that gives the vector's SPF result, and the
        // vector's DKIM result standing for the signature.
        const std::string egress = "192.0.2.1";
        std::string zone;
        for (const auto& [name, txt] : in["dns"].items()) {
            zone += mxpulse::testing::zone_name(name) + " IN TXT " +
                    mxpulse::testing::zone_txt({txt.get<std::string>()}) + "\n";
        }
        std::string spf_want = in["spf_result"].get<std::string>();
        std::string mail_from_domain = in["mail_from_domain"].get<std::string>();
        std::string spf_record = spf_want == "pass"       ? "v=spf1 ip4:" + egress + " -all"
                                 : spf_want == "fail"     ? "v=spf1 -all"
                                 : spf_want == "softfail" ? "v=spf1 ~all"
                                 : spf_want == "neutral"  ? "v=spf1 ?all"
                                                          : "";
        if (!spf_record.empty() && !in["dns"].contains(mail_from_domain)) {
            zone += mxpulse::testing::zone_name(mail_from_domain) + " IN TXT " +
                    mxpulse::testing::zone_txt({spf_record}) + "\n";
        }
        std::string err;
        auto server = mxpulse::testing::TestDnsServer::start(zone, {}, err);
        if (!server) return "no DNS server: " + err;
        mxpulse::dns::ResolverConfig rc;
        rc.nameservers = {server->nameserver()};
        auto resolver = mxpulse::dns::Resolver::create(rc, err);
        if (!resolver) return "no resolver: " + err;
        AuthConfig ac;
        ac.spf.egress_addresses = {egress};
        ac.psl_file = mxpulse::testing::shared_corpus_dir() + "/psl/public_suffix_list.dat";
        auto evaluator = Evaluator::create(*resolver, ac, err);
        if (!evaluator) return "no evaluator: " + err;
        DkimSignature sig;
        sig.domain = in["dkim_d"].get<std::string>();
        sig.result = *parse_result(in["dkim_result"].get<std::string>());
        std::vector<DkimSignature> dkim{sig};
        VerifyEnvelope env;
        env.mail_from = "postmaster@" + mail_from_domain;
        env.mail_from_given = true;
        std::string raw = "From: " + in["header_from"].get<std::string>() + "\r\n\r\n";
        auto report = verify_message(*evaluator, raw, env, v["id"].get<std::string>(), &dkim);
        if (!report.error.empty()) return "message: " + report.error;
        const Verdict& verdict = report.verdict;
        if (result_name(verdict.spf_result) != spf_want) {
            return "SPF gave " + std::string(result_name(verdict.spf_result)) + ", the vector " +
                   spf_want;
        }
        std::string dk = verdict.dmarc.dkim_aligned ? "pass" : "fail (not aligned)";
        std::string sp = verdict.dmarc.spf_aligned ? "pass" : "fail (not aligned)";
        if (dk != ex["dkim_aligned_result"]) return "dkim aligned " + dk;
        if (sp != ex["spf_aligned_result"]) return "spf aligned " + sp;
        if (policy_name(verdict.dmarc.policy) != ex["policy"]) return "policy differs";
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
