// The libmilter adapter: callbacks copy what they need into a Session and decide at end of message.
//
// Only the protocol steps mxpulse needs are negotiated. On a unix socket every step before end
// of message is "no reply" (SMFIP_NR_*), so the MTA streams a message without waiting. On TCP
// that same streaming stalls: the MTA's second small write waits (Nagle) for the ACK of the
// first, which the milter's kernel delays by ~40 ms because no reply carries it. Postfix also
// sends a skipped step's macros (DATA's {i}) as a lone packet. Measured: 21 msg/s on one session
// with NR and skipped steps over TCP against 216 on a unix socket. So over TCP every step, DATA
// included, is sent and answered, and each answer carries the ACK.
// No exception leaves a callback: failures are logged, counted, and end in the configured
// failure action at end of message.
#include "filter.hpp"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <string>

#include "auth/dkim.hpp"
#include "dsn/parse.hpp"
#include "listen_socket.hpp"
#include "log/logger.hpp"
#include "log/scope.hpp"
#include "outbound_auth.hpp"
#include "session/direction.hpp"
#include "session/session.hpp"
#include "tagging/tagging.hpp"
#include "util/strings.hpp"

namespace mxpulse::milter {

namespace {

App* g_app = nullptr;

// The per-connection private data libmilter keeps for us.
struct Private {
    std::unique_ptr<session::Session> session;
    unsigned long no_reply = 0;  // SMFIP_NR_* steps the MTA agreed not to wait for
    bool counted = false;        // holds a slot of milter.max_sessions
    bool passthrough = false;    // over max_sessions: not analysed
    std::string failure;         // first internal error of the current message, if any
    bool leadspc = false;     // header values arrive with their leading space (SMFIP_HDR_LEADSPC)
    bool check_auth = false;  // the message may be outbound: verify DKIM as it streams
    std::unique_ptr<auth::DkimSession> dkim;
};

// The protocol steps we do not want, and those we never answer.
constexpr unsigned long kWantedNoReply = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                         SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                         SMFIP_NR_BODY;
constexpr unsigned long kSkippedSteps = SMFIP_NOUNKNOWN | SMFIP_NODATA;

// Macros requested per stage when the MTA lets us choose (Postfix and Sendmail both do).
constexpr const char* kConnectMacros = "j {daemon_name} {client_addr}";
constexpr const char* kMailMacros = "i {auth_authen} {auth_type}";
constexpr const char* kEomMacros = "i";

// Returns the private data, creating it (and claiming a session slot) on first use.
Private* priv(SMFICTX* ctx) {
    auto* p = static_cast<Private*>(smfi_getpriv(ctx));
    if (p) return p;
    p = new Private;
    auto cfg = g_app->config.get();
    // While stopping, new connections are released at once so that the drain can finish.
    p->counted = !g_app->stopping.load() && g_app->counters.try_open_session(cfg->max_sessions);
    p->passthrough = !p->counted;
    if (p->passthrough && !g_app->stopping.load()) {
        log::emit_message(
            log::events::limit_hit, "",
            {log::Field("limit", "sessions"), log::Field("value", cfg->max_sessions)});
    }
    p->session = std::make_unique<session::Session>(std::move(cfg));
    smfi_setpriv(ctx, p);
    return p;
}

// Returns what a step answers: no reply when negotiated away, else continue.
sfsistat step_reply(const Private* p, unsigned long nr_flag) {
    return (p && (p->no_reply & nr_flag)) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

// Copies the named macros the MTA sent into the session.
void take_macros(SMFICTX* ctx, session::Session& s, std::initializer_list<const char*> names) {
    for (const char* n : names) {
        if (const char* v = smfi_getsymval(ctx, const_cast<char*>(n))) s.set_macro(n, v);
    }
}

// Returns the reply for the configured failure action.
sfsistat failure_reply() {
    auto cfg = g_app->config.get();
    if (cfg->failure_action == "tempfail") return SMFIS_TEMPFAIL;
    if (cfg->failure_action == "reject") return SMFIS_REJECT;
    return SMFIS_ACCEPT;
}

// Records an internal failure of a step; the failure action is applied at end of message.
void note_failure(Private* p, const char* stage, const char* what) {
    g_app->counters.count_failure();
    std::string qid = p && p->session ? p->session->queue_id() : "";
    log::emit_message(log::events::milter_failure, qid,
                      {log::Field("stage", stage), log::Field("error", what),
                       log::Field("action", g_app->config.get()->failure_action)});
    if (p && p->failure.empty()) p->failure = what;
}

// Runs a step body; any exception is logged and the step still answers as negotiated.
template <typename F>
sfsistat guarded(SMFICTX* ctx, const char* stage, unsigned long nr_flag, F&& body) {
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

// Renders a socket address as text ("192.0.2.1", "2001:db8::1"), or "" for others.
std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (!sa) return {};
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    }
    return buf;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long,
                      unsigned long, unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                      unsigned long* pf3) {
    try {
        Private* p = priv(ctx);
        *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_QUARANTINE |
                     SMFIF_SETSYMLIST);
        bool tcp = unix_socket_path(p->session->config().milter_socket).empty();
        *pf1 = f1 &
               (tcp ? static_cast<unsigned long>(SMFIP_NOUNKNOWN) : kWantedNoReply | kSkippedSteps);
        *pf2 = *pf3 = 0;
        p->no_reply = *pf1 & kWantedNoReply;
        // DKIM needs header values exactly as sent, leading space included.
        if (f1 & SMFIP_HDR_LEADSPC) {
            *pf1 |= SMFIP_HDR_LEADSPC;
            p->leadspc = true;
        }
        if (p->passthrough) {
            // Keep the connect reply so that SMFIS_ACCEPT there releases the connection at once.
            p->no_reply &= ~static_cast<unsigned long>(SMFIP_NR_CONN);
            *pf1 &= ~static_cast<unsigned long>(SMFIP_NR_CONN);
        }
        if (f0 & SMFIF_SETSYMLIST) {
            smfi_setsymlist(ctx, SMFIM_CONNECT, const_cast<char*>(kConnectMacros));
            smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>(kMailMacros));
            smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>(kEomMacros));
        }
        return SMFIS_CONTINUE;
    } catch (...) {
        return SMFIS_ALL_OPTS;  // let the MTA decide; nothing is lost
    }
}

