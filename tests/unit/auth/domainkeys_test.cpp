// DomainKeys (RFC 4870) unit tests: messages signed here with fresh RSA keys, keys served by a
// real unbound on loopback (the corpus messages run in tests/corpus/auth/dkim_corpus_test.cpp).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>
#include <random>

#include "auth/auth_results.hpp"
#include "auth/domainkeys.hpp"
#include "auth/evaluate.hpp"
#include "dns_server.hpp"

using mxpulse::auth::DkimSignature;
using mxpulse::auth::DomainKeysSession;
using mxpulse::auth::Result;
using mxpulse::auth::SignatureKind;

namespace {

// One header as the milter passes it: name and the raw value after the colon.
struct Hdr {
    std::string name, value;
};

// A message: headers (top first) and a CRLF body.
struct Msg {
    std::vector<Hdr> headers;
    std::string body;
};

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// Generates an RSA key of BITS bits.
Key make_key(unsigned bits) {
    return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)),
               EVP_PKEY_free);
}

// Returns BYTES in base64 without line breaks.
std::string b64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// Returns the p= value of KEY: base64 SubjectPublicKeyInfo, or the bare RSAPublicKey when BARE.
std::string public_b64(EVP_PKEY* key, bool bare = false) {
    unsigned char* der = nullptr;
    int n = bare ? i2d_PublicKey(key, &der) : i2d_PUBKEY(key, &der);
    std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    return b64(bytes);
}

// Lower-case copy of S.
std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Removes SP, HTAB, CR and LF from S.
std::string no_ws(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
    return out;
}

// The data a DomainKeys signer signs (the test's own whole-message canonicalisation): HEADERS
// (those below the signature; with H, every instance of each listed name in H's order), CRLF,
// then BODY without trailing empty lines; NOFWS drops whitespace.
std::string signed_data(const std::vector<Hdr>& headers, const std::string& body, bool nofws,
                        const std::vector<std::string>& h) {
    std::vector<std::string> order;  // every header when H is empty, else H's names in order
    for (const auto& x : h.empty() ? headers : std::vector<Hdr>{})
        order.push_back(lower(x.name));
    for (const auto& n : h)
        if (std::find(order.begin(), order.end(), lower(n)) == order.end())
            order.push_back(lower(n));
    std::string out;
    for (std::size_t i = 0; i < (h.empty() ? headers.size() : order.size()); ++i) {
        for (std::size_t j = 0; j < headers.size(); ++j) {
            const Hdr& x = headers[j];
            if (h.empty() ? j != i : lower(x.name) != order[i]) continue;
            std::string line = x.name + ":" + x.value;
            out += (nofws ? no_ws(line) : line) + "\r\n";
        }
    }
    out += "\r\n";
    std::vector<std::string> lines;
    for (std::size_t p = 0; p < body.size();) {
        std::size_t e = body.find("\r\n", p);
        if (e == std::string::npos) e = body.size();
        std::string line = body.substr(p, e - p);
        if (nofws)
            line.erase(std::remove_if(line.begin(), line.end(),
                                      [](char c) { return c == ' ' || c == '\t'; }),
                       line.end());
        lines.push_back(line);
        p = e + 2;
    }
    while (!lines.empty() && lines.back().empty())
        lines.pop_back();
    for (const auto& l : lines)
        out += l + "\r\n";
    return out;
}

// RSA-SHA1 signature of DATA with KEY, base64.
std::string rsa_sha1(EVP_PKEY* key, const std::string& data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha1(), nullptr, key) != 1) return {};
    auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return {};
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1)
        return {};
    sig.resize(len);
    return b64(sig);
}

// M with a DomainKey-Signature on top carrying TAGS, signed with KEY (nofws when TAGS say so),
// over the headers listed in H (all when empty); b= is folded to exercise whitespace removal.
Msg sign(EVP_PKEY* key, Msg m, const std::string& tags, const std::vector<std::string>& h = {}) {
    bool nofws = tags.find("c=nofws") != std::string::npos;
    std::string b = rsa_sha1(key, signed_data(m.headers, m.body, nofws, h));
    std::string value = " " + tags;
    if (!h.empty()) {
        value += "; h=";
        for (std::size_t i = 0; i < h.size(); ++i)
            value += (i ? ":" : "") + h[i];
    }
    value += ";\r\n\tb=" + b.substr(0, 40) + "\r\n\t" + b.substr(40);
    m.headers.insert(m.headers.begin(), {"DomainKey-Signature", value});
    return m;
}

