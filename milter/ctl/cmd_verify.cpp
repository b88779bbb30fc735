// mxpulsectl verify: SPF, DKIM, DomainKeys and DMARC of whole messages, evaluated as the milter
// does through the configured resolver; needs no running daemon.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "auth/settings.hpp"
#include "auth/verify.hpp"
#include "config/loader.hpp"
#include "ctl/commands.hpp"
#include "ctl/offline_config.hpp"
#include "version.hpp"

namespace mxpulse::ctl {

void add_verify_command(CLI::App& app, Options& o, int& rc) {
    auto opts = std::make_shared<auth::VerifyCommandOptions>();
    auto egress = std::make_shared<std::vector<std::string>>();
    auto nameserver = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "verify", "Verify SPF, DKIM and DMARC of messages (FILE... or - for stdin; no daemon)");
    cmd->add_option("files", opts->files, "Message files; - reads standard input")->required();
    cmd->add_option("--egress", *egress,
                    "Address SPF is evaluated for (repeatable; default: auth.egress_addresses)");
    cmd->add_option("--helo", opts->envelope.helo, "HELO name (SPF's HELO identity)");
    cmd->add_option("--mail-from", opts->envelope.mail_from,
                    "Envelope sender (default: the message's Return-Path)");
    cmd->add_option("--resolver", *nameserver,
                    "Nameserver as HOST@PORT (default: the [dns] section of the config)");
    cmd->callback([&o, &rc, opts, egress, nameserver, cmd] {
        // The daemon's configuration supplies the resolver and the authentication settings.
        std::shared_ptr<const config::Config> loaded = offline_config(o);
        if (!loaded) {
            rc = 2;
            return;
        }
        const config::Config& c = *loaded;
        opts->json = o.json;
        opts->resolver = auth::resolver_settings(c);
        if (!nameserver->empty()) opts->resolver.nameservers = {*nameserver};
        opts->auth = auth::auth_settings(c);
        if (!egress->empty()) opts->auth.spf.egress_addresses = *egress;
        opts->envelope.mail_from_given = cmd->count("--mail-from") > 0;
        rc = auth::run_verify(*opts, std::cout, std::cerr);
    });
}

}  // namespace mxpulse::ctl
