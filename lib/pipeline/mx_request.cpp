// Asking for the MX of every destination domain the pipeline meets, outbound or bounce alike.
#include <algorithm>

#include "pipeline/steps.hpp"

namespace mxpulse::pipeline {

void ask_mx(const std::string& domain, const Runtime& rt, State& state, std::int64_t now,
            Outcome& out) {
    if (!state.mx || domain.empty() || rt.providers->has_mx(domain, now)) return;
    if (std::find(out.mx_requested.begin(), out.mx_requested.end(), domain) !=
        out.mx_requested.end())
        return;
    if (!state.mx->request(domain, now)) {
        state.counters.count_limit(stats::Limit::mx_queue);
        out.events.emplace_back(LimitHit{stats::Limit::mx_queue});
        return;
    }
    out.mx_requested.push_back(domain);
}

}  // namespace mxpulse::pipeline
