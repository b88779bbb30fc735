// DomainKeys (RFC 4870) verifier: streams the canonical headers and body into SHA-1, checks RSA.
#include "auth/domainkeys.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "auth/dkim_key.hpp"
#include "util/base64.hpp"
#include "util/strings.hpp"
#include "util/tag_list.hpp"

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxKeptBytes = 64 * 1024;  // signature and identity headers kept
constexpr std::size_t kFlushBytes = 16 * 1024;    // canonical bytes buffered before hashing

enum class Canon { simple, nofws };

using Tags = std::map<std::string, std::string>;

// Frees an EVP_MD_CTX.
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
// Frees an EVP_PKEY.
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
// Frees an EVP_PKEY_CTX.
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// Reads a tag=value list (RFC 4870 3.2 has the syntax RFC 6376 3.2 later wrote down) into TAGS
// with names lower-cased; false when the list does not parse or a name repeats in another case.
bool parse_tags(std::string_view text, Tags& tags) {
    util::TagList list = util::parse_tag_list(text);
    if (!list.ok()) return false;
    for (const auto& t : list.tags) {
        std::string name = util::to_lower(t.name);
        if (tags.count(name) != 0) return false;
        tags[name] = std::string(t.value);
    }
    return true;
}

// Returns the addr-spec of the first mailbox in an address header VALUE; empty when none.
std::string first_address(std::string_view value) {
    std::string clean = util::strip_quotes_and_comments(value);
    std::string_view v = clean;
    std::size_t lt = v.find('<'), comma = v.find(',');
    if (lt != std::string_view::npos && (comma == std::string_view::npos || lt < comma)) {
        std::size_t gt = v.find('>', lt);
        if (gt == std::string_view::npos) return {};
        return util::strip_fws(v.substr(lt + 1, gt - lt - 1));
    }
    return util::strip_fws(v.substr(0, comma));
}

// True when LOCAL matches the key's granularity PATTERN, where one '*' matches any run.
bool granularity_matches(std::string_view pattern, std::string_view local) {
    std::size_t star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == local;
    std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
    return local.size() >= head.size() + tail.size() && local.substr(0, head.size()) == head &&
           local.substr(local.size() - tail.size()) == tail;
}

}  // namespace

struct DomainKeysSession::Impl {
    const dns::Resolver& resolver;
    unsigned min_key_bits;
    bool have_signature = false;  // a DomainKey-Signature header was seen
    bool headers_done = false;
    DkimSignature verdict;
    std::string problem;  // first permanent error met while streaming
    Canon canon = Canon::simple;
    bool have_h = false;
    std::vector<std::string> h_names;  // h= names, lower case, first listing only
    std::vector<std::pair<std::string, std::string>> held;  // listed headers: name, canonical
    std::string signature;                                  // decoded b=
    std::optional<std::string> sender, from;                // first signed Sender / From values
    std::size_t kept = 0;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md;
    std::string out;                             // canonical bytes not hashed yet
    std::size_t pending_crlf = 0;                // CRLFs after the last body content, held back
    bool cr_held = false;                        // the body's last byte was a CR
    bool body_content = false;                   // a non-empty body line was seen
    std::optional<DkimSignature> final_verdict;  // set by the first finish()
    bool broken = false;                         // an exception interrupted the streaming

    // Builds the state of a session.
    Impl(const dns::Resolver& r, unsigned bits) : resolver(r), min_key_bits(bits) {
        verdict.kind = SignatureKind::domainkeys;
        verdict.algorithm = "rsa-sha1";
    }

    // Records REASON as the permanent error unless one is already recorded.
    void permanent(std::string reason) {
        if (problem.empty()) problem = std::move(reason);
    }

    // Counts N more kept bytes; false (and a permanent error) past the cap.
    bool keep(std::size_t n) {
        kept += n;
        if (kept <= kMaxKeptBytes) return true;
        permanent("headers too large to verify (over 64 KiB kept)");
        return false;
    }

    // Queues canonical bytes for the hash, hashing in blocks.
    void emit(std::string_view s) {
        out.append(s);
        if (out.size() >= kFlushBytes) flush();
    }

    // Hashes the queued canonical bytes.
    void flush() {
        if (md && !out.empty() && EVP_DigestUpdate(md.get(), out.data(), out.size()) != 1)
            permanent("SHA-1 update failed");
        out.clear();
    }