sfsistat on_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* addr) {
    Private* p = nullptr;
    try {
        p = priv(ctx);
        if (p->passthrough) return SMFIS_ACCEPT;
        p->session->on_connect(hostname ? hostname : "", address_text(addr));
        take_macros(ctx, *p->session, {"j", "{daemon_name}", "{client_addr}"});
        if (p->session->client_address().empty()) {
            p->session->on_connect(hostname ? hostname : "", p->session->macro("client_addr"));
        }
    } catch (const std::exception& e) {
        note_failure(p, "connect", e.what());
    }
    return step_reply(p, SMFIP_NR_CONN);
}

sfsistat on_helo(SMFICTX* ctx, char* helo) {
    return guarded(ctx, "helo", SMFIP_NR_HELO,
                   [&](Private& p) { p.session->on_helo(helo ? helo : ""); });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "mail", SMFIP_NR_MAIL, [&](Private& p) {
        p.failure.clear();
        p.dkim.reset();
        p.session->begin_message(argv && argv[0] ? argv[0] : "");
        take_macros(ctx, *p.session, {"i", "{auth_authen}", "{auth_type}"});
        p.check_auth = g_app->evaluator() &&
                       session::classify(*p.session, false) == stats::Direction::outbound;
    });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "rcpt", SMFIP_NR_RCPT,
                   [&](Private& p) { p.session->add_recipient(argv && argv[0] ? argv[0] : ""); });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    return guarded(ctx, "header", SMFIP_NR_HDR, [&](Private& p) {
        std::string_view n = name ? name : "", v = value ? value : "";
        std::string_view stored = v;
        if (p.leadspc && !stored.empty() && stored.front() == ' ') stored.remove_prefix(1);
        p.session->add_header(n, stored);
        if (!p.check_auth) return;
        if (!p.dkim) {
            auto ev = g_app->evaluator();
            if (!ev) return;
            p.dkim = ev->start_dkim();
        }
        // DKIM hashes the header as sent: leading space kept, folds as CRLF (the MTA passes LF).
        std::string wire = p.leadspc ? std::string() : std::string(" ");
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] == '\n' && (i == 0 || v[i - 1] != '\r')) wire += '\r';
            wire += v[i];
        }
        p.dkim->header(n, wire);
    });
}

