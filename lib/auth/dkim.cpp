// DKIM (RFC 6376) verification with libopendkim, keys resolved through mxpulse::dns.
#include "auth/dkim.hpp"

#include <algorithm>
#include <cstring>

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

// Starts (and, bounded by the resolver timeout, completes) one query into BUF.
int query_start(void* service, int type, unsigned char* name, unsigned char* buf, size_t buflen,
                void** qh) {
    auto* resolver = static_cast<const dns::Resolver*>(service);
    dns::Answer a =
        resolver->query(reinterpret_cast<const char*>(name), static_cast<std::uint16_t>(type));
    auto* q = new Query();
    if (a.status == dns::Status::temperror || a.wire.empty()) {
        q->status = a.timed_out ? DKIM_DNS_EXPIRED : DKIM_DNS_ERROR;
    } else if (a.wire.size() > buflen) {
        q->status = DKIM_DNS_ERROR;
    } else {
        std::memcpy(buf, a.wire.data(), a.wire.size());
        q->length = a.wire.size();
        q->status = DKIM_DNS_SUCCESS;
        q->dnssec =
            a.bogus ? DKIM_DNSSEC_BOGUS : (a.secure ? DKIM_DNSSEC_SECURE : DKIM_DNSSEC_INSECURE);
    }
    *qh = q;
    return 0;
}

// Releases a query handle (libopendkim calls this once after every successful start).
int query_cancel(void*, void* qh) {
    delete static_cast<Query*>(qh);
    return 0;
}

// Reports the stored outcome of a query; the lookup already finished in query_start.
int query_waitreply(void*, void* qh, struct timeval*, size_t* bytes, int* error, int* dnssec) {
    auto* q = static_cast<Query*>(qh);
    if (bytes != nullptr) *bytes = q->length;
    if (error != nullptr) *error = 0;
    if (dnssec != nullptr) *dnssec = q->dnssec;
    return q->status;
}

// The service handle is the resolver, owned elsewhere: nothing to close.
void service_close(void*) {}

// Marks signatures beyond the configured cap as ignored.
DKIM_CBSTAT prescreen(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs) {
    auto* cap = static_cast<const int*>(dkim_get_user_context(dkim));
    int limit = cap != nullptr ? *cap : 5;
    for (int i = limit; i < nsigs; ++i)
        dkim_sig_ignore(sigs[i]);
    return DKIM_CBSTAT_CONTINUE;
}

// Name of a libopendkim algorithm constant.
std::string alg_name(dkim_alg_t alg) {
    switch (alg) {
        case DKIM_SIGN_RSASHA1:
            return "rsa-sha1";
        case DKIM_SIGN_RSASHA256:
            return "rsa-sha256";
        case DKIM_SIGN_ED25519SHA256:
            return "ed25519-sha256";
        default:
            return "unknown";
    }
}

// Maps a libopendkim signature error to a result.
Result error_result(int err) {
    switch (err) {
        case DKIM_SIGERROR_KEYFAIL:
            return Result::temperror;
        case DKIM_SIGERROR_BADSIG:
            return Result::fail;
        default:
            return Result::permerror;
    }
}

}  // namespace

// Per-message libopendkim state.
struct DkimSession::Impl {
    DKIM* dkim = nullptr;
    int cap = 5;
    bool nosig = false;
    bool broken = false;
    bool eoh_done = false;
    bool saw_signature_header = false;
    std::string scratch;
};

// Frees the libopendkim handle.
DkimSession::~DkimSession() {
    if (impl_ && impl_->dkim != nullptr) dkim_free(impl_->dkim);
}

// Adds one header.
void DkimSession::header(std::string_view name, std::string_view value) {
    Impl& im = *impl_;
    if (im.broken || im.eoh_done) return;
    if (name.size() == 14 && strncasecmp(name.data(), "DKIM-Signature", 14) == 0) {
        im.saw_signature_header = true;
    }
    im.scratch.assign(name);
    im.scratch += ':';
    im.scratch.append(value);
    while (!im.scratch.empty() && (im.scratch.back() == '\n' || im.scratch.back() == '\r')) {
        im.scratch.pop_back();
    }
    DKIM_STAT st =
        dkim_header(im.dkim, reinterpret_cast<u_char*>(im.scratch.data()), im.scratch.size());
    if (st != DKIM_STAT_OK) im.broken = true;
}

// Marks the end of the headers.
void DkimSession::end_of_headers() {
    Impl& im = *impl_;
    if (im.broken || im.eoh_done) return;
    im.eoh_done = true;
    DKIM_STAT st = dkim_eoh(im.dkim);
    if (st == DKIM_STAT_NOSIG) im.nosig = true;
}

// Feeds one body chunk.
void DkimSession::body(std::string_view chunk) {
    Impl& im = *impl_;
    if (!im.eoh_done) end_of_headers();
    if (im.broken || im.nosig || chunk.empty()) return;
    im.scratch.assign(chunk);
    DKIM_STAT st =
        dkim_body(im.dkim, reinterpret_cast<u_char*>(im.scratch.data()), im.scratch.size());
    if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG) im.broken = true;
}

