// The control socket server: a libevent thread speaking the line protocol of lib/control.
#include "control_server.hpp"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <thread>
#include <vector>

#include "control/access.hpp"
#include "control/commands.hpp"
#include "log/logger.hpp"
#include "util/barrier.hpp"

namespace mxpulse::milter {

struct ControlServer::Impl {
    App& app;
    std::string version;
    std::string path;
    int fd = -1;
    uid_t daemon_uid = 0;
    gid_t socket_gid = 0;
    event_base* base = nullptr;
    evconnlistener* listener = nullptr;
    event* snapshot_timer = nullptr;
    event* alert_timer = nullptr;
    std::thread thread;
    int clients = 0;
    control::Context context;

    Impl(App& a, std::string v)
        : app(a), version(std::move(v)), context{a.counters, a.config,         version, getpid(),
                                                 nullptr,    a.registry.get(), nullptr, nullptr,
                                                 nullptr,    nullptr,          nullptr, nullptr,
                                                 nullptr,    nullptr,          nullptr, nullptr,
                                                 nullptr} {
        context.evidence = a.evidence.get();
        context.reload = [this] { return app.reload("control"); };
        context.snapshot = [this] { return app.save_state(); };
        context.auth = &app.auth_counters;
        context.history = app.history.get();
        context.alerts = [this] { return app.alerts.to_json(); };
        context.forget_alerts = [this](const std::string& key) { app.alerts.forget(key); };
        context.grouping = [this](const std::string& domain) -> nlohmann::json {
            auto g = app.runtime.get()->providers->grouping(domain, std::time(nullptr));
            if (!g) return nullptr;
            return {{"mail_host", g->mail_host}, {"source", g->source}, {"expires", g->expires}};
        };
        context.trace = [this](const std::string& id) -> nlohmann::json {
            if (!app.postfix_log) return nullptr;
            nlohmann::json out = nlohmann::json::array();
            for (const postlog::TraceEntry& e : app.postfix_log->tracker().find(id))
                out.push_back(postlog::to_json(e));
            return out;
        };
        context.queue = [this](bool provider) -> nlohmann::json {
            return app.postfix_queue ? app.postfix_queue->to_json(provider) : nullptr;
        };
        context.deliveries = [this](const std::string& name, bool provider) -> nlohmann::json {
            if (!app.postfix_log) return nullptr;
            auto& o = app.postfix_log->outcomes();
            std::int64_t now = std::time(nullptr);
            return provider ? o.provider(name, now) : o.domain(name, now);
        };
    }
};

namespace {

// Output queued for one client beyond which its further requests wait unread (so a client that
// pipelines and never reads holds at most this plus one reply).
constexpr size_t kOutputHighWater = 64 * 1024;
// Connections kept for admin-level peers (root, the daemon's user, control.admin_group) beyond
// control.max_clients, so that read-level clients cannot lock the administrator out.
constexpr int kAdminReserve = 2;
// Requests answered for one client before the others (and new connections) get their turn.
constexpr int kRequestsPerTurn = 16;

// One control connection.
struct Client {
    ControlServer::Impl* server;
    bufferevent* bev;
    control::Access access;
    uid_t uid;
    gid_t gid;
    bool closing = false;
    bool paused = false;        // requests wait until the output drains
    event* deadline = nullptr;  // a started request must end within the idle timeout
    event* resume = nullptr;    // takes up pipelined requests on the next turn of the loop
};

// Frees a client and its connection.
void drop(Client* c) {
    if (c->deadline) event_free(c->deadline);
    if (c->resume) event_free(c->resume);
    bufferevent_free(c->bev);
    --c->server->clients;
    delete c;
}

// Returns the idle timeout in force as a timeval.
timeval idle_timeout(const Client* c) {
    long ms = static_cast<long>(c->server->app.config.get()->control_idle_timeout.count());
    return timeval{ms / 1000, (ms % 1000) * 1000};
}

// Closes the connection once the reply is written; a client that does not read it is dropped
// when the write timeout fires.
void close_after_write(Client* c) {
    c->closing = true;
    if (c->deadline) event_del(c->deadline);
    bufferevent_disable(c->bev, EV_READ);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) drop(c);
}

// Sends one reply line.
void send_line(Client* c, const std::string& line) {
    bufferevent_write(c->bev, line.data(), line.size());
}

// Counts and logs a control-socket bound reached by a client; value is the bound.
void limit_hit(Client* c, stats::Limit l, std::int64_t value) {
    c->server->app.counters.count_limit(l);
    log::emit_message(log::events::limit_hit, "",
                      {log::Field("limit", stats::limit_name(l)), log::Field("value", value)});
}

// Returns the idle timeout in force in milliseconds.
std::int64_t idle_ms(const Client* c) {
    return static_cast<std::int64_t>(c->server->app.config.get()->control_idle_timeout.count());
}

void on_read(bufferevent* bev, void* arg) noexcept;

// Returns the reply to one request line, logging a denied command.
std::string answer(Client* c, const std::string& request) {
    std::string reply;
    bool denied = false;
    try {
        reply = control::handle_line(request, c->access, c->server->context, &denied);
    } catch (const std::exception& e) {
        reply = control::error_reply(std::string("internal error: ") + e.what());
    }
    if (denied) {
        log::emit(log::events::control_denied,
                  {log::Field("uid", static_cast<std::int64_t>(c->uid)),
                   log::Field("gid", static_cast<std::int64_t>(c->gid)),
                   log::Field("command", request), log::Field("reason", "needs admin access")});
    }
    return reply;
}

// Reads and answers the complete request lines buffered, until the output passes the high-water
// mark; arms the request deadline while a line is incomplete.
void serve(Client* c) {
    evbuffer* in = bufferevent_get_input(c->bev);
    evbuffer* out = bufferevent_get_output(c->bev);
    auto max = static_cast<size_t>(c->server->app.config.get()->control_max_request_bytes);
    for (int served = 0; !c->closing; ++served) {
        if (served == kRequestsPerTurn) {
            // Pipelined requests wait for the next turn, so that one client cannot hold the loop.
            timeval now{0, 0};
            evtimer_add(c->resume, &now);
            return;
        }
        if (evbuffer_get_length(out) > kOutputHighWater) {
            // Stop reading: the kernel's buffer fills and the client's writes block.
            c->paused = true;
            bufferevent_disable(c->bev, EV_READ);
            limit_hit(c, stats::Limit::control_output_bytes,
                      static_cast<std::int64_t>(kOutputHighWater));
            return;
        }
        size_t len = 0;
        char* line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
        if (!line) {
            if (evbuffer_get_length(in) > max) {
                limit_hit(c, stats::Limit::control_request_bytes, static_cast<std::int64_t>(max));
                send_line(c, control::error_reply("request longer than " + std::to_string(max) +
                                                  " bytes"));
                close_after_write(c);
            } else if (evbuffer_get_length(in) > 0 && !evtimer_pending(c->deadline, nullptr)) {
                timeval t = idle_timeout(c);
                evtimer_add(c->deadline, &t);
            } else if (evbuffer_get_length(in) == 0) {
                evtimer_del(c->deadline);
            }
            return;
        }
        evtimer_del(c->deadline);
        std::string request(line, len);
        std::free(line);
        if (request.size() > max) {
            limit_hit(c, stats::Limit::control_request_bytes, static_cast<std::int64_t>(max));
            send_line(
                c, control::error_reply("request longer than " + std::to_string(max) + " bytes"));
            close_after_write(c);
            return;
        }
        send_line(c, answer(c, request));
    }
}

// A request line begun but not finished within the idle timeout (one byte at a time, say).
void on_deadline(evutil_socket_t, short, void* arg) noexcept {
    auto* c = static_cast<Client*>(arg);
    if (!util::barrier("control.deadline", false, [c] {
            limit_hit(c, stats::Limit::control_request_time, idle_ms(c));
            send_line(c, control::error_reply("request not completed in time"));
            close_after_write(c);
            return true;
        })) {
        drop(c);
    }
}

// Takes up the requests a client pipelined beyond its turn.
void on_resume(evutil_socket_t, short, void* arg) noexcept {
    auto* c = static_cast<Client*>(arg);
    if (!util::barrier("control.resume", false, [c] {
            if (!c->paused) serve(c);
            return true;
        })) {
        drop(c);
    }
}

void on_write(bufferevent*, void* arg) noexcept {
    auto* c = static_cast<Client*>(arg);
    if (!util::barrier("control.write", false, [c] {
            if (c->closing) {
                drop(c);
            } else if (c->paused) {
                // The output drained: take up the requests that waited.
                c->paused = false;
                bufferevent_enable(c->bev, EV_READ);
                serve(c);
            }
            return true;
        })) {
        drop(c);
    }
}

// What a connection event means for the client: gone, idle or stuck.
void client_event(Client* c, short what) {
    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
        // The client stopped reading: nothing more can reach it.
        limit_hit(c, stats::Limit::control_request_time, idle_ms(c));
        drop(c);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        send_line(c, control::error_reply("idle timeout"));
        close_after_write(c);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) drop(c);
}

