// mxpulsectl evidence NAME: the support-ticket bundle of a destination or provider.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"
#include "evidence/format.hpp"

namespace mxpulse::ctl {

namespace {
// What the evidence subcommand was given.
struct EvidenceArgs {
    std::string name;
    std::string since = "48h";
    std::string format = "text";
};
}  // namespace

void add_evidence_command(CLI::App& app, Options& o, int& rc) {
    auto a = std::make_shared<EvidenceArgs>();
    CLI::App* cmd = app.add_subcommand(
        "evidence", "What a provider's support desk asks for, about a domain or provider");
    cmd->add_option("NAME", a->name, "Destination domain or provider")->required();
    cmd->add_option("--since", a->since, "How far back samples are taken (default 48h)");
    cmd->add_option("--format", a->format, "text, json or csv (--json means json)")
        ->check(CLI::IsMember({"text", "json", "csv"}));
    cmd->callback([&o, &rc, a] {
        nlohmann::json result;
        rc = ask(o, "evidence " + a->name + " since=" + a->since, result);
        if (rc != kExitOk) return;
        if (o.json || a->format == "json")
            std::cout << result.dump(2) << "\n";
        else if (a->format == "csv")
            std::cout << evidence::to_csv(result);
        else
            std::cout << evidence::to_text(result);
    });
}

}  // namespace mxpulse::ctl