sfsistat on_data(SMFICTX* ctx) {
    return guarded(ctx, "data", SMFIP_NR_DATA, [](Private&) {});
}

sfsistat on_eoh(SMFICTX* ctx) {
    return guarded(ctx, "eoh", SMFIP_NR_EOH, [](Private& p) {
        if (p.dkim) p.dkim->end_of_headers();
    });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
    return guarded(ctx, "body", SMFIP_NR_BODY, [&](Private& p) {
        std::string_view c(reinterpret_cast<const char*>(chunk), len);
        p.session->append_body(c);
        if (p.dkim) p.dkim->body(c);
    });
}

// Applies a bounce's plan: headers, subject prefix, copy, quarantine; counts each recipient.
void apply_bounce_plan(SMFICTX* ctx, bool leadspc, session::Session& s, const tagging::Plan& plan,
                       const std::string& qid, std::int64_t now) {
    const config::Config& c = s.config();
    auto providers = g_app->providers();
    for (const tagging::Tagged& t : plan.recipients) {
        if (!t.event.remote_mta.empty() && !providers->has_mx(t.domain, now)) {
            providers->learn(t.domain, t.event.remote_mta, false, now + 86400);
        }
        std::string provider = providers->lookup(t.domain, now);
        stats::BounceEvent e = t.event;
        e.queue_id = qid;
        if (const session::Header* mid = s.message().header("Message-ID"))
            e.bounce_message_id = util::trim(mid->value);
        if (auto o = g_app->correlation->find(e.original_message_id, now)) {
            e.time_to_bounce_s = now - o->sent_at;
            e.original_sender = o->sender;
        }
        g_app->registry->record_bounce(t.domain, provider, e, now);
        std::string patterns;
        for (const std::string& p : e.patterns)
            patterns += (patterns.empty() ? "" : ",") + p;
        log::emit_message(
            log::events::bounce_tagged, qid,
            {log::Field("domain", t.domain), log::Field("provider", provider),
             log::Field("action", e.action), log::Field("status", e.status),
             log::Field("reason", e.reason), log::Field("family", e.family),
             log::Field("cause", e.cause_status), log::Field("patterns", patterns),
             log::Field("remote_mta", e.remote_mta), log::Field("recipient", e.recipient),
             log::Field("original_message_id", e.original_message_id),
             log::Field("time_to_bounce_s", e.time_to_bounce_s)});
    }
    for (const std::string& h : plan.headers) {
        std::string v = header_for_mta(leadspc, h);
        smfi_addheader(ctx, const_cast<char*>(c.tagging_header.c_str()),
                       const_cast<char*>(v.c_str()));
    }
    if (plan.prefix_subject) {
        const session::Header* subject = s.message().header("Subject");
        std::string value =
            header_for_mta(leadspc, c.subject_prefix + " " +
                                        std::string(subject ? util::trim(subject->value) : ""));
        if (subject)
            smfi_chgheader(ctx, const_cast<char*>("Subject"), 1, const_cast<char*>(value.c_str()));
        else
            smfi_addheader(ctx, const_cast<char*>("Subject"), const_cast<char*>(value.c_str()));
        log::emit_message(log::events::bounce_action, qid,
                          {log::Field("action", "subject"), log::Field("matched", plan.matched)});
    }
    if (plan.copy) {
        std::string rcpt = "<" + c.copy_to + ">";
        smfi_addrcpt(ctx, const_cast<char*>(rcpt.c_str()));
        log::emit_message(log::events::bounce_action, qid,
                          {log::Field("action", "copy"), log::Field("matched", plan.matched)});
    }
    if (plan.quarantine) {
        std::string reason = "mxpulse: " + plan.matched;
        smfi_quarantine(ctx, const_cast<char*>(reason.c_str()));
        log::emit_message(
            log::events::bounce_action, qid,
            {log::Field("action", "quarantine"), log::Field("matched", plan.matched)});
    }
}

