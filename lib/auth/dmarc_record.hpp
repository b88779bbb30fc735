// Parser for DMARC policy records (RFC 7489 6.3), lenient only where the RFC allows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::auth {

// Requested handling of failing mail.
enum class Policy { none, quarantine, reject };

// Name of a policy ("none", "quarantine", "reject").
std::string_view policy_name(Policy p);

// A report address with its optional size limit in bytes (0 = none).
struct ReportUri {
    std::string address;  // without "mailto:"
    std::uint64_t max_bytes = 0;
};

// A parsed DMARC record.
struct DmarcRecord {
    Policy p = Policy::none;
    Policy sp = Policy::none;  // defaults to p
    Policy np = Policy::none;  // defaults to sp (DMARCbis)
    bool strict_dkim = false;  // adkim=s
    bool strict_spf = false;   // aspf=s
    int pct = 100;
    std::string fo = "0";
    std::vector<ReportUri> rua;
    std::vector<ReportUri> ruf;
    bool has_p = false;
    bool has_sp = false;
    // Report URIs ignored (RFC 7489 6.3: unsupported or malformed URIs are ignored and the
    // policy stands), each with the reason: "rua: ftp://x (unsupported scheme)".
    std::vector<std::string> ignored_uris;
};

// Result of parsing: a record or an error message.
struct DmarcParse {
    std::optional<DmarcRecord> record;
    std::string error;
};

// Parses TEXT; the result has no record and an error when it is not a valid DMARC record.
DmarcParse parse_dmarc_record(std::string_view text);
// True when TEXT starts like a DMARC record (v=DMARC1 first), used to pick records from TXT.
bool looks_like_dmarc(std::string_view text);

}  // namespace mxpulse::auth
