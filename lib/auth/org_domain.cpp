// Organisational domains (RFC 7489 3.2) from the Public Suffix List via libpsl.
#include "auth/org_domain.hpp"
#include "util/strings.hpp"

#include <libpsl.h>

#include <cstdlib>

namespace mxpulse::auth {

// Lower-cases ASCII and strips surrounding dots.
std::string normalize_domain(std::string_view domain) {
    while (!domain.empty() && domain.front() == '.')
        domain.remove_prefix(1);
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    return util::to_lower(domain);
}

// Loads the list from a file or the system default.
std::unique_ptr<PublicSuffixList> PublicSuffixList::load(const std::string& path,
                                                         std::string& error) {
    std::unique_ptr<PublicSuffixList> p(new PublicSuffixList());
    psl_ctx_t* ctx = nullptr;
    if (path.empty()) {
        ctx = psl_latest(nullptr);
        p->owned_ = true;
        if (ctx == nullptr) {
            ctx = const_cast<psl_ctx_t*>(psl_builtin());
            p->owned_ = false;
        }
    } else {
        ctx = psl_load_file(path.c_str());
        p->owned_ = true;
    }
    if (ctx == nullptr) {
        error = path.empty() ? "no system Public Suffix List" : "cannot load PSL file " + path;
        return nullptr;
    }
    p->psl_ = ctx;
    return p;
}

// Frees the list when we loaded it.
PublicSuffixList::~PublicSuffixList() {
    if (owned_ && psl_ != nullptr) psl_free(static_cast<psl_ctx_t*>(psl_));
}

// The registrable domain or nullopt.
std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
    if (domain.empty() || domain.front() == '.' || domain.size() > 253) return std::nullopt;
    std::string in(domain);
    char* lower = nullptr;
    if (psl_str_to_utf8lower(in.c_str(), "utf-8", nullptr, &lower) != PSL_SUCCESS ||
        lower == nullptr) {
        return std::nullopt;
    }
    const char* reg = psl_registrable_domain(static_cast<const psl_ctx_t*>(psl_), lower);
    std::optional<std::string> out;
    if (reg != nullptr) out = std::string(reg);
    psl_free_string(lower);
    return out;
}

// The organisational domain, falling back to the name itself.
std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
    std::string d = normalize_domain(domain);
    auto reg = registrable_domain(d);
    return reg ? *reg : d;
}

}  // namespace mxpulse::auth