// Counts an outbound message per recipient domain.
void count_outbound(const session::Message& m, std::int64_t now) {
    auto providers = g_app->providers();
    std::vector<std::pair<std::string, std::uint32_t>> per_domain;
    for (const std::string& r : m.recipients) {
        std::string d = util::address_domain(r);
        if (d.empty()) continue;
        auto it = std::find_if(per_domain.begin(), per_domain.end(),
                               [&](auto& x) { return x.first == d; });
        if (it == per_domain.end())
            per_domain.emplace_back(std::move(d), 1);
        else
            ++it->second;
    }
    for (const auto& [domain, n] : per_domain) {
        g_app->registry->record_outbound(domain, providers->lookup(domain, now), n, now);
        if (g_app->mx && !providers->has_mx(domain, now) && !g_app->mx->enqueue(domain, now)) {
            g_app->counters.count_limit(stats::Limit::mx_queue);
        }
    }
    if (const session::Header* mid = m.header("Message-ID")) {
        stats::OutboundRecord rec{now, m.sender, {}};
        for (const auto& [domain, n] : per_domain)
            rec.domains.push_back(domain);
        g_app->correlation->remember(mid->value, std::move(rec), now);
    }
}

// Decides, counts and logs the message; returns the reply for end of message.
sfsistat finish_message(SMFICTX* ctx, Private& p) {
    session::Session& s = *p.session;
    take_macros(ctx, s, {"i"});
    std::string qid = s.queue_id();
    log::QueueIdScope scope(qid);  // for events raised inside library calls (dns.timeout)
    const session::Message& m = s.message();
    std::int64_t now = std::time(nullptr);
    for (stats::Limit l : m.limits_hit) {
        g_app->counters.count_limit(l);
        log::emit_message(log::events::limit_hit, qid, {log::Field("limit", stats::limit_name(l))});
    }
    // Null-sender mail and anything that looks like a report is parsed; the parser decides.
    dsn::Report report;
    if ((m.has_sender && m.sender.empty()) || session::looks_like_bounce(m)) {
        dsn::ParseLimits limits;
        limits.max_recipients = static_cast<std::size_t>(s.config().max_recipients);
        report = dsn::parse(m.raw(), limits);
    }
    bool bounce =
        report.is_bounce && (report.kind == dsn::Kind::dsn || report.kind == dsn::Kind::vendor);
    stats::Direction dir = session::classify(s, bounce);
    g_app->counters.count_message(dir);
    std::size_t tagged = 0;
    if (dir == stats::Direction::returning_dsn) {
        tagging::Plan plan = tagging::plan(report, s.config(), now);
        tagged = plan.recipients.size();
        apply_bounce_plan(ctx, p.leadspc, s, plan, qid, now);
    } else if (dir == stats::Direction::outbound) {
        count_outbound(m, now);
    }
    sfsistat auth_reply = SMFIS_CONTINUE;
    if (dir == stats::Direction::outbound && p.check_auth) {
        std::vector<auth::DkimSignature> sigs =
            p.dkim ? p.dkim->finish() : std::vector<auth::DkimSignature>{};
        auth_reply = check_outbound(ctx, *g_app, s, p.leadspc, std::move(sigs), qid);
    }
    p.dkim.reset();
    std::string domains;
    for (const std::string& d : session::recipient_domains(m))
        domains += (domains.empty() ? "" : ",") + d;
    const session::Header* mid = m.header("Message-ID");
    log::emit_message(
        log::events::message_seen, qid,
        {log::Field("direction", stats::direction_name(dir)),
         log::Field("size", m.header_bytes + m.body_size), log::Field("sender", m.sender),
         log::Field("rcpt_count", m.recipients_seen), log::Field("rcpt_domains", domains),
         log::Field("message_id", mid ? std::string(util::trim(mid->value)) : ""),
         log::Field("client", s.client_address()), log::Field("bounce_recipients", tagged)});
    if (!p.failure.empty()) return failure_reply();
    return auth_reply;
}

sfsistat on_eom(SMFICTX* ctx) {
    Private* p = nullptr;
    sfsistat reply = SMFIS_CONTINUE;
    try {
        p = priv(ctx);
        if (!p->passthrough) reply = finish_message(ctx, *p);
    } catch (const std::exception& e) {
        note_failure(p, "eom", e.what());
        reply = failure_reply();
    } catch (...) {
        note_failure(p, "eom", "unknown exception");
        reply = failure_reply();
    }
    try {
        if (p) p->session->end_message();
    } catch (...) {
    }
    return reply;
}

sfsistat on_abort(SMFICTX* ctx) {
    auto* p = static_cast<Private*>(smfi_getpriv(ctx));
    try {
        if (p) {
            p->session->end_message();
            p->dkim.reset();
        }
    } catch (...) {
    }
    return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
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
