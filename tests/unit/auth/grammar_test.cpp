// The shared grammars against their RFCs: tag-list (RFC 6376 3.2), strict base64 (RFC 4648), the
// DKIM-Signature header (RFC 6376 3.5) and the DMARC record's report URIs (RFC 7489 6.3).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

#include "auth/audit.hpp"
#include "auth/auth_results.hpp"
#include "auth/auth_results_parse.hpp"
#include "auth/dkim_signature.hpp"
#include "auth/dmarc.hpp"
#include "auth/dmarc_record.hpp"
#include "dns_server.hpp"
#include "util/base64.hpp"
#include "util/tag_list.hpp"

using mxpulse::util::parse_tag_list;

namespace {

TEST(TagList, AcceptsWhatTheAbnfAllows) {
    // FWS around names, '=' and values; a folded value; an empty value; one trailing ';'.
    auto t = parse_tag_list(" v = 1 ;\r\n\ta=rsa-sha256; b=abc\r\n def ;z=;x_1=y;");
    ASSERT_TRUE(t.ok()) << t.error;
    ASSERT_EQ(t.tags.size(), 5u);
    EXPECT_EQ(t.get("v"), "1");
    EXPECT_EQ(t.get("a"), "rsa-sha256");
    EXPECT_EQ(t.get("b"), "abc\r\n def");
    EXPECT_EQ(mxpulse::util::strip_fws(t.get("b")), "abcdef");
    ASSERT_NE(t.find("z"), nullptr);
    EXPECT_EQ(t.get("z"), "");
    EXPECT_EQ(t.get("x_1"), "y");
    EXPECT_TRUE(parse_tag_list("").ok());
    EXPECT_TRUE(parse_tag_list("k=rsa").ok());
    // Names are compared case-sensitively (3.2); ifind is there for DMARC's ABNF strings.
    EXPECT_EQ(t.find("V"), nullptr);
    EXPECT_NE(t.ifind("V"), nullptr);
}

TEST(TagList, RejectsWhatTheAbnfDoesNot) {
    for (const char* bad : {
             "v=1; junk; d=x",   // tag-spec without '='
             "v=1;; d=x",        // empty tag-spec
             ";v=1",             // leading empty tag-spec
             "v=1;;",            // two trailing ';'
             "=1",               // empty name
             "1v=1",             // name must start with ALPHA
             "v-x=1",            // '-' is not ALNUMPUNC
             "v=1; d=a\x01b",    // control byte in a value
             "v=1; d=\xc3\xa9",  // non-ASCII in a value (VALCHAR is %x21-7E)
             "v=1; v=1",         // repeated name invalidates the whole list
         }) {
        auto t = parse_tag_list(bad);
        EXPECT_FALSE(t.ok()) << bad;
        EXPECT_TRUE(t.tags.empty()) << bad;
    }
    std::string many;
    for (int i = 0; i < 70; ++i)
        many += "t" + std::to_string(i) + "=1;";
    EXPECT_FALSE(parse_tag_list(many).ok());
}

TEST(Base64, StrictDecoderRejectsNonCanonicalInput) {
    using mxpulse::util::base64_decode;
    EXPECT_EQ(base64_decode("QQ=="), std::optional<std::string>("A"));
    EXPECT_EQ(base64_decode("QUI="), std::optional<std::string>("AB"));
    EXPECT_EQ(base64_decode("QUJD"), std::optional<std::string>("ABC"));
    EXPECT_EQ(base64_decode("QU\r\n JD"), std::optional<std::string>("ABC"));  // folded
    EXPECT_EQ(base64_decode(""), std::optional<std::string>(""));
    for (const char* bad :
         {"QQ", "QQQ", "QQQ==", "QR==", "QUJ=", "Q", "QQ=", "QQ===", "QQ==QQ==", "QU*D", "=QQQ"}) {
        EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
    }
    // Round trip over every tail length.
    std::string bytes;
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(base64_decode(mxpulse::util::base64_encode(bytes)), bytes);
        bytes += static_cast<char>(0xf0 + i);
    }
}

TEST(DkimSignatureHeader, RequiredTagsAndVersion) {
    using mxpulse::auth::parse_dkim_signature;
    auto ok = parse_dkim_signature(
        " v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel;\r\n\th=from:to; bh=AAAA; "
        "b=BB\r\n\t BB");
    EXPECT_EQ(ok.error, "");
    EXPECT_EQ(ok.domain, "example.org");
    EXPECT_EQ(ok.selector, "sel");
    EXPECT_EQ(ok.algorithm, "rsa-sha256");
    auto no_v = parse_dkim_signature("a=rsa-sha256; d=example.org; s=sel; h=from; bh=A; b=B");
    EXPECT_NE(no_v.error.find("no v= tag"), std::string::npos) << no_v.error;
    EXPECT_EQ(no_v.domain, "example.org");
    auto v05 = parse_dkim_signature("v=0.5; a=rsa-sha256; d=e.org; s=s; h=from; bh=A; b=B");
    EXPECT_NE(v05.error.find("version"), std::string::npos) << v05.error;
    auto junk = parse_dkim_signature("v=1; a=rsa-sha256; d=e.org; s=s; junk; h=from; bh=A; b=B");
    EXPECT_NE(junk.error.find("syntax error"), std::string::npos) << junk.error;
}

