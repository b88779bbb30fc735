// SPF (RFC 7208) evaluation with libspf2, resolving through mxpulse::dns.
#include "auth/spf.hpp"

#include "auth/spf_record.hpp"
#include "auth/spf_rewrite.hpp"
#include "util/barrier.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <mutex>

extern "C" {
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_dns_rr.h>
}

namespace mxpulse::auth {

namespace {

using Clock = std::chrono::steady_clock;

// Per-evaluation state reachable from the libspf2 DNS layer.
struct LayerState {
    const dns::Resolver* resolver = nullptr;
    Clock::time_point deadline;
    int queries = 0;
    int max_queries = 0;
    int temp_failures = 0;
    int void_lookups = 0;  // NXDOMAIN or empty answers to a/mx/ptr/exists (RFC 7208 4.6.4)
    std::vector<std::string> hosts;  // names from MX and PTR answers, whose addresses are looked up
    std::string syntax_error;        // first RFC 7208 syntax error in a fetched record
};

// RFC 7208 4.6.4: more void lookups than this make the evaluation a permerror. libspf2 1.2.10
// does not count them, so the DNS layer does.
constexpr int kMaxVoidLookups = 2;

// RFC 7208 4.6.4: at most this many names of a PTR answer are checked.
constexpr int kMaxPtrNames = 10;

// Returns a domain name lower-cased and without a trailing dot.
std::string lower_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return util::to_lower(name);
}

// Builds an empty RR answer with the given h_errno-style status.
SPF_dns_rr_t* empty_rr(SPF_dns_server_t* srv, const char* domain, ns_type type, int ttl,
                       SPF_dns_stat_t herrno) {
    return SPF_dns_rr_new_init(srv, domain, type, ttl, herrno);
}

// Copies a NUL-terminated string into slot IDX of RR.
bool put_string(SPF_dns_rr_t* rr, int idx, const std::string& s) {
    if (SPF_dns_rr_buf_realloc(rr, idx, s.size() + 1) != SPF_E_SUCCESS) return false;
    std::memcpy(rr->rr[idx], s.c_str(), s.size() + 1);
    return true;
}

// The lookup of layer_lookup(), which may throw.
SPF_dns_rr_t* lookup_body(SPF_dns_server_t* srv, const char* domain, ns_type type) {
    auto* st = static_cast<LayerState*>(srv->hook);
    auto now = Clock::now();
    if (++st->queries > st->max_queries || now >= st->deadline) {
        ++st->temp_failures;
        return empty_rr(srv, domain, type, 0, TRY_AGAIN);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(st->deadline - now);
    if (left.count() <= 0) left = std::chrono::milliseconds(1);
    dns::Answer a = st->resolver->query(domain, static_cast<std::uint16_t>(type), left);
    int ttl = static_cast<int>(a.ttl);
    // Void lookups are those of the a, mx, ptr and exists terms. TXT lookups are not counted: the
    // checked domain's own record (absent: "none"), include and redirect targets (absent: a
    // permerror anyway) and exp= (RFC 7208 6.2: never a void lookup).
    // The address lookups of MX hosts and PTR names belong to their mx or ptr term, which was
    // not void: a mail domain's MX hosts without AAAA must not exhaust the limit.
    bool term_lookup =
        type == ns_t_mx || type == ns_t_ptr ||
        ((type == ns_t_a || type == ns_t_aaaa) &&
         std::find(st->hosts.begin(), st->hosts.end(), lower_name(domain)) == st->hosts.end());
    switch (a.status) {
        case dns::Status::nxdomain:
            if (term_lookup) ++st->void_lookups;
            return empty_rr(srv, domain, type, ttl, HOST_NOT_FOUND);
        case dns::Status::permerror:
            return empty_rr(srv, domain, type, ttl, HOST_NOT_FOUND);
        case dns::Status::nodata:
            if (term_lookup) ++st->void_lookups;
            return empty_rr(srv, domain, type, ttl, NO_DATA);
        case dns::Status::temperror:
            ++st->temp_failures;
            return empty_rr(srv, domain, type, 0, TRY_AGAIN);
        case dns::Status::ok:
            break;
    }
    SPF_dns_rr_t* rr = empty_rr(srv, domain, type, ttl, NETDB_SUCCESS);
    if (rr == nullptr) return nullptr;
    int n = 0;
    // Appends one record of the queried type; false on allocation failure.
    auto add_bytes = [&](const std::vector<std::uint8_t>& raw, std::size_t want) {
        if (raw.size() != want) return true;
        if (SPF_dns_rr_buf_realloc(rr, n, want) != SPF_E_SUCCESS) return false;
        std::memcpy(rr->rr[n], raw.data(), want);
        ++n;
        return true;
    };
    bool ok = true;
    switch (type) {
        case ns_t_a:
            for (const auto& raw : a.rdata)
                ok = ok && add_bytes(raw, sizeof(in_addr));
            break;
        case ns_t_aaaa:
            for (const auto& raw : a.rdata)
                ok = ok && add_bytes(raw, sizeof(in6_addr));
            break;
        case ns_t_mx: {
            // Deterministic order (preference, then name): libspf2 stops after max_dns_mx.
            auto mx = a.mx;
            std::sort(mx.begin(), mx.end(), [](const auto& x, const auto& y) {
                return x.preference != y.preference ? x.preference < y.preference : x.host < y.host;
            });
            for (const auto& m : mx) {
                ok = ok && put_string(rr, n++, m.host);
                st->hosts.push_back(lower_name(m.host));
            }
            break;
        }
        case ns_t_ptr:
            // RFC 7208 4.6.4: names beyond the first 10 MUST be ignored (libspf2 makes them a
            // permerror instead).
            for (const auto& name : a.names) {
                if (n == kMaxPtrNames) break;
                ok = ok && put_string(rr, n++, name);
                st->hosts.push_back(lower_name(name));
            }
            break;
        case ns_t_txt:
        case ns_t_spf:
            // libspf2 is lenient about syntax; RFC 7208 4.6 makes any error a permerror.
            if (std::count_if(a.texts.begin(), a.texts.end(), is_spf_record) == 1) {
                for (const auto& t : a.texts) {
                    if (!is_spf_record(t) || !st->syntax_error.empty()) continue;
                    if (auto err = spf_syntax_error(t)) st->syntax_error = *err;
                }
            }
            for (const auto& t : a.texts)
                ok = ok && put_string(rr, n++, is_spf_record(t) ? spf_record_for_libspf2(t) : t);
            break;
        default:
            break;
    }
    rr->num_rr = n;
    if (!ok) {
        SPF_dns_rr_free(rr);
        return empty_rr(srv, domain, type, 0, TRY_AGAIN);
    }
    if (n == 0) {
        rr->herrno = NO_DATA;
        if (term_lookup) ++st->void_lookups;
    }
    return rr;
}

// libspf2 DNS layer lookup: resolves through mxpulse::dns within the evaluation budget. A C entry
// point: an exception (or no memory for an answer) is a transient failure, so SPF is temperror.
SPF_dns_rr_t* layer_lookup(SPF_dns_server_t* srv, const char* domain, ns_type type, int) noexcept {
    SPF_dns_rr_t* rr = util::barrier("libspf2.dns_lookup", static_cast<SPF_dns_rr_t*>(nullptr),
                                     [&] { return lookup_body(srv, domain, type); });
    if (rr != nullptr) return rr;
    ++static_cast<LayerState*>(srv->hook)->temp_failures;
    return empty_rr(srv, domain, type, 0, TRY_AGAIN);
}

// Silences libspf2's stderr chatter once per process.
void quiet_libspf2() {
    static std::once_flag once;
    std::call_once(once, [] {
        SPF_warning_handler = nullptr;
        SPF_info_handler = nullptr;
        SPF_debug_handler = nullptr;
    });
}

// Maps a libspf2 result to ours.
Result map_result(SPF_result_t r) {
    switch (r) {
        case SPF_RESULT_PASS:
            return Result::pass;
        case SPF_RESULT_FAIL:
            return Result::fail;
        case SPF_RESULT_SOFTFAIL:
            return Result::softfail;
        case SPF_RESULT_NEUTRAL:
            return Result::neutral;
        case SPF_RESULT_NONE:
            return Result::none;
        case SPF_RESULT_TEMPERROR:
            return Result::temperror;
        case SPF_RESULT_PERMERROR:
            return Result::permerror;
        default:
            return Result::permerror;
    }
}

// Returns the domain part of an address (or the whole string without '@').
std::string domain_of(const std::string& addr) {
    auto at = addr.rfind('@');
    return at == std::string::npos ? addr : addr.substr(at + 1);
}

// RFC 7208 5: an IPv4-mapped IPv6 client address is evaluated as IPv4.
std::string unmap_address(const std::string& address) {
    in6_addr a6{};
    if (address.find(':') == std::string::npos || inet_pton(AF_INET6, address.c_str(), &a6) != 1 ||
        !IN6_IS_ADDR_V4MAPPED(&a6)) {
        return address;
    }
    char buf[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof buf) == nullptr) return address;
    return buf;
}

}  // namespace

