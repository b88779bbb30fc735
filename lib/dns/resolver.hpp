// The one DNS resolver of mxpulse: bounded-time lookups over libunbound, results as values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::dns {

// Record types the project asks for (numeric values are the DNS RR types).
enum class RrType : std::uint16_t {
    a = 1,
    ns = 2,
    cname = 5,
    ptr = 12,
    mx = 15,
    txt = 16,
    aaaa = 28,
    spf = 99,
};

// Outcome class of one lookup.
enum class Status {
    ok,         // NOERROR with at least one record
    nodata,     // NOERROR, name exists, no record of the type
    nxdomain,   // the name does not exist
    temperror,  // timeout, SERVFAIL, REFUSED or another transient failure
    permerror,  // invalid query name or a malformed answer
};

struct Answer;

// Resolver configuration; immutable once the resolver is built.
struct ResolverConfig {
    std::vector<std::string> nameservers;         // "IP" or "IP@PORT"; empty = /etc/resolv.conf
    std::chrono::milliseconds timeout{2000};      // hard bound on one lookup
    std::uint32_t cache_min_ttl = 0;              // seconds
    std::uint32_t cache_max_ttl = 86400;          // seconds
    std::vector<std::string> remove_local_zones;  // extra built-in local zones to drop
    // Called (on the asking thread) when a lookup ran out of time; may be empty.
    std::function<void(std::string_view name, std::uint16_t type, std::chrono::milliseconds waited)>
        on_timeout;
    // Called (on the asking thread) with every answer, whatever its outcome; may be empty.
    std::function<void(std::string_view name, std::uint16_t type, const Answer& answer)> on_answer;
};

// One MX record.
struct MxRecord {
    std::uint16_t preference = 0;
    std::string host;  // without the trailing dot
};

// The result of one lookup, decoded by type.
struct Answer {
    Status status = Status::temperror;
    int rcode = 0;                       // DNS rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ...)
    std::uint32_t ttl = 0;               // seconds, from the answer
    bool secure = false;                 // DNSSEC validated
    bool bogus = false;                  // DNSSEC validation failed
    bool timed_out = false;              // our deadline passed
    std::string error;                   // human-readable reason when not ok
    std::vector<std::string> texts;      // TXT/SPF: character-strings joined
    std::vector<std::string> names;      // PTR, CNAME, NS targets
    std::vector<MxRecord> mx;            // MX
    std::vector<std::string> addresses;  // A/AAAA as presentation strings
    std::vector<std::vector<std::uint8_t>> rdata;  // raw rdata of every answer record
    std::vector<std::uint8_t> wire;                // the full answer packet
};

// Returns the lower-case name of a status ("ok", "nxdomain" ...).
std::string_view status_name(Status s);

// Returns what came back, finer than the status: "ok", "nodata", "nxdomain", "timeout",
// "servfail", "refused", "rcode N", "bogus" (DNSSEC), "invalid" (bad query name) or "error".
std::string outcome_name(const Answer& answer);

// True when no answer came (timeout, SERVFAIL, REFUSED, bogus, resolver error): the name may
// well hold records, so nothing may be concluded about them.
bool no_answer(const Answer& answer);

// Returns a record type's mnemonic ("MX"), or "TYPE<n>" for one the project does not name.
std::string type_name(std::uint16_t type);

class Resolver {
  public:
    // Builds a resolver; on failure returns nullptr and sets error.
    static std::unique_ptr<Resolver> create(const ResolverConfig& config, std::string& error);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Looks up NAME/TYPE, never blocking past the configured timeout (nor past LIMIT when it is
    // positive). Thread-safe.
    Answer query(std::string_view name, std::uint16_t type,
                 std::chrono::milliseconds limit = std::chrono::milliseconds(0)) const;
    // Convenience overload for the known types.
    Answer query(std::string_view name, RrType type,
                 std::chrono::milliseconds limit = std::chrono::milliseconds(0)) const {
        return query(name, static_cast<std::uint16_t>(type), limit);
    }
    // Reverse lookup of an IPv4/IPv6 address in presentation form.
    Answer query_ptr(std::string_view address) const;
    // The configuration the resolver was built with.
    const ResolverConfig& config() const { return config_; }

    struct Impl;

  private:
    explicit Resolver(ResolverConfig config);
    // query() without the on_answer notice.
    Answer lookup(std::string_view name, std::uint16_t type, std::chrono::milliseconds limit) const;
    ResolverConfig config_;
    std::unique_ptr<Impl> impl_;
};

// Builds the in-addr.arpa / ip6.arpa name of an address; empty when it is not an address.
std::string reverse_name(std::string_view address);

}  // namespace mxpulse::dns