void on_event(bufferevent*, short what, void* arg) noexcept {
    auto* c = static_cast<Client*>(arg);
    if (!util::barrier("control.event", false, [c, what] {
            client_event(c, what);
            return true;
        })) {
        drop(c);
    }
}

void on_read(bufferevent*, void* arg) noexcept {
    auto* c = static_cast<Client*>(arg);
    // Out of memory, say: the connection goes, the daemon stays.
    if (!util::barrier("control.read", false, [c] {
            serve(c);
            return true;
        })) {
        drop(c);
    }
}

// Returns the id a user or group entry names: a number as is, else looked up; nullopt if unknown.
std::optional<std::uint32_t> resolve_id(const std::string& name, bool user) {
    if (name.find_first_not_of("0123456789") == std::string::npos && name.size() <= 9)
        return static_cast<std::uint32_t>(std::stoul(name));
    std::vector<char> buf(16384);
    if (user) {
        passwd pw{};
        passwd* found = nullptr;
        if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
            return std::nullopt;
        return found->pw_uid;
    }
    group g{};
    group* found = nullptr;
    if (getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->gr_gid;
}

// Builds the access policy of the configuration in force; names that do not resolve are skipped.
control::Policy policy_of(const config::Config& c, uid_t daemon_uid, gid_t socket_gid) {
    control::Policy p;
    p.admin_uids = {0, daemon_uid};
    p.read_gids = {socket_gid};
    for (const std::string& u : c.control_allow_users)
        if (auto id = resolve_id(u, true)) p.read_uids.push_back(*id);
    for (const std::string& g : c.control_allow_groups)
        if (auto id = resolve_id(g, false)) p.read_gids.push_back(*id);
    if (!c.control_admin_group.empty())
        if (auto id = resolve_id(c.control_admin_group, false)) p.admin_gids.push_back(*id);
    return p;
}

// Returns the peer's credentials and, where the kernel tells them, its supplementary groups.
control::Peer peer_of(int fd, const ucred& cred) {
    control::Peer peer{
        static_cast<std::uint32_t>(cred.uid), static_cast<std::uint32_t>(cred.gid), {}};
#ifdef SO_PEERGROUPS
    std::vector<gid_t> groups(64);
    socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
        groups.resize(len / sizeof(gid_t));
        peer.groups.assign(groups.begin(), groups.end());
    }
#else
    (void)fd;
#endif
    return peer;
}

