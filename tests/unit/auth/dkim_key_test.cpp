// Unit tests of the DKIM key-record normaliser and the answer packets handed to libopendkim.
#include <arpa/nameser.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "auth/dkim_dns.hpp"
#include "auth/dkim_key.hpp"

namespace {

using mxpulse::auth::normalise_key_record;
using mxpulse::auth::spki_from_rsa_public_key;

// DER forms of one fresh RSA key: the bare RSAPublicKey and the SubjectPublicKeyInfo.
struct KeyForms {
    std::string pkcs1, spki;
};

// Generates an RSA key of BITS and returns both encodings as OpenSSL writes them.
KeyForms fresh_key(unsigned bits) {
    KeyForms k;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), EVP_PKEY_free);
    if (!key) return k;
    unsigned char* buf = nullptr;
    int n = i2d_PublicKey(key.get(), &buf);
    if (n > 0) k.pkcs1.assign(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
    OPENSSL_free(buf);
    buf = nullptr;
    n = i2d_PUBKEY(key.get(), &buf);
    if (n > 0) k.spki.assign(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
    OPENSSL_free(buf);
    return k;
}

// Base64 of BYTES.
std::string b64(const std::string& bytes) {
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

TEST(DkimKey, WrapsRsaPublicKeyExactlyAsOpenSslEncodesSpki) {
    for (unsigned bits : {1024u, 2048u, 4096u}) {
        KeyForms k = fresh_key(bits);
        ASSERT_FALSE(k.pkcs1.empty());
        ASSERT_FALSE(k.spki.empty());
        auto wrapped = spki_from_rsa_public_key(k.pkcs1);
        ASSERT_TRUE(wrapped.has_value()) << bits;
        EXPECT_EQ(*wrapped, k.spki) << bits;
        // A key already in SPKI form, or anything else, is not an RSAPublicKey.
        EXPECT_FALSE(spki_from_rsa_public_key(k.spki).has_value()) << bits;
    }
    EXPECT_FALSE(spki_from_rsa_public_key("").has_value());
    EXPECT_FALSE(spki_from_rsa_public_key(std::string("\x30\x05\x02\x01\x01", 5)).has_value());
    EXPECT_FALSE(spki_from_rsa_public_key(std::string("\x30\x84\xff\xff\xff\xff", 6)).has_value());
}

TEST(DkimKey, RecordRewrittenOnlyForABareRsaPublicKey) {
    KeyForms k = fresh_key(1024);
    ASSERT_FALSE(k.pkcs1.empty());
    std::string pkcs1 = b64(k.pkcs1), spki = b64(k.spki);
    auto fixed = normalise_key_record("v=DKIM1; k=rsa; p=" + pkcs1);
    ASSERT_TRUE(fixed.has_value());
    EXPECT_EQ(*fixed, "v=DKIM1; k=rsa; p=" + spki);
    // Tags after p= are kept; whitespace in and around the base64 (not significant) goes.
    std::string spaced = pkcs1.substr(0, 20) + " " + pkcs1.substr(20);
    fixed = normalise_key_record("k=rsa; p = " + spaced + " ; t=y");
    ASSERT_TRUE(fixed.has_value());
    EXPECT_EQ(*fixed, "k=rsa; p =" + spki + "; t=y");

    EXPECT_FALSE(normalise_key_record("v=DKIM1; k=rsa; p=" + spki).has_value());
    EXPECT_FALSE(normalise_key_record("v=DKIM1; k=rsa; p=").has_value());  // revoked
    EXPECT_FALSE(normalise_key_record("v=DKIM1; k=rsa").has_value());
    EXPECT_FALSE(normalise_key_record("v=DKIM1; p=not*base64!").has_value());
    EXPECT_FALSE(normalise_key_record("").has_value());
}

TEST(DkimKey, PublicKeysAreMeasuredExactly) {
    using mxpulse::auth::read_public_key;
    for (unsigned bits : {1024u, 2048u}) {
        KeyForms k = fresh_key(bits);
        auto spki = read_public_key(b64(k.spki), "rsa");
        ASSERT_TRUE(spki.has_value());
        EXPECT_EQ(spki->type, "rsa");
        EXPECT_EQ(spki->bits, bits);
        EXPECT_FALSE(spki->bare_rsa);
        auto bare = read_public_key(b64(k.pkcs1), "rsa");
        ASSERT_TRUE(bare.has_value());
        EXPECT_EQ(bare->bits, bits);
        EXPECT_TRUE(bare->bare_rsa);
    }
    auto ed = read_public_key(b64(std::string(32, '\x11')), "ed25519");
    ASSERT_TRUE(ed.has_value());
    EXPECT_EQ(ed->bits, 256u);
    EXPECT_FALSE(read_public_key(b64(std::string(31, '\x11')), "ed25519").has_value());
    EXPECT_FALSE(read_public_key(b64("not a key at all"), "rsa").has_value());
    EXPECT_FALSE(read_public_key("%%%", "rsa").has_value());
    EXPECT_FALSE(read_public_key("", "rsa").has_value());
}

TEST(DkimKey, AnswerPacketParsesWithTheSystemResolverLibrary) {
    std::string longtext(300, 'k');
    auto wire = mxpulse::auth::txt_answer_packet("sel._domainkey.example.org.", 3600,
                                                 {"v=DKIM1; p=abc", longtext});
    ASSERT_FALSE(wire.empty());
    ns_msg msg;
    ASSERT_EQ(ns_initparse(wire.data(), static_cast<int>(wire.size()), &msg), 0);
    EXPECT_EQ(ns_msg_getflag(msg, ns_f_rcode), ns_r_noerror);
    ASSERT_EQ(ns_msg_count(msg, ns_s_qd), 1);
    ASSERT_EQ(ns_msg_count(msg, ns_s_an), 2);
    ns_rr rr;
    ASSERT_EQ(ns_parserr(&msg, ns_s_qd, 0, &rr), 0);
    EXPECT_STREQ(ns_rr_name(rr), "sel._domainkey.example.org");
    EXPECT_EQ(ns_rr_type(rr), ns_t_txt);
    std::vector<std::string> texts;
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(ns_parserr(&msg, ns_s_an, i, &rr), 0);
        EXPECT_STREQ(ns_rr_name(rr), "sel._domainkey.example.org");
        EXPECT_EQ(ns_rr_type(rr), ns_t_txt);
        EXPECT_EQ(ns_rr_ttl(rr), 3600u);
        std::string joined;
        const unsigned char* p = ns_rr_rdata(rr);
        const unsigned char* end = p + ns_rr_rdlen(rr);
        int strings = 0;
        while (p < end) {
            unsigned len = *p++;
            ASSERT_LE(p + len, end);
            joined.append(reinterpret_cast<const char*>(p), len);
            p += len;
            ++strings;
        }
        EXPECT_EQ(strings, i == 0 ? 1 : 2);  // 300 bytes go out as 255 + 45
        texts.push_back(joined);
    }
    EXPECT_EQ(texts[0], "v=DKIM1; p=abc");
    EXPECT_EQ(texts[1], longtext);
    // Names that cannot be encoded give no packet.
    EXPECT_TRUE(mxpulse::auth::txt_answer_packet("", 1, {"x"}).empty());
    EXPECT_TRUE(mxpulse::auth::txt_answer_packet("a..b", 1, {"x"}).empty());
    EXPECT_TRUE(mxpulse::auth::txt_answer_packet(std::string(64, 'a') + ".test", 1, {"x"}).empty());
}

}  // namespace
