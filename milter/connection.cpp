// A milter connection's private data: its Intake, the steps it answers, its session slot.
#include "connection.hpp"

#include <stdexcept>

#include "log/logger.hpp"

namespace mxpulse::milter {

Private* connection(SMFICTX* ctx, App& app) {
    if (auto* p = static_cast<Private*>(smfi_getpriv(ctx))) return p;
    auto owned = std::make_unique<Private>();
    auto rt = app.runtime.get();
    owned->intake = std::make_unique<pipeline::Intake>(rt);
    if (smfi_setpriv(ctx, owned.get()) != MI_SUCCESS) throw std::runtime_error("smfi_setpriv");
    Private* p = owned.release();
    // While stopping, new connections are released at once so that the drain can finish.
    std::int64_t max = rt->config->max_sessions;
    p->counted = !app.stopping.load() && app.counters.try_open_session(max);
    p->passthrough = !p->counted;
    if (p->passthrough && !app.stopping.load())
        log::emit_message(log::events::limit_hit, "",
                          {log::Field("limit", "sessions"), log::Field("value", max)});
    return p;
}

sfsistat step_reply(const Private* p, unsigned long nr_flag) {
    return (p && (p->no_reply & nr_flag)) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

void take_macros(SMFICTX* ctx, session::Session& s, std::initializer_list<const char*> names) {
    for (const char* n : names) {
        if (const char* v = smfi_getsymval(ctx, const_cast<char*>(n))) s.set_macro(n, v);
    }
}

void record_failure(App& app, Private* p, const char* stage, const char* what) noexcept {
    try {
        app.counters.count_failure();
        std::string qid = p && p->intake ? p->intake->session().queue_id() : "";
        log::emit_message(log::events::milter_failure, qid,
                          {log::Field("stage", stage), log::Field("error", what),
                           log::Field("action", app.config.get()->failure_action)});
    } catch (...) {
        // Logging failed; the failure action still applies.
    }
    if (p && p->intake) p->intake->note_failure(what);
}

}  // namespace mxpulse::milter
