// DKIM key records (RFC 6376 3.6.1) normalised before libopendkim parses them.
#include "auth/dkim_key.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>

#include "util/base64.hpp"

namespace mxpulse::auth {

namespace {

// DER length octets of N.
std::string der_length(std::size_t n) {
    std::string out;
    if (n < 0x80) {
        out += static_cast<char>(n);
        return out;
    }
    std::string bytes;
    for (std::size_t v = n; v > 0; v >>= 8)
        bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    out += static_cast<char>(0x80 | bytes.size());
    return out + bytes;
}

// Reads a DER tag and length at POS; sets POS past them and LEN; false when malformed.
bool der_header(std::string_view der, std::size_t& pos, std::uint8_t tag, std::size_t& len) {
    if (pos + 2 > der.size() || static_cast<std::uint8_t>(der[pos]) != tag) return false;
    std::uint8_t first = static_cast<std::uint8_t>(der[pos + 1]);
    pos += 2;
    if (first < 0x80) {
        len = first;
    } else {
        std::size_t count = first & 0x7f;
        if (count == 0 || count > 4 || pos + count > der.size()) return false;
        len = 0;
        for (std::size_t i = 0; i < count; ++i)
            len = (len << 8) | static_cast<std::uint8_t>(der[pos++]);
    }
    return len <= der.size() - pos;
}

}  // namespace

// Wraps an RSAPublicKey in SEQUENCE { AlgorithmIdentifier rsaEncryption, BIT STRING }.
std::optional<std::string> spki_from_rsa_public_key(std::string_view der) {
    std::size_t pos = 0, len = 0;
    if (!der_header(der, pos, 0x30, len) || pos + len != der.size()) return std::nullopt;
    std::size_t inner = pos, ilen = 0;
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    if (!der_header(der, inner, 0x02, ilen)) return std::nullopt;
    inner += ilen;
    if (!der_header(der, inner, 0x02, ilen) || inner + ilen != der.size()) return std::nullopt;
    static const unsigned char kRsaAlgorithm[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                  0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    std::string bits = "\x03" + der_length(der.size() + 1) + std::string(1, '\0');
    bits.append(der);
    std::string body(reinterpret_cast<const char*>(kRsaAlgorithm), sizeof kRsaAlgorithm);
    body += bits;
    return "\x30" + der_length(body.size()) + body;
}

// Decodes P and asks OpenSSL what key the DER holds.
std::optional<PublicKey> read_public_key(std::string_view p, std::string_view type) {
    auto der = util::base64_decode(p);
    if (!der || der->empty()) return std::nullopt;
    PublicKey key;
    if (type == "ed25519") {
        if (der->size() != 32) return std::nullopt;
        key.type = "ed25519";
        key.bits = 256;
        return key;
    }
    if (auto spki = spki_from_rsa_public_key(*der)) {
        key.bare_rsa = true;
        *der = std::move(*spki);
    }
    const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
        d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der->size())), EVP_PKEY_free);
    if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) return std::nullopt;
    key.type = "rsa";
    key.bits = static_cast<unsigned>(EVP_PKEY_get_bits(pkey.get()));
    return key;
}

// Rewrites p= when it holds a bare RSAPublicKey.
std::optional<std::string> normalise_key_record(std::string_view record) {
    std::size_t pos = 0;
    while (pos < record.size()) {
        std::size_t end = record.find(';', pos);
        if (end == std::string_view::npos) end = record.size();
        std::string_view tag = record.substr(pos, end - pos);
        std::size_t eq = tag.find('=');
        if (eq != std::string_view::npos) {
            std::string_view name = tag.substr(0, eq);
            while (!name.empty() && (name.front() == ' ' || name.front() == '\t'))
                name.remove_prefix(1);
            while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
                name.remove_suffix(1);
            if (name == "p") {
                std::size_t vstart = pos + eq + 1;
                auto der = util::base64_decode(record.substr(vstart, end - vstart));
                if (!der) return std::nullopt;
                auto spki = spki_from_rsa_public_key(*der);
                if (!spki) return std::nullopt;
                std::string out(record.substr(0, vstart));
                out += util::base64_encode(*spki);
                out.append(record.substr(end));
                return out;
            }
        }
        pos = end + 1;
    }
    return std::nullopt;
}

}  // namespace mxpulse::auth