// A plain message from user@dk.test.
Msg plain() {
    return {{{"From", " User <user@dk.test>"},
             {"To", " someone@example.net"},
             {"Subject", " DomainKeys\r\n test"},
             {"Date", " Mon, 23 Nov 2026 06:00:00 +0000"}},
            "Hello,\r\n  this body  is signed.\r\n\r\nBye\r\n\r\n"};
}

constexpr const char* kTags = "a=rsa-sha1; q=dns; c=simple; d=dk.test; s=sel";
constexpr const char* kNofws = "a=rsa-sha1; q=dns; c=nofws; d=dk.test; s=sel";

// Feeds M to a fresh session (body in CHUNK-byte pieces) and returns its verdict.
std::optional<DkimSignature> run(const mxpulse::dns::Resolver& r, const Msg& m, unsigned min_bits,
                                 std::size_t chunk) {
    DomainKeysSession s(r, min_bits);
    for (const auto& h : m.headers)
        s.header(h.name, h.value);
    s.end_of_headers();
    for (std::size_t p = 0; p < m.body.size(); p += chunk)
        s.body(std::string_view(m.body).substr(p, chunk));
    return s.finish();
}

// One unbound for the suite serving keys generated at start.
class DomainKeysTest : public ::testing::Test {
  protected:
    // Generates the keys and starts the server.
    static void SetUpTestSuite() {
        key_ = make_key(1024).release();
        small_ = make_key(512).release();
        if (key_ == nullptr || small_ == nullptr) {
            start_error_ = "RSA key generation failed";
            return;
        }
        std::string pub = public_b64(key_);
        auto txt = [](const std::string& name, const std::string& value) {
            return mxpulse::testing::zone_name(name) + " IN TXT " +
                   mxpulse::testing::zone_txt({value}) + "\n";
        };
        std::string zone = txt("sel._domainkey.dk.test", "k=rsa; t=y; p=" + pub) +
                           txt("small._domainkey.dk.test", "k=rsa; p=" + public_b64(small_)) +
                           txt("revoked._domainkey.dk.test", "k=rsa; p=") +
                           txt("gran._domainkey.dk.test", "g=us*r; p=" + pub) +
                           txt("dsa._domainkey.dk.test", "k=dsa; p=" + pub) +
                           txt("broken._domainkey.dk.test", "k=rsa; t; p=" + pub) +
                           txt("sel._domainkey.other.test", "p=" + pub) +
                           txt("bare._domainkey.dk.test", "k=rsa; p=" + public_b64(key_, true)) +
                           txt("_dmarc.dk.test", "v=DMARC1; p=reject");
        std::string err;
        server_ = mxpulse::testing::TestDnsServer::start(zone, {"refused.test"}, err).release();
        if (server_ == nullptr) start_error_ = err;
    }
    // Stops the server and frees the keys.
    static void TearDownTestSuite() {
        delete server_;
        EVP_PKEY_free(key_);
        EVP_PKEY_free(small_);
        server_ = nullptr;
        key_ = small_ = nullptr;
    }
    // Builds a resolver pointed at the suite's server.
    void SetUp() override {
        if (server_ == nullptr) GTEST_SKIP() << "NO TEST DNS SERVER: " << start_error_;
        mxpulse::dns::ResolverConfig rc;
        rc.nameservers = {server_->nameserver()};
        rc.timeout = std::chrono::milliseconds(1500);
        std::string err;
        resolver_ = mxpulse::dns::Resolver::create(rc, err);
        ASSERT_NE(resolver_, nullptr) << err;
    }
    // Verifies M with 1024-bit minimum keys, the body in CHUNK-byte pieces.
    std::optional<DkimSignature> verify(const Msg& m, std::size_t chunk = 1000,
                                        unsigned min_bits = 1024) {
        return run(*resolver_, m, min_bits, chunk);
    }
    // The result of verifying M, or none when there was no verdict.
    Result result(const Msg& m) {
        auto v = verify(m);
        return v ? v->result : Result::none;
    }

    inline static mxpulse::testing::TestDnsServer* server_ = nullptr;
    inline static std::string start_error_;
    inline static EVP_PKEY* key_ = nullptr;
    inline static EVP_PKEY* small_ = nullptr;
    std::unique_ptr<mxpulse::dns::Resolver> resolver_;
};

