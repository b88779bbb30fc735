// libopendkim's DNS layer: its query-service hooks answered by mxpulse::dns::Resolver.
#include "auth/dkim_dns.hpp"

#include <cstring>

#include "auth/dkim_key.hpp"
#include "util/barrier.hpp"

#define _Bool bool
extern "C" {
#include <opendkim/dkim.h>
}
#undef _Bool

namespace mxpulse::auth {

namespace {

// A completed lookup waiting for libopendkim to collect it (freed by query_cancel).
struct Query {
    int status = DKIM_DNS_ERROR;
    size_t length = 0;
    int dnssec = DKIM_DNSSEC_UNKNOWN;
};

// Appends a 16-bit value in network order.
void put16(std::vector<std::uint8_t>& out, unsigned v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

// The answer packet libopendkim gets: the resolver's own, or one rebuilt around key records
// normalised by normalise_key_record().
std::vector<std::uint8_t> packet_for(std::string_view name, int type, const dns::Answer& a) {
    if (type != static_cast<int>(dns::RrType::txt)) return a.wire;
    bool changed = false;
    std::vector<std::string> texts = a.texts;
    for (auto& t : texts) {
        if (auto fixed = normalise_key_record(t)) {
            t = std::move(*fixed);
            changed = true;
        }
    }
    if (!changed) return a.wire;
    auto rebuilt = txt_answer_packet(name, a.ttl, texts);
    return rebuilt.empty() ? a.wire : rebuilt;
}

// The work of query_start(), which may throw.
int start_body(void* service, int type, unsigned char* name, unsigned char* buf, size_t buflen,
               void** qh) {
    auto* resolver = static_cast<const dns::Resolver*>(service);
    std::string_view qname(reinterpret_cast<const char*>(name));
    dns::Answer a = resolver->query(qname, static_cast<std::uint16_t>(type));
    auto* q = new Query();
    if (a.status == dns::Status::temperror || a.wire.empty()) {
        q->status = a.timed_out ? DKIM_DNS_EXPIRED : DKIM_DNS_ERROR;
    } else {
        std::vector<std::uint8_t> wire = packet_for(qname, type, a);
        if (wire.size() > buflen) {
            q->status = DKIM_DNS_ERROR;
        } else {
            std::memcpy(buf, wire.data(), wire.size());
            q->length = wire.size();
            q->status = DKIM_DNS_SUCCESS;
            q->dnssec = a.bogus ? DKIM_DNSSEC_BOGUS
                                : (a.secure ? DKIM_DNSSEC_SECURE : DKIM_DNSSEC_INSECURE);
        }
    }
    *qh = q;
    return 0;
}

// Starts (and, bounded by the resolver timeout, completes) one query into BUF. A C entry point:
// an exception fails the start, which libopendkim reports as a key retrieval failure (temperror).
int query_start(void* service, int type, unsigned char* name, unsigned char* buf, size_t buflen,
                void** qh) noexcept {
    return util::barrier("libopendkim.dns_start", DKIM_DNS_ERROR,
                         [&] { return start_body(service, type, name, buf, buflen, qh); });
}

// Releases a query handle (libopendkim calls this once after every successful start).
int query_cancel(void*, void* qh) noexcept {
    delete static_cast<Query*>(qh);
    return 0;
}

// Reports the stored outcome of a query; the lookup already finished in query_start.
int query_waitreply(void*, void* qh, struct timeval*, size_t* bytes, int* error,
                    int* dnssec) noexcept {
    auto* q = static_cast<Query*>(qh);
    if (bytes != nullptr) *bytes = q->length;
    if (error != nullptr) *error = 0;
    if (dnssec != nullptr) *dnssec = q->dnssec;
    return q->status;
}

// The service handle is the resolver, owned elsewhere: nothing to close.
void service_close(void*) noexcept {}

}  // namespace

// Installs the hooks.
void dkim_dns_attach(void* lib, const dns::Resolver& resolver) {
    auto* l = static_cast<DKIM_LIB*>(lib);
    dkim_dns_set_close(l, service_close);
    dkim_dns_set_query_start(l, query_start);
    dkim_dns_set_query_cancel(l, query_cancel);
    dkim_dns_set_query_waitreply(l, query_waitreply);
    dkim_dns_set_query_service(l, const_cast<dns::Resolver*>(&resolver));
}

// Header, question and one TXT record per text, the owner name compressed to the question.
std::vector<std::uint8_t> txt_answer_packet(std::string_view name, std::uint32_t ttl,
                                            const std::vector<std::string>& texts) {
    std::vector<std::uint8_t> out;
    put16(out, 0);       // id
    put16(out, 0x8180);  // QR, RD, RA, NOERROR
    put16(out, 1);
    put16(out, static_cast<unsigned>(texts.size()));
    put16(out, 0);
    put16(out, 0);
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::size_t encoded = 0;
    while (!name.empty()) {
        std::size_t dot = name.find('.');
        std::string_view label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) return {};
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        encoded += label.size() + 1;
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    if (encoded == 0 || encoded > 254) return {};
    out.push_back(0);
    put16(out, static_cast<unsigned>(dns::RrType::txt));
    put16(out, 1);  // IN
    for (const auto& t : texts) {
        std::vector<std::uint8_t> rdata;
        for (std::size_t p = 0; p < t.size() || (p == 0 && t.empty()); p += 255) {
            std::size_t n = std::min<std::size_t>(255, t.size() - p);
            rdata.push_back(static_cast<std::uint8_t>(n));
            rdata.insert(rdata.end(), t.begin() + static_cast<std::ptrdiff_t>(p),
                         t.begin() + static_cast<std::ptrdiff_t>(p + n));
            if (t.empty()) break;
        }
        if (rdata.size() > 0xffff) return {};
        put16(out, 0xc00c);  // pointer to the question name
        put16(out, static_cast<unsigned>(dns::RrType::txt));
        put16(out, 1);
        put16(out, ttl >> 16);
        put16(out, ttl & 0xffff);
        put16(out, static_cast<unsigned>(rdata.size()));
        out.insert(out.end(), rdata.begin(), rdata.end());
    }
    return out;
}

}  // namespace mxpulse::auth
