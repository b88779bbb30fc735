// mxpulsectl evidence NAME: the support-ticket bundle of a destination or provider, as text, JSON,
// CSV, an mbox or a directory of .eml files, with the sender domains' DNS records looked up here.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "auth/audit.hpp"
#include "auth/check_domain.hpp"
#include "auth/settings.hpp"
#include "ctl/commands.hpp"
#include "ctl/offline_config.hpp"
#include "evidence/export.hpp"
#include "evidence/format.hpp"

namespace mxpulse::ctl {

namespace {

// Sender domains whose DNS records a bundle looks up at most (each lookup is bounded in time).
constexpr std::size_t kMaxDnsDomains = 5;
// Bound on one DNS lookup made for the bundle.
constexpr std::chrono::milliseconds kDnsTimeout{2000};

// What the evidence subcommand was given.
struct EvidenceArgs {
    std::string name;
    std::string provider;
    std::string since = "48h";
    std::string until;
    std::string pattern;
    std::string sender_domain;
    std::string format = "text";
    std::string output;
    bool no_dns = false;
};

// Returns the request line for the daemon.
std::string request_line(const EvidenceArgs& a) {
    std::string line =
        "evidence " + (a.provider.empty() ? a.name : a.provider) + " since=" + a.since;
    if (!a.provider.empty()) line += " scope=provider";
    if (!a.until.empty()) line += " until=" + a.until;
    if (!a.pattern.empty()) line += " pattern=" + a.pattern;
    if (!a.sender_domain.empty()) line += " sender_domain=" + a.sender_domain;
    if (a.format == "eml" || a.format == "mbox") line += " texts=1";
    return line;
}

// Adds b["dns"]: the SPF, DKIM and DMARC records of each sender domain of the failures, looked up
// through the daemon's resolver settings with a bounded timeout; says when DNS did not answer.
void add_dns(nlohmann::json& b, const Options& o) {
    std::shared_ptr<const config::Config> c = offline_config(o);
    nlohmann::json dns = nlohmann::json::object();
    std::size_t n = 0;
    for (const auto& d : b.value("sender_domains", nlohmann::json::array())) {
        std::string domain = d.get<std::string>();
        if (++n > kMaxDnsDomains) {
            dns[domain] = {{"error", "not looked up: more than " + std::to_string(kMaxDnsDomains) +
                                         " sender domains"}};
            continue;
        }
        if (!c) {
            dns[domain] = {{"error", "the configuration could not be read"}};
            continue;
        }
        dns::ResolverConfig rc = auth::resolver_settings(*c);
        rc.timeout = std::min(rc.timeout, kDnsTimeout);
        std::string why;
        auto resolver = dns::Resolver::create(rc, why);
        if (!resolver) {
            dns[domain] = {{"error", "resolver: " + why}};
            continue;
        }
        auth::AuditOptions ao;
        ao.domain = domain;
        ao.psl_file = c->psl_file;
        dns[domain] =
            nlohmann::json::parse(auth::audit_report_json(auth::audit_domain(*resolver, ao)));
    }
    b["dns"] = dns;
}

// Writes the bundle in the chosen form; returns the exit code.
int print(nlohmann::json& b, const EvidenceArgs& a, const Options& o) {
    if (a.format == "eml") {
        std::string error;
        long n = evidence::write_eml_dir(b, a.output.empty() ? "." : a.output, error);
        if (n < 0) {
            std::cerr << "mxpulsectl: evidence: " << error << "\n";
            return kExitFailed;
        }
        std::cerr << n << " NDR(s) written to " << (a.output.empty() ? "." : a.output) << "; "
                  << b["kept"].value("texts_left_out", 0) << " left out\n";
        return kExitOk;
    }
    std::string out;
    if (a.format == "mbox") {
        out = evidence::to_mbox(b);
    } else if (a.format == "csv") {
        out = evidence::to_csv(b);
    } else {
        if (!a.no_dns) add_dns(b, o);
        out = o.json || a.format == "json"
                  ? b.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
                  : evidence::to_text(b);
    }
    if (a.output.empty()) {
        std::cout << out;
        return kExitOk;
    }
    std::ofstream f(a.output, std::ios::binary | std::ios::trunc);
    f << out;
    if (!f) {
        std::cerr << "mxpulsectl: evidence: cannot write " << a.output << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

}  // namespace

void add_evidence_command(CLI::App& app, Options& o, int& rc) {
    auto a = std::make_shared<EvidenceArgs>();
    CLI::App* cmd = app.add_subcommand(
        "evidence", "What a provider's support desk asks for, about a domain or provider");
    cmd->add_option("NAME", a->name, "Destination domain or provider");
    cmd->add_option("--provider", a->provider, "A provider (instead of NAME)");
    cmd->add_option("--since", a->since, "Start of the window, a duration ago (default 48h)");
    cmd->add_option("--until", a->until, "End of the window, a duration ago (default now)");
    cmd->add_option("--pattern", a->pattern, "Only failures with this tag or text, e.g. 4.4.2");
    cmd->add_option("--sender-domain", a->sender_domain, "Only failures of this sender domain");
    cmd->add_option("--format", a->format, "text, json, csv, eml (a directory) or mbox")
        ->check(CLI::IsMember({"text", "json", "csv", "eml", "mbox"}));
    cmd->add_option("--output", a->output, "File (mbox, text, json, csv) or directory (eml)");
    cmd->add_flag("--no-dns", a->no_dns, "Do not look up the sender domains' DNS records");
    cmd->callback([&o, &rc, a] {
        if (a->name.empty() == a->provider.empty()) {
            std::cerr << "mxpulsectl: evidence: give NAME or --provider NAME\n";
            rc = kExitUsage;
            return;
        }
        nlohmann::json result;
        rc = ask(o, request_line(*a), result);
        if (rc == kExitOk) rc = print(result, *a, o);
    });
}

}  // namespace mxpulse::ctl
