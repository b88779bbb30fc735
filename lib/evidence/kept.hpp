// The bundle's part built from the evidence store: every kept failure of the scope, what the
// store lacks and why, the originals' headers, the attempts, and one whole NDR.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "evidence/store.hpp"

namespace mxpulse::evidence {

// Which kept NDRs a bundle is made of.
struct Selection {
    std::string scope;              // "domain" or "provider"
    std::string name;               // the domain or provider
    std::set<std::string> domains;  // the provider's destination domains (provider scope)
    std::int64_t since = 0;         // Unix times, inclusive
    std::int64_t until = 0;
    std::string pattern;        // "" or a tag (m365-socketerror) / text in status or diagnostic
    std::string sender_domain;  // "" or the original sender's domain
    bool texts = false;         // add each NDR's text, within kMaxExportBytes
};

// Bytes of NDR text one bundle carries at most for eml and mbox export; the bundle says how many
// NDRs it left out beyond.
inline constexpr std::size_t kMaxExportBytes = 64u * 1024 * 1024;

// Returns true when a kept recipient belongs to the selection's scope and pattern.
bool selected(const Selection& s, const KeptRecipient& k);

// Returns the sender domain of a kept NDR: the original's From: domain, else its envelope sender's.
std::string sender_domain_of(const Record& r);

// Adds to bundle b (made by build()) every kept NDR of the selection, with the counts of what the
// store keeps against what was counted, and the lists recomputed from all of them: affected
// recipients, first and last failure, causes, Message-IDs, sender domains, sending addresses.
void add_kept(nlohmann::json& b, const Store& store, const Selection& s);

}  // namespace mxpulse::evidence