// Evaluates SPF for one client address.
SpfCheck spf_check(const dns::Resolver& resolver, const std::string& address,
                   const std::string& sender, const std::string& helo, const SpfConfig& config) {
    quiet_libspf2();
    SpfCheck out;
    out.address = address;
    bool use_helo = sender.empty() || sender == "<>";
    out.identity = use_helo ? "helo" : "mailfrom";
    out.sender = use_helo ? "postmaster@" + helo : sender;
    out.domain = domain_of(out.sender);
    if (out.domain.empty()) {
        out.result = Result::none;
        out.reason = "no identity to check";
        return out;
    }
    LayerState state;
    state.resolver = &resolver;
    state.deadline = Clock::now() + config.budget;
    state.max_queries = config.max_dns_queries;
    SPF_dns_server_t layer{};
    layer.destroy = nullptr;  // ours, on the stack: libspf2 must not free it
    layer.lookup = layer_lookup;
    layer.name = "mxpulse";
    layer.hook = &state;
    SPF_server_t* server = SPF_server_new_dns(&layer, 0);
    if (server == nullptr) {
        out.result = Result::temperror;
        out.reason = "libspf2 server allocation failed";
        return out;
    }
    SPF_request_t* req = SPF_request_new(server);
    std::string ip = unmap_address(address);
    SPF_errcode_t ipok = ip.find(':') == std::string::npos
                             ? SPF_request_set_ipv4_str(req, ip.c_str())
                             : SPF_request_set_ipv6_str(req, ip.c_str());
    if (ipok != SPF_E_SUCCESS) {
        out.result = Result::permerror;
        out.reason = "invalid client address";
    } else {
        if (!helo.empty()) SPF_request_set_helo_dom(req, helo.c_str());
        if (SPF_request_set_env_from(req, out.sender.c_str()) != 0) {
            out.result = Result::none;
            out.reason = "invalid sender identity";
        } else {
            SPF_response_t* resp = nullptr;
            SPF_request_query_mailfrom(req, &resp);
            if (resp == nullptr) {
                out.result = Result::temperror;
                out.reason = "no response from libspf2";
            } else {
                out.result = map_result(SPF_response_result(resp));
                // libspf2 1.2.10 reports a transient DNS failure as permerror (with no error
                // code); RFC 7208 4.4 and 5.2 make it temperror.
                SPF_errcode_t ec = SPF_response_errcode(resp);
                if (state.temp_failures > 0 &&
                    (ec == SPF_E_DNS_ERROR ||
                     (out.result == Result::permerror && ec == SPF_E_SUCCESS))) {
                    out.result = Result::temperror;
                }
                const char* why = SPF_strreason(SPF_response_reason(resp));
                if (SPF_response_errcode(resp) != SPF_E_SUCCESS) {
                    why = SPF_strerror(SPF_response_errcode(resp));
                }
                out.reason = why != nullptr ? why : "";
                if (!state.syntax_error.empty() && out.result != Result::temperror) {
                    out.result = Result::permerror;
                    out.reason = "syntax: " + state.syntax_error;
                } else if (state.void_lookups > kMaxVoidLookups &&
                           out.result != Result::temperror) {
                    // Lookups happen in evaluation order, so the limit was passed before the
                    // result was reached: the evaluation should have stopped there.
                    out.result = Result::permerror;
                    out.reason = "more than " + std::to_string(kMaxVoidLookups) +
                                 " void DNS lookups (RFC 7208 4.6.4)";
                }
                SPF_response_free(resp);
            }
        }
    }
    out.dns_queries = state.queries;
    SPF_request_free(req);
    SPF_server_free(server);
    return out;
}

// Evaluates SPF against every configured egress address.
std::vector<SpfCheck> spf_evaluate(const dns::Resolver& resolver, const SpfConfig& config,
                                   const std::string& sender, const std::string& helo) {
    std::vector<SpfCheck> out;
    for (const auto& ip : config.egress_addresses) {
        out.push_back(spf_check(resolver, ip, sender, helo, config));
    }
    return out;
}

// Ranks results so that the most alarming one wins.
Result spf_worst(const std::vector<SpfCheck>& checks) {
    // Lower rank = worse.
    auto rank = [](Result r) {
        switch (r) {
            case Result::fail:
                return 0;
            case Result::permerror:
                return 1;
            case Result::temperror:
                return 2;
            case Result::softfail:
                return 3;
            case Result::neutral:
                return 4;
            case Result::none:
                return 5;
            case Result::policy:
                return 6;
            case Result::pass:
                return 7;
        }
        return 5;
    };
    if (checks.empty()) return Result::none;
    Result worst = checks.front().result;
    for (const auto& c : checks) {
        if (rank(c.result) < rank(worst)) worst = c.result;
    }
    return worst;
}

}  // namespace mxpulse::auth
