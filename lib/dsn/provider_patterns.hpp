// Provider throttling and block codes in a reply (Yahoo [TSS04], Gmail 4.7.28, Microsoft S3150).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// Returns the pattern names of the providers' throttling and block codes a reply carries, each
// naming the provider, the code and, where the reply says it, the entity throttled:
// yahoo-tss04, yahoo-tss05, yahoo-ts01..03, yahoo-ipts04, yahoo-bl21, yahoo-ph01;
// gmail-4.7.28-ip, -netblock, -dkim-domain, -spf-domain, -url-domain (gmail-4.7.28 when it
// names none), gmail-4.7.26, -4.7.27, -4.7.29, -4.7.30, -4.7.32, -4.7.40 (Gmail's codes are
// read only where the reply or the remote MTA is Google's);
// microsoft-s3150, microsoft-s3140, microsoft-4.7.650, microsoft-5.7.515.
std::vector<std::string> provider_patterns(std::string_view diagnostic,
                                           std::string_view remote_mta = {});

// Appends the provider patterns of r's diagnostic to r.patterns (each once).
void add_provider_patterns(Recipient& r);

}  // namespace mxpulse::dsn
