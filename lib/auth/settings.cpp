// The resolver and authentication settings taken from the configuration's [dns] and [auth].
#include "auth/settings.hpp"

namespace mxpulse::auth {

dns::ResolverConfig resolver_settings(const config::Config& c) {
    dns::ResolverConfig r;
    r.nameservers = c.dns_nameservers;
    r.timeout = c.dns_timeout;
    r.cache_min_ttl = static_cast<std::uint32_t>(c.dns_cache_min_ttl.count() / 1000);
    r.cache_max_ttl = static_cast<std::uint32_t>(c.dns_cache_max_ttl.count() / 1000);
    return r;
}

AuthConfig auth_settings(const config::Config& c) {
    AuthConfig a;
    a.spf.egress_addresses = c.egress_addresses;
    a.spf.budget = c.spf_budget;
    a.dkim.max_signatures = static_cast<int>(c.dkim_max_signatures);
    a.dkim.min_key_bits = static_cast<unsigned>(c.dkim_min_key_bits);
    a.psl_file = c.psl_file;
    a.authserv_id = c.authserv_id;
    return a;
}

}  // namespace mxpulse::auth