TEST_F(DomainKeysTest, SimplePasses) {
    auto v = verify(sign(key_, plain(), kTags));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::pass) << v->error;
    EXPECT_EQ(v->kind, SignatureKind::domainkeys);
    EXPECT_EQ(v->domain, "dk.test");
    EXPECT_EQ(v->selector, "sel");
    EXPECT_EQ(v->algorithm, "rsa-sha1");
    EXPECT_EQ(v->key_bits, 1024u);
    EXPECT_TRUE(v->error.empty());
}

TEST_F(DomainKeysTest, BareRsaPublicKeyIsAccepted) {
    auto v = verify(sign(key_, plain(), "a=rsa-sha1; q=dns; c=simple; d=dk.test; s=bare"));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::pass) << v->error;
    EXPECT_EQ(v->key_bits, 1024u);
}

TEST_F(DomainKeysTest, NofwsPassesDespiteWhitespaceChanges) {
    Msg m = sign(key_, plain(), kNofws);
    EXPECT_EQ(result(m), Result::pass);
    m.headers[3].value = " DomainKeys test";                       // refolded Subject
    m.body = "Hello,\r\nthis body is  signed. \t\r\n\r\nBye\r\n";  // spaces moved
    EXPECT_EQ(result(m), Result::pass) << verify(m)->error;
    Msg s = sign(key_, plain(), kTags);  // the same edits break simple
    s.headers[3].value = " DomainKeys test";
    EXPECT_EQ(result(s), Result::fail);
}

TEST_F(DomainKeysTest, AlteredBodyFails) {
    Msg m = sign(key_, plain(), kTags);
    m.body = "Hello,\r\n  this body  is forged.\r\n\r\nBye\r\n";
    auto v = verify(m);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::fail);
    EXPECT_NE(v->error.find("t=y"), std::string::npos) << v->error;  // testing key noted
}

TEST_F(DomainKeysTest, AlteredHeaderFails) {
    Msg m = sign(key_, plain(), kNofws);
    m.headers[3].value = " DomainKeys forged";
    EXPECT_EQ(result(m), Result::fail);
}

TEST_F(DomainKeysTest, TrailingEmptyLinesAndHeadersAboveAreNotSigned) {
    Msg m = sign(key_, plain(), kTags);
    m.body += "\r\n\r\n\r\n";
    m.headers.insert(m.headers.begin(), {"Received", " from relay.example by mx.example"});
    EXPECT_EQ(result(m), Result::pass);
}

TEST_F(DomainKeysTest, HListSignsOnlyListedHeaders) {
    Msg base = plain();
    base.headers.push_back({"X-Mailer", " unsigned 1.0"});
    Msg m = sign(key_, base, kTags, {"from", "Subject", "x-absent", "TO"});
    EXPECT_EQ(result(m), Result::pass);
    Msg unlisted = m;
    unlisted.headers[4].value = " 2 Mon, 23 Nov 2026";  // Date is not in h=
    unlisted.headers.push_back({"X-Added", " later"});
    EXPECT_EQ(result(unlisted), Result::pass);
    Msg listed = m;
    listed.headers[2].value = " victim@example.net";  // To is in h=
    EXPECT_EQ(result(listed), Result::fail);
    Msg moved = m;  // listed headers are signed in h= order, wherever they sit
    std::swap(moved.headers[1], moved.headers[3]);
    EXPECT_EQ(result(moved), Result::pass);
    Msg twice = sign(key_, base, kTags, {"from", "to", "to"});  // a name listed twice
    twice.headers.insert(twice.headers.begin() + 3, {"To", " second@example.net"});
    EXPECT_EQ(result(twice), Result::fail);
    EXPECT_EQ(result(sign(key_, twice, kTags, {"from", "to"})), Result::pass);
}

