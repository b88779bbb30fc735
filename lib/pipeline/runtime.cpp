// Building a Runtime from a configuration: every fallible part first, nothing put in force here.
#include "pipeline/runtime.hpp"

#include "auth/settings.hpp"
#include "config/options.hpp"
#include "config/render.hpp"

namespace mxpulse::pipeline {

log::Settings log_settings(const config::Config& c) {
    log::FloodLimits flood{static_cast<std::uint32_t>(c.log_flood_burst),
                           c.log_flood_interval.count(),
                           static_cast<std::size_t>(c.log_flood_max_keys)};
    return log::Settings{c.log_sink,        c.log_format, c.log_level,
                         c.syslog_facility, c.log_file,   flood};
}

BuildResult build_runtime(std::shared_ptr<const config::Config> config, const RuntimeDeps& deps,
                          const Runtime* previous) {
    auto r = std::make_shared<Runtime>();
    r->config = std::move(config);
    const config::Config& c = *r->config;
    if (c.auth_enabled && deps.resolver) {
        std::string error;
        r->evaluator = auth::Evaluator::create(*deps.resolver, auth::auth_settings(c), error);
        if (!r->evaluator) return {nullptr, "auth: " + error};
    }
    std::shared_ptr<const auth::PublicSuffixList> list = deps.psl;
    auto registrable = [list](std::string_view host) -> std::string {
        if (!list) return std::string(host);
        return list->registrable_domain(host).value_or("");
    };
    r->providers = std::make_shared<stats::ProviderMap>(c.providers, registrable);
    if (previous && previous->providers) r->providers->adopt_learned(*previous->providers);
    r->log = log_settings(c);
    return {std::move(r), {}};
}

std::string restart_only_changes(const config::Config& a, const config::Config& b) {
    std::string out;
    for (const config::Option& o : config::options()) {
        if (!o.restart_only || config::format_value(o, a) == config::format_value(o, b)) continue;
        out += (out.empty() ? "" : ",") + config::option_name(o);
    }
    return out;
}

void RuntimeHolder::set(std::shared_ptr<const Runtime> r, std::int64_t now) {
    current_.store(std::move(r));
    loaded_at_.store(now);
}

}  // namespace mxpulse::pipeline