TEST(DmarcRecord, UnusableReportUrisAreIgnoredAndThePolicyStands) {
    using mxpulse::auth::parse_dmarc_record;
    using mxpulse::auth::Policy;
    auto ftp = parse_dmarc_record("v=DMARC1; p=reject; rua=ftp://reports.example.net/dmarc");
    ASSERT_TRUE(ftp.record) << ftp.error;
    EXPECT_EQ(ftp.record->p, Policy::reject);
    EXPECT_TRUE(ftp.record->rua.empty());
    ASSERT_EQ(ftp.record->ignored_uris.size(), 1u);
    EXPECT_NE(ftp.record->ignored_uris[0].find("unsupported scheme"), std::string::npos);

    auto mixed = parse_dmarc_record(
        "v=DMARC1; p=quarantine; ruf=mailto:!10x,mailto:forensic; "
        "rua=https://r.example/x,mailto:agg@example.com!10m");
    ASSERT_TRUE(mixed.record) << mixed.error;
    EXPECT_EQ(mixed.record->p, Policy::quarantine);
    EXPECT_TRUE(mixed.record->ruf.empty());
    ASSERT_EQ(mixed.record->rua.size(), 1u);
    EXPECT_EQ(mixed.record->rua[0].address, "agg@example.com");
    EXPECT_EQ(mixed.record->rua[0].max_bytes, 10u << 20);
    EXPECT_EQ(mixed.record->ignored_uris.size(), 3u);

    // The policy itself still has to be right, and the tag-list still has to parse.
    EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=bogus; rua=ftp://x").record);
    EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=reject;; rua=mailto:a@b.example").record);
    // Without p=, only a usable rua makes the record p=none (RFC 7489 6.6.3).
    EXPECT_FALSE(parse_dmarc_record("v=DMARC1; rua=ftp://x").record);
    EXPECT_TRUE(parse_dmarc_record("v=DMARC1; rua=mailto:a@b.example").record);
}

TEST(DmarcRecord, EvaluationKeepsRejectDespiteABadUri) {
    namespace mt = mxpulse::testing;
    namespace auth = mxpulse::auth;
    namespace dns = mxpulse::dns;
    std::string zone = mt::zone_name("_dmarc.ruascheme.test") + " IN TXT " +
                       mt::zone_txt({"v=DMARC1; p=reject; rua=ftp://reports.example"}) + "\n" +
                       mt::zone_name("_dmarc.badruf.test") + " IN TXT " +
                       mt::zone_txt({"v=DMARC1; p=quarantine; ruf=mailto:; "
                                     "rua=mailto:agg@badruf.test"}) +
                       "\n";
    std::string err;
    auto server = mt::TestDnsServer::start(zone, {}, err);
    if (!server) GTEST_SKIP() << "NO TEST DNS SERVER: " << err;
    dns::ResolverConfig rc;
    rc.nameservers = {server->nameserver()};
    auto resolver = dns::Resolver::create(rc, err);
    ASSERT_NE(resolver, nullptr) << err;
    auto psl = auth::PublicSuffixList::load("", err);
    ASSERT_NE(psl, nullptr) << err;
    auto v = auth::dmarc_evaluate(*resolver, *psl, std::vector<std::string>{" <u@ruascheme.test>"},
                                  {"ruascheme.test", auth::Result::fail}, {});
    EXPECT_EQ(v.result, auth::Result::fail) << v.reason;
    ASSERT_TRUE(v.record) << v.reason;
    EXPECT_EQ(v.policy, auth::Policy::reject);
    auto w = auth::dmarc_evaluate(*resolver, *psl, std::vector<std::string>{" <u@badruf.test>"},
                                  {"badruf.test", auth::Result::pass}, {});
    EXPECT_EQ(w.result, auth::Result::pass) << w.reason;
    ASSERT_TRUE(w.record) << w.reason;
    EXPECT_EQ(w.policy, auth::Policy::quarantine);
    ASSERT_EQ(w.record->rua.size(), 1u);
}

}  // namespace

