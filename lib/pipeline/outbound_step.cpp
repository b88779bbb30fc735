// Outbound mail: counted per recipient domain, its MX asked for, remembered for correlation.
#include <algorithm>

#include "pipeline/steps.hpp"
#include "util/strings.hpp"

namespace mxpulse::pipeline {

void take_outbound(const Intake& intake, State& state, std::int64_t now, Outcome& out) {
    const Runtime& rt = intake.runtime();
    const session::Message& m = intake.session().message();
    std::vector<std::pair<std::string, std::uint32_t>> per_domain;
    for (const std::string& r : m.recipients) {
        std::string d = util::address_domain(r);
        if (d.empty()) continue;
        auto it = std::find_if(per_domain.begin(), per_domain.end(),
                               [&](const auto& x) { return x.first == d; });
        if (it == per_domain.end())
            per_domain.emplace_back(std::move(d), 1);
        else
            ++it->second;
    }
    for (const auto& [domain, n] : per_domain) {
        std::string provider = rt.providers->lookup(domain, now);
        state.registry.record_outbound(domain, provider, n, now);
        if (state.history) state.history->record_outbound(domain, provider, n, now);
        ask_mx(domain, rt, state, now, out);
    }
    if (const session::Header* mid = m.header("Message-ID")) {
        stats::OutboundRecord rec{now, m.sender, {}};
        for (const auto& [domain, n] : per_domain) {
            if (rec.domains.size() >= stats::kMaxCorrelationDomains) break;
            rec.domains.push_back(domain);
            rec.rcpts.push_back(n);
        }
        state.correlation.remember(mid->value, std::move(rec), now);
    }
}

}  // namespace mxpulse::pipeline