    // Reads the DomainKey-Signature VALUE and starts the hash; problems become permanent errors.
    void start(std::string_view value) {
        have_signature = true;
        if (!keep(value.size())) return;
        Tags t;
        if (!parse_tags(value, t)) return permanent("signature tag syntax error");
        verdict.domain = t.count("d") ? t["d"] : "";
        verdict.selector = t.count("s") ? t["s"] : "";
        if (t.count("a")) verdict.algorithm = t["a"];
        if (t.count("a") && util::to_lower(t["a"]) != "rsa-sha1")
            return permanent("unsupported algorithm a=" + t["a"]);
        if (verdict.domain.empty()) return permanent("signature has no d= tag");
        if (verdict.selector.empty()) return permanent("signature has no s= tag");
        if (!t.count("q")) return permanent("signature has no q= tag (RFC 4870 requires q=dns)");
        if (util::to_lower(t["q"]) != "dns")
            return permanent("unsupported query method q=" + t["q"]);
        std::string c = t.count("c") ? util::to_lower(t["c"]) : "simple";
        if (c == "nofws")
            canon = Canon::nofws;
        else if (c != "simple")
            return permanent("unsupported canonicalization c=" + t["c"]);
        auto b = util::base64_decode(t.count("b") ? t["b"] : "");
        if (!b || b->empty()) return permanent("signature has no valid b= tag");
        signature = std::move(*b);
        if (t.count("h")) {
            have_h = true;
            std::string_view list = t["h"];
            while (!list.empty()) {
                std::size_t colon = list.find(':');
                std::string name = util::to_lower(util::strip_fws(list.substr(0, colon)));
                if (!name.empty() &&
                    std::find(h_names.begin(), h_names.end(), name) == h_names.end())
                    h_names.push_back(name);
                list =
                    colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
            }
        }
        md.reset(EVP_MD_CTX_new());
        if (!md || EVP_DigestInit_ex(md.get(), EVP_sha1(), nullptr) != 1) {
            md.reset();
            permanent("SHA-1 initialisation failed");
        }
    }

    // Takes one header below the signature: hashes it now when every header is signed, else
    // holds it when h= lists it; keeps the first signed Sender/From value.
    void signed_header(std::string_view name, std::string_view value) {
        std::string lname = util::to_lower(util::trim(name));
        if (have_h && std::find(h_names.begin(), h_names.end(), lname) == h_names.end()) return;
        std::optional<std::string>& slot = lname == "sender" ? sender : from;
        if ((lname == "sender" || lname == "from") && !slot && keep(value.size()))
            slot = std::string(value);
        std::string line = std::string(name) + ":" + std::string(value);
        if (canon == Canon::nofws) line = util::strip_fws(line);
        line += "\r\n";
        if (!have_h) return emit(line);
        if (keep(line.size())) held.emplace_back(std::move(lname), std::move(line));
    }

    // Hashes the held headers in h= order (every instance of a name in arrival order), then
    // the empty line ending the headers.
    void end_headers() {
        for (const auto& name : h_names)
            for (const auto& [n, line] : held)
                if (n == name) emit(line);
        held.clear();
        emit("\r\n");
    }

    // Emits one body content byte after the empty lines held before it.
    void content(char c) {
        for (; pending_crlf > 0; --pending_crlf)
            emit("\r\n");
        emit(std::string_view(&c, 1));
        body_content = true;
    }

    // Canonicalises a body chunk into the hash; trailing empty lines are held back.
    void body(std::string_view chunk) {
        for (char c : chunk) {
            if (cr_held) {
                cr_held = false;
                if (c == '\n') {
                    ++pending_crlf;
                    continue;
                }
                content('\r');
            }
            if (c == '\r')
                cr_held = true;
            else if (canon == Canon::nofws && (c == ' ' || c == '\t'))
                continue;
            else
                content(c);
        }
    }

    // Returns the verdict with RESULT and REASON.
    DkimSignature done(Result result, std::string reason) {
        verdict.result = result;
        verdict.error = std::move(reason);
        return verdict;
    }

    // Checks the identity, fetches the key and verifies the signature.
    DkimSignature verify() {
        if (broken) return done(Result::permerror, "internal error while reading the message");
        if (!problem.empty()) return done(Result::permerror, problem);
        const std::optional<std::string>& who = sender ? sender : from;
        if (!who) return done(Result::permerror, "neither Sender nor From is signed");
        std::string address = first_address(*who);
        std::size_t at = address.rfind('@');
        if (at == std::string::npos || at + 1 == address.size())
            return done(Result::permerror, "no sending address in the signed Sender/From");
        std::string local = address.substr(0, at), domain = util::to_lower(address.substr(at + 1));
        if (!util::domain_within(domain, verdict.domain))
            return done(Result::permerror,
                        "bad identity: " + domain + " not within d=" + verdict.domain);
        dns::Answer a =
            resolver.query(verdict.selector + "._domainkey." + verdict.domain, dns::RrType::txt);
        if (a.status == dns::Status::temperror)
            return done(Result::temperror, "key lookup failed: " + a.error);
        if (a.status != dns::Status::ok || a.texts.empty())
            return done(Result::permerror,
                        "no key record (" + std::string(dns::status_name(a.status)) + ")");
        if (a.texts.size() > 1) return done(Result::permerror, "more than one key record");
        Tags k;
        if (!parse_tags(a.texts.front(), k)) return done(Result::permerror, "key syntax error");
        bool testing = false;
        std::string flags = k.count("t") ? k["t"] : "";
        for (std::string_view f = flags; !f.empty();) {
            std::size_t colon = f.find(':');
            testing |= util::trim(f.substr(0, colon)) == "y";
            f = colon == std::string_view::npos ? std::string_view() : f.substr(colon + 1);
        }
        std::string note = testing ? " (key in testing mode, t=y)" : "";
        if (k.count("k") && util::to_lower(k["k"]) != "rsa")
            return done(Result::permerror, "unsupported key type k=" + k["k"] + note);
        std::string p = k.count("p") ? util::strip_fws(k["p"]) : "";
        if (p.empty()) return done(Result::permerror, "key revoked (empty p=)" + note);
        auto der = util::base64_decode(p);
        if (!der) return done(Result::permerror, "key p= is not base64" + note);
        if (auto spki = spki_from_rsa_public_key(*der)) *der = std::move(*spki);  // bare form
        const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
        std::unique_ptr<EVP_PKEY, PkeyFree> key(
            d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der->size())));
        if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
            return done(Result::permerror, "key p= is not an RSA public key" + note);
        verdict.key_bits = static_cast<unsigned>(EVP_PKEY_get_bits(key.get()));
        if (verdict.key_bits < min_key_bits)
            return done(Result::permerror,
                        "key too small (" + std::to_string(verdict.key_bits) + " bits)" + note);
        std::string g = k.count("g") ? k["g"] : "";
        if (!g.empty() && !granularity_matches(g, local))
            return done(Result::permerror, "key granularity g=" + g + " does not match" + note);
        flush();
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_len = 0;
        if (!problem.empty() || EVP_DigestFinal_ex(md.get(), digest, &digest_len) != 1)
            return done(Result::permerror, problem.empty() ? "SHA-1 failed" : problem);
        std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
        if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha1()) != 1)
            return done(Result::permerror, "RSA verification setup failed");
        const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
        if (EVP_PKEY_verify(ctx.get(), sig, signature.size(), digest, digest_len) == 1)
            return done(Result::pass, "");
        return done(Result::fail, "signature did not verify" + note);
    }
};

