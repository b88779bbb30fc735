// The libmilter adapter: callbacks copy what they need into the pipeline's Intake, call
// pipeline::process() once at end of message, and apply the Outcome through checked calls.
// On a unix socket every step before end of message is "no reply" (SMFIP_NR_*); over TCP that
// streaming stalls on Nagle and delayed ACKs (21 msg/s measured against 216), so there every
// step is answered. No exception leaves a callback: failures end in the failure action.
#include "filter.hpp"

#include <libmilter/mfapi.h>

#include <ctime>
#include <memory>
#include <string>

#include "apply.hpp"
#include "connection.hpp"
#include "listen_socket.hpp"
#include "log/logger.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/process.hpp"
#include "sock_address.hpp"

namespace mxpulse::milter {

namespace {

App* g_app = nullptr;

// The protocol steps we do not want, and those we never answer.
constexpr unsigned long kWantedNoReply = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                         SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                         SMFIP_NR_BODY;
constexpr unsigned long kSkippedSteps = SMFIP_NOUNKNOWN | SMFIP_NODATA;

// Macros requested per stage when the MTA lets us choose (Postfix and Sendmail both do).
constexpr const char* kConnectMacros = "j {daemon_name} {client_addr}";
constexpr const char* kMailMacros = "i {auth_authen} {auth_type}";

// Returns the private data of a connection, creating it on first use.
Private* priv(SMFICTX* ctx) {
    return connection(ctx, *g_app);
}

// Records an internal failure of a step; the failure action is applied at end of message.
void note_failure(Private* p, const char* stage, const char* what) noexcept {
    record_failure(*g_app, p, stage, what);
}

// Runs a step body; any exception is logged and the step still answers as negotiated.
template <typename F>
sfsistat guarded(SMFICTX* ctx, const char* stage, unsigned long nr_flag, F&& body) noexcept {
    Private* p = nullptr;
    try {
        p = priv(ctx);
        if (!p->passthrough) body(*p);
    } catch (const std::exception& e) {
        note_failure(p, stage, e.what());
    } catch (...) {
        note_failure(p, stage, "unknown exception");
    }
    return step_reply(p, nr_flag);
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long,
                      unsigned long, unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                      unsigned long* pf3) noexcept {
    try {
        Private* p = priv(ctx);
        *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_QUARANTINE |
                     SMFIF_SETSYMLIST);
        bool tcp = unix_socket_path(p->intake->runtime().config->milter_socket).empty();
        *pf1 = f1 & (tcp ? SMFIP_NOUNKNOWN : kWantedNoReply | kSkippedSteps);
        *pf2 = *pf3 = 0;
        p->no_reply = *pf1 & kWantedNoReply;
        // DKIM needs header values exactly as sent, leading space included.
        p->intake->set_leading_space(f1 & SMFIP_HDR_LEADSPC);
        *pf1 |= f1 & SMFIP_HDR_LEADSPC;
        if (p->passthrough) {
            // Keep the connect reply so that SMFIS_ACCEPT there releases the connection at once.
            p->no_reply &= ~static_cast<unsigned long>(SMFIP_NR_CONN);
            *pf1 &= ~static_cast<unsigned long>(SMFIP_NR_CONN);
        }
        if (f0 & SMFIF_SETSYMLIST) {
            smfi_setsymlist(ctx, SMFIM_CONNECT, const_cast<char*>(kConnectMacros));
            smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>(kMailMacros));
            smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("i"));
        }
        return SMFIS_CONTINUE;
    } catch (...) {
        return SMFIS_ALL_OPTS;  // let the MTA decide; nothing is lost
    }
}

sfsistat on_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* addr) noexcept {
    Private* p = nullptr;
    try {
        p = priv(ctx);
        if (p->passthrough) return SMFIS_ACCEPT;
        session::Session& s = p->intake->session();
        s.on_connect(hostname ? hostname : "", address_text(addr));
        take_macros(ctx, s, {"j", "{daemon_name}", "{client_addr}"});
        if (s.client_address().empty())
            s.on_connect(hostname ? hostname : "", s.macro("client_addr"));
    } catch (const std::exception& e) {
        note_failure(p, "connect", e.what());
    } catch (...) {
        note_failure(p, "connect", "unknown exception");
    }
    return step_reply(p, SMFIP_NR_CONN);
}