namespace {

TEST(AuthenticationResults, Rsa_Sha1IsADistinctFindingBesideTheVerdict) {
    mxpulse::auth::Verdict v;
    mxpulse::auth::DkimSignature s;
    s.domain = "example.org";
    s.selector = "old";
    s.algorithm = "rsa-sha1";
    s.result = mxpulse::auth::Result::pass;
    s.note = "rsa-sha1, which RFC 8301 3.1 forbids";
    v.dkim.push_back(s);
    std::string ar = mxpulse::auth::format_authentication_results("gw", v);
    EXPECT_NE(ar.find("dkim=pass (rsa-sha1, which RFC 8301 3.1 forbids) header.d=example.org"),
              std::string::npos)
        << ar;
    // What mxpulse writes, its own reader reads back.
    auto parsed = mxpulse::auth::parse_authentication_results(ar);
    EXPECT_EQ(parsed.error, "");
    ASSERT_EQ(parsed.results.size(), 1u);
    EXPECT_EQ(parsed.results[0].method, "dkim");
    EXPECT_EQ(parsed.results[0].result, "pass");
}

TEST(AuthenticationResults, ReaderFollowsRfc8601) {
    auto r = mxpulse::auth::parse_authentication_results(
        " mx.google.com;\r\n       dkim=fail (bad signature) header.i=@example.org "
        "header.s=sel header.b=\"AbC\";\r\n       spf=pass (google.com: domain of a@example.org "
        "designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.org;\r\n"
        "       dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from=example.org");
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.authserv_id, "mx.google.com");
    ASSERT_EQ(r.results.size(), 3u);
    EXPECT_EQ(r.results[0].method, "dkim");
    EXPECT_EQ(r.results[0].result, "fail");
    ASSERT_EQ(r.results[0].properties.size(), 3u);
    EXPECT_EQ(r.results[0].properties[2].second, "AbC");
    EXPECT_EQ(r.results[1].properties[0].second, "a@example.org");
    EXPECT_EQ(r.results[2].result, "fail");
    auto none = mxpulse::auth::parse_authentication_results(" example.net 1; none");
    EXPECT_EQ(none.error, "");
    EXPECT_TRUE(none.results.empty());
    auto reason = mxpulse::auth::parse_authentication_results(
        "a; dkim/1=pass reason=\"good (enough)\" header.d=x");
    EXPECT_EQ(reason.error, "");
    ASSERT_EQ(reason.results.size(), 1u);
    EXPECT_EQ(reason.results[0].reason, "good (enough)");
    for (const char* bad : {"", ";", "a; dkim", "a; dkim=", "a; dkim=pass header.d", "a (x",
                            "a; dkim=pass \"x", "a b c", "a; dkim=pass )", ")"}) {
        EXPECT_NE(mxpulse::auth::parse_authentication_results(bad).error, "") << bad;
    }
}

}  // namespace

namespace {

// check-domain warns about what this issue fixed in the verifier: a key that allows only
// rsa-sha1 (RFC 8301 3.1) and a report URI receivers ignore (RFC 7489 6.3).
TEST(CheckDomainFindings, Rsa_Sha1OnlyKeyAndIgnoredReportUri) {
    namespace mt = mxpulse::testing;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)), EVP_PKEY_free);
    ASSERT_NE(key, nullptr);
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key.get(), &der);
    ASSERT_GT(n, 0);
    std::string p = mxpulse::util::base64_encode(
        std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    std::string zone =
        mt::zone_name("selector1._domainkey.sha1.test") + " IN TXT " +
        mt::zone_txt({"v=DKIM1; k=rsa; h=sha1; p=" + p}) + "\n" +
        mt::zone_name("selector2._domainkey.sha1.test") + " IN TXT " +
        mt::zone_txt({"v=DKIM1; k=rsa; h=sha1:sha256; p=" + p}) + "\n" +
        mt::zone_name("_dmarc.sha1.test") + " IN TXT " +
        mt::zone_txt({"v=DMARC1; p=reject; rua=ftp://reports.example,mailto:d@sha1.test"}) + "\n";
    std::string err;
    auto server = mt::TestDnsServer::start(zone, {}, err);
    if (!server) GTEST_SKIP() << "NO TEST DNS SERVER: " << err;
    mxpulse::dns::ResolverConfig rc;
    rc.nameservers = {server->nameserver()};
    auto resolver = mxpulse::dns::Resolver::create(rc, err);
    ASSERT_NE(resolver, nullptr) << err;
    mxpulse::auth::AuditOptions o;
    o.domain = "sha1.test";
    auto report = mxpulse::auth::audit_domain(*resolver, o);
    int sha1 = 0, uri = 0;
    for (const auto& f : report.findings) {
        if (f.check == "dkim.rsa_sha1") {
            ++sha1;
            EXPECT_EQ(f.severity, mxpulse::auth::Severity::error);
            EXPECT_NE(f.message.find("selector1"), std::string::npos) << f.message;
        }
        if (f.check == "dmarc.uri") {
            ++uri;
            EXPECT_EQ(f.severity, mxpulse::auth::Severity::warning);
            EXPECT_NE(f.message.find("ftp://reports.example"), std::string::npos) << f.message;
        }
        if (f.check == "dmarc.policy") {
            EXPECT_EQ(f.message, "policy reject");
        }
    }
    EXPECT_EQ(sha1, 1);  // selector2 also allows sha256
    EXPECT_EQ(uri, 1);
}

}  // namespace