// Remembers where keys come from; the state is built only when a signature shows up.
DomainKeysSession::DomainKeysSession(const dns::Resolver& resolver, unsigned min_key_bits,
                                     int max_signatures)
    : resolver_(resolver),
      min_key_bits_(min_key_bits),
      max_signatures_(static_cast<std::size_t>(std::max(1, max_signatures))) {}

// Frees the hashes and the held headers.
DomainKeysSession::~DomainKeysSession() = default;

// Each DomainKey-Signature starts a verification of its own; every header below a signature
// (later ones included) goes to that signature's signed data. The identity must be signed, so
// nothing above a signature is needed for it.
void DomainKeysSession::header(std::string_view name, std::string_view value) {
    if (headers_done_) return;
    for (auto& impl : impls_) {
        try {
            impl->signed_header(name, value);
        } catch (...) {
            impl->broken = true;
        }
    }
    if (!util::iequals(util::trim(name), "DomainKey-Signature")) return;
    if (impls_.size() >= max_signatures_) {
        ++skipped_;
        return;
    }
    try {
        impls_.push_back(std::make_unique<Impl>(resolver_, min_key_bits_));
    } catch (...) {
        return;  // out of memory: this signature gets no verdict
    }
    try {
        impls_.back()->start(value);
    } catch (...) {
        impls_.back()->broken = true;
    }
}

// Hashes the held headers and the empty line after the headers.
void DomainKeysSession::end_of_headers() {
    if (headers_done_) return;
    headers_done_ = true;
    for (auto& impl : impls_) {
        if (impl->headers_done) continue;
        impl->headers_done = true;
        try {
            impl->end_headers();
        } catch (...) {
            impl->broken = true;
        }
    }
}

// Hashes one canonicalised body chunk into every signature's hash.
void DomainKeysSession::body(std::string_view chunk) {
    if (impls_.empty()) return;
    if (!headers_done_) end_of_headers();
    for (auto& impl : impls_) {
        try {
            impl->body(chunk);
        } catch (...) {
            impl->broken = true;
        }
    }
}

// Flushes the held body ends and verifies each signature in turn.
std::vector<DkimSignature> DomainKeysSession::finish_all() {
    if (final_) return *final_;
    std::vector<DkimSignature> out;
    try {
        end_of_headers();
        for (auto& impl : impls_) {
            try {
                if (impl->cr_held) {
                    impl->cr_held = false;
                    impl->content('\r');
                }
                if (impl->body_content && impl->pending_crlf > 0) impl->emit("\r\n");
                impl->pending_crlf = 0;
                out.push_back(impl->verify());
            } catch (...) {
                out.push_back(impl->done(Result::permerror, "internal error while verifying"));
            }
        }
        for (std::size_t i = 0; i < skipped_; ++i) {
            DkimSignature s;
            s.kind = SignatureKind::domainkeys;
            s.result = Result::policy;
            s.error = "not checked: signature cap";
            out.push_back(std::move(s));
        }
        final_ = out;
    } catch (...) {
        // Out of memory even for the verdicts: what was gathered is returned.
    }
    return out;
}

// The topmost signature's verdict.
std::optional<DkimSignature> DomainKeysSession::finish() {
    std::vector<DkimSignature> all = finish_all();
    if (all.empty()) return std::nullopt;
    return all.front();
}

}  // namespace mxpulse::auth