sfsistat on_helo(SMFICTX* ctx, char* helo) noexcept {
    return guarded(ctx, "helo", SMFIP_NR_HELO,
                   [&](Private& p) { p.intake->session().on_helo(helo ? helo : ""); });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) noexcept {
    return guarded(ctx, "mail", SMFIP_NR_MAIL, [&](Private& p) {
        p.intake->begin_message(g_app->runtime.get(), argv && argv[0] ? argv[0] : "");
        take_macros(ctx, p.intake->session(), {"i", "{auth_authen}", "{auth_type}"});
    });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) noexcept {
    return guarded(ctx, "rcpt", SMFIP_NR_RCPT, [&](Private& p) {
        p.intake->session().add_recipient(argv && argv[0] ? argv[0] : "");
    });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) noexcept {
    return guarded(ctx, "header", SMFIP_NR_HDR,
                   [&](Private& p) { p.intake->header(name ? name : "", value ? value : ""); });
}

sfsistat on_data(SMFICTX* ctx) noexcept {
    return guarded(ctx, "data", SMFIP_NR_DATA, [](Private&) {});
}

sfsistat on_eoh(SMFICTX* ctx) noexcept {
    return guarded(ctx, "eoh", SMFIP_NR_EOH, [](Private& p) { p.intake->end_of_headers(); });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) noexcept {
    return guarded(ctx, "body", SMFIP_NR_BODY, [&](Private& p) {
        p.intake->body(std::string_view(reinterpret_cast<const char*>(chunk), len));
    });
}

sfsistat on_eom(SMFICTX* ctx) noexcept {
    Private* p = nullptr;
    sfsistat reply = SMFIS_CONTINUE;
    const char* error = nullptr;
    try {
        p = priv(ctx);
        if (!p->passthrough) {
            take_macros(ctx, p->intake->session(), {"i"});
            pipeline::State state = g_app->state();
            pipeline::Outcome out = pipeline::process(*p->intake, state, std::time(nullptr));
            reply = apply_outcome(ctx, *g_app, p->intake->leading_space(), out);
            if (g_app->postfix_log) g_app->postfix_log->milter_saw(out, std::time(nullptr));
        }
    } catch (const std::exception& e) {
        note_failure(p, "eom", e.what());
        error = "eom";
    } catch (...) {
        note_failure(p, "eom", "unknown exception");
        error = "eom";
    }
    try {
        if (error) reply = to_sfsistat(pipeline::failure_reply(*g_app->config.get()));
        if (p) p->intake->end_message();
    } catch (...) {
        if (error) reply = SMFIS_ACCEPT;  // nothing is lost
    }
    return reply;
}

sfsistat on_abort(SMFICTX* ctx) noexcept {
    try {
        if (auto* p = static_cast<Private*>(smfi_getpriv(ctx))) p->intake->end_message();
    } catch (...) {
    }
    return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) noexcept {
    auto* p = static_cast<Private*>(smfi_getpriv(ctx));
    if (p) {
        if (p->counted) g_app->counters.close_session();
        smfi_setpriv(ctx, nullptr);
        delete p;
    }
    return SMFIS_CONTINUE;
}

}  // namespace

bool register_filter(App& app) {
    g_app = &app;
    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("mxpulse");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags =
        SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
    desc.xxfi_connect = on_connect;
    desc.xxfi_helo = on_helo;
    desc.xxfi_envfrom = on_envfrom;
    desc.xxfi_envrcpt = on_envrcpt;
    desc.xxfi_header = on_header;
    desc.xxfi_data = on_data;
    desc.xxfi_eoh = on_eoh;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_eom;
    desc.xxfi_abort = on_abort;
    desc.xxfi_close = on_close;
    desc.xxfi_negotiate = on_negotiate;
    return smfi_register(desc) == MI_SUCCESS;
}

}  // namespace mxpulse::milter
