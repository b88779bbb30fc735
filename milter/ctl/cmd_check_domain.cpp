// mxpulsectl check-domain: audits a sender domain's SPF, DKIM and DMARC records through the same
// resolver settings as the daemon; needs no running daemon.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "auth/check_domain.hpp"
#include "auth/settings.hpp"
#include "config/loader.hpp"
#include "ctl/commands.hpp"
#include "ctl/offline_config.hpp"
#include "version.hpp"

namespace mxpulse::ctl {

void add_check_domain_command(CLI::App& app, Options& o, int& rc) {
    auto opts = std::make_shared<auth::CheckDomainOptions>();
    CLI::App* cmd = app.add_subcommand(
        "check-domain", "Audit a domain's SPF, DKIM and DMARC records (no daemon needed)");
    cmd->add_option("domain", opts->domain, "The sender domain")->required();
    cmd->add_option("--egress", opts->egress,
                    "Egress address to test SPF with (default: auth.egress_addresses)");
    cmd->add_option("--selector", opts->selectors,
                    "DKIM selector to look for (default: selector1, selector2)");
    cmd->add_option("--expect-include", opts->expected_includes,
                    "SPF include the record should have (default: auth.expected_spf_includes)");
    cmd->callback([&o, &rc, opts] {
        // The daemon's configuration supplies the resolver, the PSL and the defaults.
        std::shared_ptr<const config::Config> loaded = offline_config(o);
        if (!loaded) {
            rc = 2;
            return;
        }
        const config::Config& c = *loaded;
        opts->json = o.json;
        opts->resolver = auth::resolver_settings(c);
        opts->psl_file = c.psl_file;
        if (opts->egress.empty()) opts->egress = c.egress_addresses;
        if (opts->expected_includes.empty()) opts->expected_includes = c.expected_spf_includes;
        rc = auth::run_check_domain(*opts, std::cout, std::cerr);
    });
}

}  // namespace mxpulse::ctl
