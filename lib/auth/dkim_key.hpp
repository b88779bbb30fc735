// DKIM key records (RFC 6376 3.6.1) normalised before libopendkim parses them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::auth {

// A public key as published in a key record's p=.
struct PublicKey {
    std::string type;       // "rsa" or "ed25519"
    unsigned bits = 0;      // the RSA modulus size; 256 for ed25519
    bool bare_rsa = false;  // a bare RSAPublicKey rather than a SubjectPublicKeyInfo
};

// Reads P (base64 DER of a SubjectPublicKeyInfo or a bare RSAPublicKey; for TYPE "ed25519" the
// raw 32-byte key of RFC 8463); nullopt when it holds no such key.
std::optional<PublicKey> read_public_key(std::string_view p, std::string_view type);

// Wraps a bare PKCS#1 RSAPublicKey (DER) in a SubjectPublicKeyInfo; nullopt when DER is not
// one. RFC 6376 3.6.1 describes p= of k=rsa as an RSAPublicKey, while libopendkim only reads
// SubjectPublicKeyInfo, the form almost every signer publishes.
std::optional<std::string> spki_from_rsa_public_key(std::string_view der);

// Returns RECORD with a bare RSAPublicKey in p= rewritten as SubjectPublicKeyInfo, or nullopt
// when the record needs no change (no p=, an empty p=, a key already in SPKI form, bad base64).
std::optional<std::string> normalise_key_record(std::string_view record);

}  // namespace mxpulse::auth
