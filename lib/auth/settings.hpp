// The resolver and authentication settings taken from the configuration's [dns] and [auth].
#pragma once

#include "auth/evaluate.hpp"
#include "config/config.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// Returns the resolver settings of the [dns] section.
dns::ResolverConfig resolver_settings(const config::Config& c);

// Returns the authentication settings of the [auth] section.
AuthConfig auth_settings(const config::Config& c);

}  // namespace mxpulse::auth