// Finishes verification and collects per-signature verdicts.
std::vector<DkimSignature> DkimSession::finish() {
    Impl& im = *impl_;
    std::vector<DkimSignature> out;
    if (!im.eoh_done) end_of_headers();
    if (!im.broken && !im.nosig) dkim_eom(im.dkim, nullptr);
    DKIM_SIGINFO** sigs = nullptr;
    int nsigs = 0;
    if (dkim_getsiglist(im.dkim, &sigs, &nsigs) != DKIM_STAT_OK) nsigs = 0;
    for (int i = 0; i < nsigs; ++i) {
        DKIM_SIGINFO* sig = sigs[i];
        DkimSignature s;
        if (auto* d = dkim_sig_getdomain(sig)) s.domain = reinterpret_cast<const char*>(d);
        if (auto* sel = dkim_sig_getselector(sig)) s.selector = reinterpret_cast<const char*>(sel);
        dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
        if (dkim_sig_getsignalg(sig, &alg) == DKIM_STAT_OK) s.algorithm = alg_name(alg);
        unsigned int bits = 0;
        if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK) s.key_bits = bits;
        unsigned int flags = dkim_sig_getflags(sig);
        int err = dkim_sig_geterror(sig);
        if (flags & DKIM_SIGFLAG_IGNORE) {
            s.result = Result::policy;
            s.error = "not checked: signature cap";
        } else if ((flags & DKIM_SIGFLAG_PASSED) && dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH) {
            s.result = Result::pass;
        } else if (err != DKIM_SIGERROR_OK && err != DKIM_SIGERROR_UNKNOWN) {
            s.result = error_result(err);
            const char* why = dkim_sig_geterrorstr(err);
            s.error = why != nullptr ? why : "error";
        } else if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) {
            s.result = Result::fail;
            s.error = "body hash mismatch";
        } else if (!(flags & DKIM_SIGFLAG_PROCESSED)) {
            s.result = Result::permerror;
            s.error = "not processed";
        } else {
            s.result = Result::fail;
            s.error = "signature did not verify";
        }
        out.push_back(std::move(s));
    }
    if (out.empty() && im.saw_signature_header) {
        DkimSignature s;
        s.result = Result::permerror;
        s.error = "unparseable DKIM-Signature";
        out.push_back(std::move(s));
    }
    return out;
}

// Builds a libopendkim handle wired to RESOLVER.
std::unique_ptr<DkimVerifier> DkimVerifier::create(const dns::Resolver& resolver,
                                                   const DkimConfig& config, std::string& error) {
    std::unique_ptr<DkimVerifier> v(new DkimVerifier());
    v->config_ = config;
    v->config_.max_signatures = std::clamp(config.max_signatures, 1, 64);
    DKIM_LIB* lib = dkim_init(nullptr, nullptr);
    if (lib == nullptr) {
        error = "dkim_init failed";
        return nullptr;
    }
    v->lib_ = lib;
    unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_FIXCRLF;
    unsigned int minbits = config.min_key_bits;
    if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof minbits) !=
            DKIM_STAT_OK) {
        error = "dkim_options failed";
        return nullptr;
    }
    if (config.fixed_time) {
        std::uint64_t t = *config.fixed_time;
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &t, sizeof t);
    }
    dkim_dns_set_close(lib, service_close);
    dkim_dns_set_query_start(lib, query_start);
    dkim_dns_set_query_cancel(lib, query_cancel);
    dkim_dns_set_query_waitreply(lib, query_waitreply);
    dkim_dns_set_query_service(lib, const_cast<dns::Resolver*>(&resolver));
    dkim_set_prescreen(lib, prescreen);
    return v;
}

// Closes the libopendkim handle.
DkimVerifier::~DkimVerifier() {
    if (lib_ != nullptr) dkim_close(static_cast<DKIM_LIB*>(lib_));
}

// Starts verifying one message.
std::unique_ptr<DkimSession> DkimVerifier::start() const {
    std::unique_ptr<DkimSession> s(new DkimSession());
    s->impl_ = std::make_unique<DkimSession::Impl>();
    s->impl_->cap = config_.max_signatures;
    DKIM_STAT st = DKIM_STAT_OK;
    s->impl_->dkim = dkim_verify(static_cast<DKIM_LIB*>(lib_),
                                 reinterpret_cast<const unsigned char*>("mxpulse"), nullptr, &st);
    if (s->impl_->dkim == nullptr) {
        s->impl_->broken = true;
    } else {
        dkim_set_user_context(s->impl_->dkim, &s->impl_->cap);
    }
    return s;
}

// Overall result: pass beats fail beats temperror beats permerror beats none.
Result dkim_overall(const std::vector<DkimSignature>& sigs) {
    bool fail = false, temp = false, perm = false;
    for (const auto& s : sigs) {
        if (s.result == Result::pass) return Result::pass;
        fail |= s.result == Result::fail;
        temp |= s.result == Result::temperror;
        perm |= s.result == Result::permerror;
    }
    if (fail) return Result::fail;
    if (temp) return Result::temperror;
    if (perm) return Result::permerror;
    return Result::none;
}

}  // namespace mxpulse::auth