TEST_F(DomainKeysTest, SenderIsTheIdentity) {
    Msg base = plain();
    base.headers[0].value = " \"Someone <x@elsewhere.example>\" <someone@elsewhere.example>";
    base.headers.push_back({"Sender", " List (dk.test) <list@Lists.DK.test>"});
    EXPECT_EQ(result(sign(key_, base, kTags)), Result::pass);
    Msg unsigned_sender = sign(key_, plain(), kTags, {"from", "to", "subject"});
    unsigned_sender.headers.push_back({"Sender", " Evil <evil@elsewhere.example>"});
    EXPECT_EQ(result(unsigned_sender), Result::pass);  // only signed headers identify
    base.headers.back().value = " list@dk.test.elsewhere.example";
    auto v = verify(sign(key_, base, kTags));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::permerror);
    EXPECT_NE(v->error.find("identity"), std::string::npos) << v->error;
}

TEST_F(DomainKeysTest, IdentityOutsideSigningDomainIsPermerror) {
    Msg base = plain();
    base.headers[0].value = " User <user@notdk.test>";
    EXPECT_EQ(result(sign(key_, base, kTags)), Result::permerror);
    base.headers[0].value = " User <user@dk.test>";
    Msg other = sign(key_, base, "a=rsa-sha1; q=dns; c=simple; d=other.test; s=sel");
    EXPECT_EQ(result(other), Result::permerror);
}

TEST_F(DomainKeysTest, UnsignedFromIsPermerror) {
    auto v = verify(sign(key_, plain(), kTags, {"to", "subject", "date"}));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::permerror);
    EXPECT_NE(v->error.find("signed"), std::string::npos) << v->error;
}

TEST_F(DomainKeysTest, MissingOrUnknownQueryMethodIsPermerror) {
    auto v = verify(sign(key_, plain(), "a=rsa-sha1; c=simple; d=dk.test; s=sel"));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::permerror);
    EXPECT_NE(v->error.find("q="), std::string::npos) << v->error;
    EXPECT_EQ(result(sign(key_, plain(), "q=http; c=simple; d=dk.test; s=sel")), Result::permerror);
    EXPECT_EQ(result(sign(key_, plain(), "q=dns; c=relaxed; d=dk.test; s=sel")), Result::permerror);
    EXPECT_EQ(result(sign(key_, plain(), "a=rsa-sha256; q=dns; d=dk.test; s=sel")),
              Result::permerror);
    EXPECT_EQ(result(sign(key_, plain(), "q=dns; d=dk.test; s=sel")), Result::pass);  // defaults
}

TEST_F(DomainKeysTest, KeyProblemsArePermerror) {
    for (const char* sel : {"nokey", "revoked", "dsa", "broken"}) {
        Msg m = sign(key_, plain(), std::string("q=dns; c=simple; d=dk.test; s=") + sel);
        auto v = verify(m);
        ASSERT_TRUE(v.has_value());
        EXPECT_EQ(v->result, Result::permerror) << sel << ": " << v->error;
    }
    auto revoked = verify(sign(key_, plain(), "q=dns; d=dk.test; s=revoked"));
    EXPECT_NE(revoked->error.find("revoked"), std::string::npos) << revoked->error;
}

TEST_F(DomainKeysTest, RefusedKeyLookupIsTemperror) {
    Msg base = plain();
    base.headers[0].value = " User <user@refused.test>";
    auto v = verify(sign(key_, base, "q=dns; c=simple; d=refused.test; s=sel"));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::temperror) << v->error;
}

TEST_F(DomainKeysTest, SmallKeyIsPermerrorUnlessAllowed) {
    Msg m = sign(small_, plain(), "q=dns; c=simple; d=dk.test; s=small");
    auto v = verify(m);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::permerror);
    EXPECT_NE(v->error.find("too small"), std::string::npos) << v->error;
    EXPECT_EQ(v->key_bits, 512u);
    EXPECT_EQ(verify(m, 1000, 512)->result, Result::pass);
}

TEST_F(DomainKeysTest, GranularityMatchesLocalPart) {
    EXPECT_EQ(result(sign(key_, plain(), "q=dns; d=dk.test; s=gran")), Result::pass);
    Msg other = plain();
    other.headers[0].value = " Other <other@dk.test>";
    EXPECT_EQ(result(sign(key_, other, "q=dns; d=dk.test; s=gran")), Result::permerror);
}

TEST_F(DomainKeysTest, NoSignatureGivesNoVerdict) {
    EXPECT_FALSE(verify(plain()).has_value());
    Msg dkim = plain();
    dkim.headers.insert(dkim.headers.begin(), {"DKIM-Signature", " v=1; d=dk.test; s=sel"});
    EXPECT_FALSE(verify(dkim).has_value());
}