// Accepts a connection: checks the peer, the client bound (with the admin reserve), and sets up
// the timeouts; may throw (bad_alloc).
void accept_client(ControlServer::Impl* s, evutil_socket_t fd) {
    auto cfg = s->app.config.get();
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        evutil_closesocket(fd);
        return;
    }
    auto access =
        control::access_for(peer_of(fd, cred), policy_of(*cfg, s->daemon_uid, s->socket_gid));
    std::int64_t bound = cfg->control_max_clients +
                         (access && *access == control::Access::admin ? kAdminReserve : 0);
    if (s->clients >= bound) {
        s->app.counters.count_limit(stats::Limit::control_clients);
        log::emit(log::events::control_denied,
                  {log::Field("uid", static_cast<std::int64_t>(cred.uid)),
                   log::Field("gid", static_cast<std::int64_t>(cred.gid)),
                   log::Field("command", ""), log::Field("reason", "too many clients")});
        std::string reply = control::error_reply("too many control clients; try again");
        (void)!write(fd, reply.data(), reply.size());
        evutil_closesocket(fd);
        return;
    }
    if (!access) {
        log::emit(log::events::control_denied,
                  {log::Field("uid", static_cast<std::int64_t>(cred.uid)),
                   log::Field("gid", static_cast<std::int64_t>(cred.gid)),
                   log::Field("command", ""), log::Field("reason", "peer not allowed")});
        std::string reply = control::error_reply(
            "access denied: uid " + std::to_string(cred.uid) + " (gid " + std::to_string(cred.gid) +
            ") may not use the control socket; see control.allow_users and control.allow_groups");
        (void)!write(fd, reply.data(), reply.size());
        evutil_closesocket(fd);
        return;
    }
    bufferevent* bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        evutil_closesocket(fd);
        return;
    }
    auto* c = new Client{s, bev, *access, cred.uid, cred.gid};
    ++s->clients;
    c->deadline = evtimer_new(s->base, on_deadline, c);
    c->resume = evtimer_new(s->base, on_resume, c);
    if (!c->deadline || !c->resume) {
        drop(c);
        return;
    }
    timeval idle = idle_timeout(c);
    // Both directions: a read idle this long, and a reply that makes no progress this long.
    bufferevent_set_timeouts(bev, &idle, &idle);
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) noexcept {
    // Out of memory, say: this connection goes, the daemon stays.
    if (!util::barrier("control.accept", false, [arg, fd] {
            accept_client(static_cast<ControlServer::Impl*>(arg), fd);
            return true;
        })) {
        evutil_closesocket(fd);
    }
}

