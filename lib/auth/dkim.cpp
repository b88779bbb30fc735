// DKIM (RFC 6376) verification with libopendkim, keys resolved through mxpulse::dns.
#include "auth/dkim.hpp"

#include <algorithm>
#include <cstring>

#include "auth/dkim_dns.hpp"
#include "auth/dkim_signature.hpp"
#include "auth/domainkeys.hpp"

#define _Bool bool
extern "C" {
#include <opendkim/dkim.h>
}
#undef _Bool

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxSignatureHeaders = 64;
constexpr const char* kRsaSha1Note =
    "rsa-sha1, which RFC 8301 3.1 forbids";  // DKIM-Signature headers read per message

// VALUE without the line end a milter may leave on it.
std::string_view trim_line_end(std::string_view value) {
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
        value.remove_suffix(1);
    return value;
}

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
    // Each DKIM-Signature header as mxpulse read it, in the order libopendkim lists them.
    std::vector<DkimSignatureHeader> sig_headers;
    std::string scratch;
    std::optional<DomainKeysSession> domainkeys;  // the historic RFC 4870 signatures
};

// Frees the libopendkim handle.
DkimSession::~DkimSession() {
    if (impl_ && impl_->dkim != nullptr) dkim_free(impl_->dkim);
}

// Adds one header.
void DkimSession::header(std::string_view name, std::string_view value) {
    Impl& im = *impl_;
    if (im.eoh_done) return;
    if (im.domainkeys) im.domainkeys->header(name, trim_line_end(value));
    if (im.broken) return;
    bool is_signature = name.size() == 14 && strncasecmp(name.data(), "DKIM-Signature", 14) == 0;
    if (is_signature) {
        im.saw_signature_header = true;
        if (im.sig_headers.size() < kMaxSignatureHeaders)
            im.sig_headers.push_back(parse_dkim_signature(trim_line_end(value)));
    }
    im.scratch.assign(name);
    im.scratch += ':';
    im.scratch.append(trim_line_end(value));
    DKIM_STAT st =
        dkim_header(im.dkim, reinterpret_cast<u_char*>(im.scratch.data()), im.scratch.size());
    // A DKIM-Signature libopendkim cannot parse is kept (as a bad signature) and the others go
    // on (RFC 6376 6.1), as libopendkim's own dkim_chunk() does with DKIM_LIBFLAGS_BADSIGHANDLES.
    if (st == DKIM_STAT_SYNTAX && is_signature) return;
    if (st != DKIM_STAT_OK) im.broken = true;
}

// Marks the end of the headers.
void DkimSession::end_of_headers() {
    Impl& im = *impl_;
    if (im.eoh_done) return;
    im.eoh_done = true;
    if (im.domainkeys) im.domainkeys->end_of_headers();
    if (im.broken) return;
    DKIM_STAT st = dkim_eoh(im.dkim);
    if (st == DKIM_STAT_NOSIG) im.nosig = true;
}

// Feeds one body chunk.
void DkimSession::body(std::string_view chunk) {
    Impl& im = *impl_;
    if (!im.eoh_done) end_of_headers();
    if (im.domainkeys && !chunk.empty()) im.domainkeys->body(chunk);
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
    if (im.dkim == nullptr || dkim_getsiglist(im.dkim, &sigs, &nsigs) != DKIM_STAT_OK) nsigs = 0;
    // libopendkim lists one entry per DKIM-Signature header, in order; when the counts agree,
    // a header mxpulse found malformed is that signature's permerror whatever libopendkim made
    // of the part it could read.
    bool by_index = static_cast<std::size_t>(nsigs) == im.sig_headers.size();
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
        const DkimSignatureHeader* own = by_index ? &im.sig_headers[i] : nullptr;
        if (own != nullptr && !own->error.empty()) {
            if (s.domain.empty()) s.domain = own->domain;
            if (s.selector.empty()) s.selector = own->selector;
            if (s.algorithm.empty() || s.algorithm == "unknown") s.algorithm = own->algorithm;
            s.result = Result::permerror;
            s.error = own->error;
        } else if (flags & DKIM_SIGFLAG_IGNORE) {
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
        if (s.algorithm == "rsa-sha1") s.note = kRsaSha1Note;
        out.push_back(std::move(s));
    }
    if (out.empty() && im.saw_signature_header) {
        // libopendkim gave no list (its handle failed): each header gets a verdict of its own.
        for (const auto& own : im.sig_headers) {
            DkimSignature s;
            s.domain = own.domain;
            s.selector = own.selector;
            s.algorithm = own.algorithm;
            s.result = Result::permerror;
            s.error =
                own.error.empty() ? "message could not be processed by the verifier" : own.error;
            out.push_back(std::move(s));
        }
    }
    if (im.domainkeys) {
        for (auto& dk : im.domainkeys->finish_all())
            out.push_back(std::move(dk));
    }
    return out;
}

// Builds a libopendkim handle wired to RESOLVER.
std::unique_ptr<DkimVerifier> DkimVerifier::create(const dns::Resolver& resolver,
                                                   const DkimConfig& config, std::string& error) {
    std::unique_ptr<DkimVerifier> v(new DkimVerifier());
    v->resolver_ = &resolver;
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
    dkim_dns_attach(lib, resolver);
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
    s->impl_->domainkeys.emplace(*resolver_, config_.min_key_bits, config_.max_signatures);
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

// Overall result of the DKIM signatures.
Result dkim_overall(const std::vector<DkimSignature>& sigs) {
    return signatures_overall(sigs, SignatureKind::dkim);
}

// Overall result: pass beats fail beats temperror beats permerror beats none.
Result signatures_overall(const std::vector<DkimSignature>& sigs,
                          std::optional<SignatureKind> kind) {
    bool fail = false, temp = false, perm = false;
    for (const auto& s : sigs) {
        if (kind && s.kind != *kind) continue;
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