TEST_F(DomainKeysTest, OversizedHeaderIsPermerror) {
    Msg base = plain();
    base.headers[0].value = " User <user@dk.test>, " + std::string(70000, 'x') + "@dk.test";
    auto v = verify(sign(key_, base, kTags));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->result, Result::permerror);
    EXPECT_NE(v->error.find("too large"), std::string::npos) << v->error;
}

TEST_F(DomainKeysTest, BodySplitAnywhereGivesTheSameVerdict) {
    for (const char* tags : {kTags, kNofws}) {
        Msg m = sign(key_, plain(), tags);
        m.body += "\r\n\r\n";
        for (std::size_t cut = 0; cut <= m.body.size(); ++cut) {
            DomainKeysSession s(*resolver_, 1024);
            for (const auto& h : m.headers)
                s.header(h.name, h.value);
            s.end_of_headers();
            s.body(std::string_view(m.body).substr(0, cut));
            s.body(std::string_view(m.body).substr(cut));
            auto v = s.finish();
            ASSERT_TRUE(v.has_value());
            EXPECT_EQ(v->result, Result::pass) << tags << " cut at " << cut << ": " << v->error;
        }
    }
}

TEST_F(DomainKeysTest, TwoBytesAtATime) {
    EXPECT_EQ(verify(sign(key_, plain(), kTags), 2)->result, Result::pass);
    EXPECT_EQ(verify(sign(key_, plain(), kNofws), 2)->result, Result::pass);
    Msg m = sign(key_, plain(), kTags);
    m.body.insert(m.body.size() - 4, "x");
    EXPECT_EQ(verify(m, 2)->result, Result::fail);
}

// Through DkimSession and the evaluator: reported as domainkeys=, counted neither as DKIM nor for
// DMARC alignment (RFC 7489 knows only SPF and DKIM).
TEST_F(DomainKeysTest, ReportedApartFromDkimAndDmarc) {
    Msg m = sign(key_, plain(), kTags);
    mxpulse::auth::AuthConfig ac;
    std::string err;
    auto evaluator = mxpulse::auth::Evaluator::create(*resolver_, ac, err);
    ASSERT_NE(evaluator, nullptr) << err;
    auto session = evaluator->start_dkim();
    mxpulse::auth::Message msg;
    msg.envelope_sender = "user@dk.test";
    for (const auto& h : m.headers) {
        session->header(h.name, h.value);
        msg.headers.push_back({h.name, h.value});
    }
    session->end_of_headers();
    session->body(m.body);
    std::vector<DkimSignature> sigs = session->finish();
    ASSERT_EQ(sigs.size(), 1u);
    EXPECT_EQ(sigs[0].kind, SignatureKind::domainkeys);
    EXPECT_EQ(sigs[0].result, Result::pass) << sigs[0].error;
    EXPECT_EQ(mxpulse::auth::signatures_overall(sigs, std::nullopt), Result::pass);
    mxpulse::auth::Verdict v = evaluator->evaluate(msg, sigs);
    EXPECT_EQ(v.dkim_result, Result::none);
    EXPECT_FALSE(v.dmarc.dkim_aligned);
    EXPECT_EQ(v.dmarc.result, Result::fail);
    std::string ar = mxpulse::auth::format_authentication_results("gw", v);
    EXPECT_NE(ar.find("domainkeys=pass header.d=dk.test"), std::string::npos) << ar;
    EXPECT_EQ(ar.find("dkim="), std::string::npos) << ar;
    EXPECT_EQ(ar.find("header.s="), std::string::npos) << ar;
}