// Evaluates the alert rules and writes due flood-control summaries on the alert interval; re-armed
// each time so that reloads take effect.
void on_alert_timer(evutil_socket_t, short, void* arg) noexcept {
    auto* s = static_cast<ControlServer::Impl*>(arg);
    util::barrier("control.alert_timer", [s] {
        s->app.evaluate_alerts();
        log::flush_suppressed();
    });
    long ms = static_cast<long>(s->app.config.get()->alert_interval.count());
    timeval next{ms / 1000, (ms % 1000) * 1000};
    evtimer_add(s->alert_timer, &next);
}

// Saves the state file on the snapshot interval; re-armed each time so that reloads take effect.
void on_snapshot_timer(evutil_socket_t, short, void* arg) noexcept {
    auto* s = static_cast<ControlServer::Impl*>(arg);
    // A failure to count the failure (it may allocate) leaves the inner catch for the barrier.
    util::barrier("control.snapshot_timer", [s] {
        try {
            s->app.save_state();
        } catch (const std::exception& e) {
            s->app.counters.snapshot_failed(std::time(nullptr), e.what());
        } catch (...) {
            s->app.counters.snapshot_failed(std::time(nullptr), "unknown error");
        }
    });
    long ms = static_cast<long>(s->app.config.get()->snapshot_interval.count());
    timeval next{ms / 1000, (ms % 1000) * 1000};
    evtimer_add(s->snapshot_timer, &next);
}

}  // namespace

ControlServer::ControlServer(App& app, std::string version)
    : impl_(std::make_unique<Impl>(app, std::move(version))) {}

ControlServer::~ControlServer() {
    stop();
}

bool ControlServer::open(const config::Config& c, const Identity& id, std::string& error) {
    Impl& s = *impl_;
    s.path = c.control_socket;
    s.daemon_uid = id.uid;
    sockaddr_un addr{};
    if (s.path.size() >= sizeof addr.sun_path) {
        error = "control.socket: path too long";
        return false;
    }
    if (!ensure_parent_dir(s.path, id, error)) return false;
    struct stat st {};
    if (lstat(s.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error = "control.socket: " + s.path + " exists and is not a socket";
            return false;
        }
        unlink(s.path.c_str());
    }
    s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, s.path.c_str(), sizeof addr.sun_path - 1);
    gid_t gid = id.gid;
    if (!c.control_socket_group.empty() && !lookup_group(c.control_socket_group, gid)) {
        error = "control.socket_group: no such group \"" + c.control_socket_group + "\"";
        return false;
    }
    s.socket_gid = gid;
    if (s.fd < 0 || bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        chmod(s.path.c_str(), static_cast<mode_t>(c.control_socket_mode)) != 0 ||
        (geteuid() == 0 && chown(s.path.c_str(), id.uid, gid) != 0) || listen(s.fd, 16) != 0) {
        error = "control socket " + s.path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool ControlServer::start(std::string& error) {
    Impl& s = *impl_;
    evthread_use_pthreads();
    s.base = event_base_new();
    if (!s.base) {
        error = "event_base_new failed";
        return false;
    }
    s.listener = evconnlistener_new(s.base, on_accept, &s, LEV_OPT_CLOSE_ON_FREE, -1, s.fd);
    if (!s.listener) {
        error = "evconnlistener_new failed";
        return false;
    }
    s.fd = -1;  // owned by the listener now
    s.alert_timer = evtimer_new(s.base, on_alert_timer, &s);
    long alert_ms = static_cast<long>(s.app.config.get()->alert_interval.count());
    timeval alert_first{alert_ms / 1000, (alert_ms % 1000) * 1000};
    evtimer_add(s.alert_timer, &alert_first);
    s.snapshot_timer = evtimer_new(s.base, on_snapshot_timer, &s);
    long ms = static_cast<long>(s.app.config.get()->snapshot_interval.count());
    timeval first{ms / 1000, (ms % 1000) * 1000};
    evtimer_add(s.snapshot_timer, &first);
    s.thread = std::thread(
        [&s] { util::barrier("control.thread", [&s] { event_base_dispatch(s.base); }); });
    return true;
}

void ControlServer::stop() {
    Impl& s = *impl_;
    if (s.base) event_base_loopbreak(s.base);
    if (s.thread.joinable()) s.thread.join();
    if (s.snapshot_timer) event_free(s.snapshot_timer), s.snapshot_timer = nullptr;
    if (s.alert_timer) event_free(s.alert_timer), s.alert_timer = nullptr;
    if (s.listener) evconnlistener_free(s.listener), s.listener = nullptr;
    if (s.base) event_base_free(s.base), s.base = nullptr;
    if (s.fd >= 0) close(s.fd), s.fd = -1;
    if (!s.path.empty()) unlink(s.path.c_str()), s.path.clear();
}

}  // namespace mxpulse::milter
