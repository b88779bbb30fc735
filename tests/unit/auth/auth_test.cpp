// Unit tests of evaluate(), Authentication-Results, DMARC parsing and the audit on a real unbound.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/audit.hpp"
#include "auth/auth_results.hpp"
#include "auth/check_domain.hpp"
#include "auth/evaluate.hpp"
#include "auth/spf_record.hpp"
#include "dns_server.hpp"
#include "unit_zone_suite.hpp"

using namespace mxpulse::auth;

namespace {

// One unbound for the whole suite, serving tests/fixtures/dns/zones/unit.zone.
class AuthTest : public mxpulse::testing::UnitZoneSuite {
  protected:
    // Builds a resolver and an evaluator.
    void SetUp() override {
        if (server_ == nullptr) GTEST_SKIP() << "NO TEST DNS SERVER: " << start_error_;
        rc_.nameservers = {server_->nameserver()};
        rc_.timeout = std::chrono::milliseconds(1500);
        std::string err;
        resolver_ = mxpulse::dns::Resolver::create(rc_, err);
        ASSERT_NE(resolver_, nullptr) << err;
        AuthConfig cfg;
        cfg.spf.egress_addresses = {"192.0.2.10"};
        evaluator_ = Evaluator::create(*resolver_, cfg, err);
        ASSERT_NE(evaluator_, nullptr) << err;
    }
    // A message with the given sender and From values.
    static Message message(std::string sender, std::vector<std::string> froms) {
        Message m;
        m.envelope_sender = std::move(sender);
        m.helo = "gw.good.test";
        for (auto& f : froms)
            m.headers.push_back({"From", " " + f});
        m.headers.push_back({"Subject", " hello"});
        m.body_chunks = {"Hello\r\n", "world\r\n"};
        return m;
    }
    mxpulse::dns::ResolverConfig rc_;
    std::unique_ptr<mxpulse::dns::Resolver> resolver_;
    std::unique_ptr<Evaluator> evaluator_;
};

TEST_F(AuthTest, SpfPassFailAndHelo) {
    EXPECT_EQ(spf_check(*resolver_, "192.0.2.10", "a@good.test", "x").result, Result::pass);
    EXPECT_EQ(spf_check(*resolver_, "198.51.100.7", "a@good.test", "x").result, Result::pass);
    EXPECT_EQ(spf_check(*resolver_, "203.0.113.9", "a@good.test", "x").result, Result::fail);
    EXPECT_EQ(spf_check(*resolver_, "203.0.113.9", "a@soft.test", "x").result, Result::softfail);
    EXPECT_EQ(spf_check(*resolver_, "192.0.2.10", "a@nothing.test", "x").result, Result::none);
    auto helo = spf_check(*resolver_, "192.0.2.10", "", "good.test");
    EXPECT_EQ(helo.identity, "helo");
    EXPECT_EQ(helo.result, Result::pass);
    EXPECT_EQ(spf_check(*resolver_, "192.0.2.10", "a@twospf.test", "x").result, Result::permerror);
}

TEST_F(AuthTest, SpfVoidLookupLimit) {
    // The third void lookup ends the evaluation before ip4 matches (libspf2 alone: pass).
    auto v = spf_check(*resolver_, "192.0.2.10", "a@void3.test", "x");
    EXPECT_EQ(v.result, Result::permerror) << v.reason;
    // Address lookups of MX hosts are part of the mx term, not void lookups of their own.
    v = spf_check(*resolver_, "192.0.2.10", "a@voidmx.test", "x");
    EXPECT_EQ(v.result, Result::pass) << v.reason;
}

TEST_F(AuthTest, AlignedMessagePassesDmarc) {
    Verdict v = evaluator_->evaluate(message("user@good.test", {"User <user@good.test>"}));
    EXPECT_EQ(v.spf_result, Result::pass);
    EXPECT_EQ(v.dkim_result, Result::none);
    EXPECT_EQ(v.dmarc.result, Result::pass);
    EXPECT_TRUE(v.dmarc.spf_aligned);
    EXPECT_EQ(v.dmarc.policy, Policy::reject);
    std::string ar = format_authentication_results("gw.example", v);
    EXPECT_NE(ar.find("gw.example;"), std::string::npos) << ar;
    EXPECT_NE(ar.find("spf=pass"), std::string::npos) << ar;
    EXPECT_NE(ar.find("dmarc=pass (p=reject) header.from=good.test"), std::string::npos) << ar;
}

TEST_F(AuthTest, ForeignFromFailsAlignment) {
    Verdict v = evaluator_->evaluate(message("user@good.test", {"<boss@foreign.test>"}));
    EXPECT_EQ(v.spf_result, Result::pass);
    EXPECT_EQ(v.dmarc.result, Result::fail);
    EXPECT_EQ(v.dmarc.policy, Policy::quarantine);
    EXPECT_FALSE(v.dmarc.spf_aligned);
}

TEST_F(AuthTest, FromCountMustBeOne) {
    EXPECT_EQ(
        evaluator_->evaluate(message("u@good.test", {"a@good.test, b@good.test"})).dmarc.result,
        Result::permerror);
    EXPECT_EQ(evaluator_->evaluate(message("u@good.test", {})).dmarc.result, Result::permerror);
    EXPECT_EQ(
        evaluator_->evaluate(message("u@good.test", {"a@good.test", "b@good.test"})).dmarc.result,
        Result::permerror);
}

TEST_F(AuthTest, UnsignedDkimAndBrokenSignature) {
    Message m = message("user@good.test", {"user@good.test"});
    m.headers.insert(m.headers.begin(), {"DKIM-Signature",
                                         " v=1; a=rsa-sha256; d=good.test; s=selector1; c=relaxed; "
                                         "h=from; bh=AAAA; b=AAAA"});
    Verdict v = evaluator_->evaluate(m);
    ASSERT_EQ(v.dkim.size(), 1u);
    EXPECT_EQ(v.dkim[0].domain, "good.test");
    EXPECT_EQ(v.dkim[0].selector, "selector1");
    EXPECT_NE(v.dkim[0].result, Result::pass);
    EXPECT_EQ(v.dmarc.result, Result::pass);  // SPF still aligns
}

TEST_F(AuthTest, DmarcRecordParsing) {
    auto r =
        parse_dmarc_record("v=DMARC1; p=reject; sp=none; adkim=s; pct=50; rua=mailto:a@b.c!10k");
    ASSERT_TRUE(r.record) << r.error;
    EXPECT_EQ(r.record->sp, Policy::none);
    EXPECT_TRUE(r.record->strict_dkim);
    EXPECT_FALSE(r.record->strict_spf);
    EXPECT_EQ(r.record->pct, 50);
    EXPECT_EQ(r.record->rua.at(0).max_bytes, 10240u);
    EXPECT_FALSE(parse_dmarc_record("p=reject; v=DMARC1").record);
    EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=reject; pct=101").record);
}

TEST(SpfRecordSyntax, AcceptsValidAndRejectsInvalid) {
    for (const char* ok : {"v=spf1 -all", "v=spf1 a mx/24 a:%{d}.x.example ip4:192.0.2.0/24 ~all",
                           "v=spf1 ip6:2001:db8::/32 a//64 mx:m.example/24//64 exp=e.%{d2}",
                           "v=spf1 include:_spf.example.com redirect=r.example.net",
                           "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"}) {
        EXPECT_FALSE(spf_syntax_error(ok)) << ok << ": " << *spf_syntax_error(ok);
    }
    for (const char* bad :
         {"v=spf1 a:foo-bar -all", "v=spf1 ip4:1.2.3.4/032", "v=spf1 mx: -all",
          "v=spf1 exists:mail.example.com/24", "v=spf1 redirect=a.com redirect=b.com",
          "v=spf1 -exists:%(ir).sbl.example.com", "v=spf1 foo=%abc", "v=spf1 frobnicate:x.example",
          "v=spf1 ip6:1.2.3.4"}) {
        EXPECT_TRUE(spf_syntax_error(bad)) << bad;
    }
    EXPECT_FALSE(is_spf_record("v=spf10 -all"));
}

TEST_F(AuthTest, AuditCleanDomain) {
    AuditOptions o;
    o.domain = "good.test";
    o.egress = {"192.0.2.10"};
    o.expected_includes = {"spf.provider.test"};
    AuditReport r = audit_domain(*resolver_, o);
    EXPECT_FALSE(r.has_errors()) << audit_report_json(r);
    EXPECT_EQ(r.spf_lookups, 1);
    ASSERT_EQ(r.dkim.size(), 2u);
    EXPECT_EQ(r.dkim[1].cname, "selector2.provider.test");
    EXPECT_EQ(r.dkim[0].key_bits, 1024u);
}

// Returns the worst severity among findings with CHECK, or "absent".
std::string severity_of(const AuditReport& r, const std::string& check) {
    int worst = -1;
    for (const auto& f : r.findings) {
        if (f.check == check) worst = std::max(worst, static_cast<int>(f.severity));
    }
    return worst < 0 ? "absent" : std::string(severity_name(static_cast<Severity>(worst)));
}

TEST_F(AuthTest, AuditFindsEachDefect) {
    auto run = [&](const std::string& d) {
        AuditOptions o;
        o.domain = d;
        o.egress = {"192.0.2.10"};
        return audit_domain(*resolver_, o);
    };
    EXPECT_EQ(severity_of(run("twospf.test"), "spf.single"), "error");
    AuditReport many = run("many.test");
    EXPECT_EQ(many.spf_lookups, 11);
    EXPECT_EQ(severity_of(many, "spf.lookups"), "error");
    EXPECT_EQ(severity_of(run("soft.test"), "spf.all"), "warning");
    EXPECT_EQ(severity_of(run("nosel.test"), "dkim.selector"), "error");
    EXPECT_EQ(severity_of(run("pnone.test"), "dmarc.policy"), "warning");
    EXPECT_EQ(severity_of(run("nothing.test"), "spf.present"), "error");
    EXPECT_FALSE(run("soft.test").suggestions.empty());
    AuditReport bare = run("bare.test");
    EXPECT_EQ(severity_of(bare, "dkim.key_format"), "warning");
    EXPECT_EQ(severity_of(bare, "dkim.selector"), "warning");  // 1024 bits: fine, 2048 better
    ASSERT_EQ(bare.dkim.size(), 2u);
    EXPECT_EQ(bare.dkim[0].key_bits, 1024u);
    EXPECT_EQ(severity_of(run("junkkey.test"), "dkim.selector"), "error");
    EXPECT_EQ(severity_of(run("good.test"), "dkim.key_format"), "absent");
}

TEST_F(AuthTest, CheckDomainJsonAndExitCode) {
    CheckDomainOptions o;
    o.domain = "pnone.test";
    o.json = true;
    o.resolver = rc_;
    std::ostringstream out, err;
    int rc = run_check_domain(o, out, err);
    EXPECT_EQ(rc, 1);  // no DKIM selectors published
    auto j = nlohmann::json::parse(out.str());
    EXPECT_EQ(j["domain"], "pnone.test");
    EXPECT_TRUE(j["errors"].get<bool>());
    o.json = false;
    std::ostringstream table;
    run_check_domain(o, table, err);
    EXPECT_NE(table.str().find("dmarc.policy"), std::string::npos) << table.str();
}

}  // namespace
