// DKIM key records (RFC 6376 3.6.1) normalised before libopendkim parses them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::auth {

// Wraps a bare PKCS#1 RSAPublicKey (DER) in a SubjectPublicKeyInfo; nullopt when DER is not
// one. RFC 6376 3.6.1 describes p= of k=rsa as an RSAPublicKey, while libopendkim only reads
// SubjectPublicKeyInfo, the form almost every signer publishes.
std::optional<std::string> spki_from_rsa_public_key(std::string_view der);

// Returns RECORD with a bare RSAPublicKey in p= rewritten as SubjectPublicKeyInfo, or nullopt
// when the record needs no change (no p=, an empty p=, a key already in SPKI form, bad base64).
std::optional<std::string> normalise_key_record(std::string_view record);

}  // namespace mxpulse::auth