TEST_F(DomainKeysTest, EverySignatureIsTriedWhenTheFirstIsRefused) {
    // A valid signature, then one on top of it with a 512-bit key that the 1024-bit floor refuses.
    Msg m =
        sign(small_, sign(key_, plain(), kTags), "a=rsa-sha1; q=dns; c=simple; d=dk.test; s=small");
    for (std::size_t chunk : {1u, 7u, 1000u}) {
        DomainKeysSession s(*resolver_, 1024);
        for (const auto& h : m.headers)
            s.header(h.name, h.value);
        s.end_of_headers();
        for (std::size_t p = 0; p < m.body.size(); p += chunk)
            s.body(std::string_view(m.body).substr(p, chunk));
        std::vector<DkimSignature> all = s.finish_all();
        ASSERT_EQ(all.size(), 2u);
        EXPECT_EQ(all[0].selector, "small");
        EXPECT_EQ(all[0].result, Result::permerror);
        EXPECT_NE(all[0].error.find("too small"), std::string::npos) << all[0].error;
        EXPECT_EQ(all[1].selector, "sel");
        EXPECT_EQ(all[1].result, Result::pass) << all[1].error;
        EXPECT_EQ(mxpulse::auth::signatures_overall(all, SignatureKind::domainkeys), Result::pass);
    }
    // Without the floor both pass: the first signature covers the second one's header.
    DomainKeysSession s(*resolver_, 512);
    for (const auto& h : m.headers)
        s.header(h.name, h.value);
    s.end_of_headers();
    s.body(m.body);
    auto all = s.finish_all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].result, Result::pass) << all[0].error;
    EXPECT_EQ(all[1].result, Result::pass) << all[1].error;
}

TEST_F(DomainKeysTest, SignaturesOverTheCapAreNotChecked) {
    Msg m = sign(key_, plain(), kTags);
    for (int i = 0; i < 3; ++i)
        m = sign(key_, m, kTags);
    DomainKeysSession s(*resolver_, 1024, 2);
    for (const auto& h : m.headers)
        s.header(h.name, h.value);
    s.end_of_headers();
    s.body(m.body);
    auto all = s.finish_all();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].result, Result::pass) << all[0].error;
    EXPECT_EQ(all[1].result, Result::pass) << all[1].error;
    EXPECT_EQ(all[2].result, Result::policy);
    EXPECT_EQ(all[3].result, Result::policy);
}

// Hostile input: random damage to every part of a signed message (the signature's tags, the
// identity headers, the body, line ends) in random chunkings always ends in a verdict with a
// reason, never a crash; the sanitizer build runs this too. The seed is fixed, so a failure
// repeats.
TEST_F(DomainKeysTest, DamagedMessagesAlwaysGetAVerdict) {
    const Msg good = sign(key_, plain(), kNofws, {"from", "to", "subject"});
    std::mt19937 rng(20261201);
    const std::string alphabet = std::string("\r\n\t ;=:<>@\"(),*\\aZ09+/") + '\0' + "\xff\xc3";
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n)(rng);
    };
    std::map<Result, int> seen;
    for (int round = 0; round < 1500; ++round) {
        Msg m = good;
        for (int damage = 1 + static_cast<int>(pick(3)); damage > 0; --damage) {
            std::size_t where = pick(m.headers.size());
            std::string& text = where == m.headers.size() ? m.body : m.headers[where].value;
            std::size_t at = text.empty() ? 0 : pick(text.size() - 1);
            switch (pick(4)) {
                case 0:  // overwrite a byte
                    if (!text.empty()) text[at] = alphabet[pick(alphabet.size() - 1)];
                    break;
                case 1:  // insert a byte
                    text.insert(at, 1, alphabet[pick(alphabet.size() - 1)]);
                    break;
                case 2:  // cut a run
                    text.erase(at, pick(40));
                    break;
                case 3:  // repeat a run
                    text.insert(at, text.substr(at, pick(200)));
                    break;
                default:  // a header more or less
                    if (pick(1) == 0 && where < m.headers.size()) {
                        m.headers.insert(m.headers.begin() + static_cast<std::ptrdiff_t>(where),
                                         m.headers[where]);
                    } else if (where < m.headers.size() && where > 0) {
                        m.headers.erase(m.headers.begin() + static_cast<std::ptrdiff_t>(where));
                    }
            }
        }
        auto v = verify(m, 1 + pick(64));
        ASSERT_TRUE(v.has_value()) << "round " << round;
        ASSERT_TRUE(v->result == Result::pass || v->result == Result::fail ||
                    v->result == Result::permerror || v->result == Result::temperror)
            << "round " << round << ": " << mxpulse::auth::result_name(v->result);
        EXPECT_TRUE(v->result == Result::pass || !v->error.empty()) << "round " << round;
        ++seen[v->result];
    }
    // The damage reaches both the parser and the hash: each outcome class shows up.
    EXPECT_GT(seen[Result::pass], 0);
    EXPECT_GT(seen[Result::fail], 0);
    EXPECT_GT(seen[Result::permerror], 0);
}

}  // namespace
