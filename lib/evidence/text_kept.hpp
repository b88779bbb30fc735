// The text sections of a bundle built from the evidence store: the ready-to-paste summary per
// provider, every failure with its attempts, the originals' headers, auth, DNS and one whole NDR.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mxpulse::evidence {

// Returns the ready-to-paste summary of each provider in the bundle's kept NDRs.
std::string ticket_summary(nlohmann::json& b);

// Appends the kept-evidence sections of bundle b to out; nothing when b has no "kept".
void kept_text(std::string& out, nlohmann::json& b);

// Appends the outbound authentication section ("not evaluated" where nothing was checked).
void auth_text(std::string& out, nlohmann::json& b);

// Appends the DNS records of the sender domains (b["dns"], added by mxpulsectl), when present.
void dns_text(std::string& out, nlohmann::json& b);

}  // namespace mxpulse::evidence
