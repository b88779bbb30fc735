// The Prometheus endpoint: GET /metrics over HTTP/1.1 on its own libevent thread.
//
// Its own event base and thread rather than the control thread's: a scrape renders every tracked
// destination (tens of milliseconds at 100,000) and comes over TCP from another host, so a slow or
// stuck scraper must never delay an operator's mxpulsectl during an incident, nor the snapshot
// timer. The registry is the only state both threads read, and it is built for that.
//
// The HTTP is the least a scraper needs (one request per connection, Connection: close), spoken
// over bufferevents rather than evhttp: libevent 2.1's evhttp cannot bound its connections, and
// every resource here is bounded -- connections (metrics.max_clients; beyond them new ones wait
// in the listen queue), request head size, time.
#include "metrics_server.hpp"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>

#include "log/logger.hpp"
#include "metrics/exposition.hpp"
#include "metrics/http.hpp"
#include "util/barrier.hpp"
#include "util/cidr.hpp"
#include "version.hpp"

namespace mxpulse::milter {

struct MetricsServer::Impl {
    App& app;
    int fd = -1;
    event_base* base = nullptr;
    evconnlistener* listener = nullptr;
    std::thread thread;
    // Open connections and when each was accepted; touched on the metrics thread only.
    std::map<bufferevent*, std::chrono::steady_clock::time_point> connections;
    bool paused = false;  // the listener waits for a free slot
    explicit Impl(App& a) : app(a) {}
};

namespace {

constexpr int kTimeoutSeconds = 10;
constexpr std::size_t kMaxRequestHead = 8192;

// Adds the last postqueue -j scan per provider, when the queue is read.
void add_queue(App& app, metrics::Inputs& in) {
    if (!app.postfix_queue || app.config.get()->postfix_queue_command.empty()) return;
    QueueScanResult r = app.postfix_queue->last();
    if (!r.view) return;
    in.queue_read = true;
    in.queue_scanned_at = r.view->now();
    for (const postlog::QueueView::Row& row : r.view->rows(true))
        in.queue.push_back({row.key, row.deferred, row.oldest_age_s});
}

// Adds Postfix's delivery attempts per provider in the 15m and 1h windows, when the log is
// followed.
void add_attempts(App& app, metrics::Inputs& in) {
    if (!app.postfix_log) return;
    in.attempts_read = true;
    for (stats::Window w : {stats::Window::m15, stats::Window::h1}) {
        std::string name(stats::window_name(w));
        for (const postlog::Outcomes::Row& r : app.postfix_log->outcomes().rows(true, w, in.now))
            in.attempts.push_back({r.key, name, r.sent, r.deferred, r.bounced, r.expired});
    }
}

// Renders the exposition from the live counters; throws what rendering throws.
std::string render_metrics(MetricsServer::Impl& s) {
    auto cfg = s.app.config.get();
    metrics::Inputs in{s.app.counters,
                       *s.app.registry,
                       static_cast<std::size_t>(cfg->metrics_top_destinations),
                       std::time(nullptr),
                       s.app.correlation.get(),
                       &s.app.auth_counters};
    for (const alerts::Active& a : s.app.alerts.active())
        in.alerts.push_back({a.rule, a.scope, a.key, a.severity});
    in.alerts_raised = s.app.alerts.raised_totals();
    in.log_suppressed = log::suppressed_totals();
    in.version = kVersion;
    in.last_reload_ok = s.app.last_reload_ok;
    in.last_reload_success_at = s.app.config.loaded_at();
    add_queue(s.app, in);
    add_attempts(s.app, in);
    return metrics::render(in);
}

// The response to a judged request head.
std::string respond(MetricsServer::Impl& s, metrics::Request r) {
    using metrics::Request;
    constexpr std::string_view text = "text/plain; charset=utf-8";
    switch (r) {
        case Request::get:
        case Request::head:
            try {
                return metrics::http_response(200, "OK", metrics::kContentType, render_metrics(s),
                                              r == Request::head);
            } catch (const std::exception&) {
                return metrics::http_response(500, "Internal Server Error", text,
                                              "internal error\n", false);
            }
        case Request::not_found:
            return metrics::http_response(404, "Not Found", text, "not found; try /metrics\n",
                                          false);
        case Request::bad_method:
            return metrics::http_response(405, "Method Not Allowed", text, "GET or HEAD\n", false,
                                          "Allow: GET, HEAD\r\n");
        case Request::too_large:
            return metrics::http_response(431, "Request Header Fields Too Large", text,
                                          "request head over 8 KiB\n", false);
        case Request::bad_request:
        case Request::incomplete:
            break;
    }
    return metrics::http_response(400, "Bad Request", text, "not an HTTP/1.x request\n", false);
}

// Closes one connection and frees its slot; a paused listener takes connections again.
void close_connection(bufferevent* bev, MetricsServer::Impl* s) {
    s->connections.erase(bev);
    bufferevent_free(bev);
    if (s->paused && static_cast<std::int64_t>(s->connections.size()) <
                         s->app.config.get()->metrics_max_clients) {
        s->paused = false;
        evconnlistener_enable(s->listener);
    }
}

// Closes the connection once the response has been written out.
void on_written(bufferevent* bev, void* arg) noexcept {
    util::barrier("metrics.write", [bev, arg] {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
            close_connection(bev, static_cast<MetricsServer::Impl*>(arg));
        }
    });
}

// Closes the connection on EOF, an error or a timeout.
void on_event(bufferevent* bev, short, void* arg) noexcept {
    util::barrier("metrics.event",
                  [bev, arg] { close_connection(bev, static_cast<MetricsServer::Impl*>(arg)); });
}

// Reads the request head; answers once it is complete (or cannot be).
void read_request(bufferevent* bev, void* arg) {
    auto* s = static_cast<MetricsServer::Impl*>(arg);
    // The read timeout restarts with every byte; this bounds a head sent a byte at a time.
    auto opened = s->connections.find(bev);
    if (opened != s->connections.end() &&
        std::chrono::steady_clock::now() - opened->second > std::chrono::seconds(kTimeoutSeconds)) {
        return close_connection(bev, s);
    }
    evbuffer* in = bufferevent_get_input(bev);
    std::size_t n = std::min(evbuffer_get_length(in), kMaxRequestHead + 4);
    auto* bytes = reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ssize_t>(n)));
    metrics::Request r = metrics::judge_request(std::string_view(bytes, n), kMaxRequestHead);
    if (r == metrics::Request::incomplete) return;
    std::string reply;
    try {
        reply = respond(*s, r);
    } catch (const std::exception&) {
        return close_connection(bev, s);  // out of memory building even an error reply
    }
    bufferevent_disable(bev, EV_READ);
    bufferevent_setcb(bev, nullptr, on_written, on_event, s);
    bufferevent_write(bev, reply.data(), reply.size());
}

// libevent's read callback: read_request() behind the barrier; the connection goes if it threw.
void on_read(bufferevent* bev, void* arg) noexcept {
    if (!util::barrier("metrics.read", false, [bev, arg] {
            read_request(bev, arg);
            return true;
        })) {
        util::barrier("metrics.read", [bev, arg] {
            close_connection(bev, static_cast<MetricsServer::Impl*>(arg));
        });
    }
}

// Takes a connection. At metrics.max_clients open ones the listener pauses, counted and logged
// once: later scrapers wait in the kernel's listen queue until a connection closes, rather
// than being refused (a refusal with their request unread would reach them as a reset).
void accept_scraper(evconnlistener* listener, evutil_socket_t fd, void* arg) {
    auto* s = static_cast<MetricsServer::Impl*>(arg);
    bufferevent* bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == nullptr) {
        evutil_closesocket(fd);
        return;
    }
    try {
        s->connections.emplace(bev, std::chrono::steady_clock::now());
    } catch (const std::exception&) {
        bufferevent_free(bev);  // out of memory: turn the scraper away
        return;
    }
    timeval timeout{kTimeoutSeconds, 0};
    bufferevent_set_timeouts(bev, &timeout, &timeout);
    bufferevent_setcb(bev, on_read, nullptr, on_event, s);
    bufferevent_enable(bev, EV_READ);
    std::int64_t cap = s->app.config.get()->metrics_max_clients;
    if (static_cast<std::int64_t>(s->connections.size()) >= cap && !s->paused) {
        s->paused = true;
        evconnlistener_disable(listener);
        s->app.counters.count_limit(stats::Limit::metrics_clients);
        log::emit_message(log::events::limit_hit, "",
                          {log::Field("limit", stats::limit_name(stats::Limit::metrics_clients)),
                           log::Field("value", cap)});
    }
}

// libevent's accept callback: accept_scraper() behind the barrier.
void on_accept(evconnlistener* listener, evutil_socket_t fd, sockaddr*, int, void* arg) noexcept {
    util::barrier("metrics.accept", [listener, fd, arg] { accept_scraper(listener, fd, arg); });
}

// Splits "IP:PORT" or "[IPv6]:PORT" into a socket address; false when malformed.
bool parse_listen(const std::string& spec, sockaddr_storage& ss, socklen_t& len) {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos) return false;
    std::string ip = spec.substr(0, colon);
    int port = std::atoi(spec.c_str() + colon + 1);
    if (ip.size() >= 2 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
    std::memset(&ss, 0, sizeof ss);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        len = sizeof(sockaddr_in);
        return true;
    }
    if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        len = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

}  // namespace

MetricsServer::MetricsServer(App& app) : impl_(std::make_unique<Impl>(app)) {}

MetricsServer::~MetricsServer() {
    stop();
}

bool MetricsServer::open(const config::Config& c, std::string& error) {
    Impl& s = *impl_;
    if (c.metrics_listen.empty()) return true;
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (!parse_listen(c.metrics_listen, ss, len)) {
        error = "metrics.listen: expected IP:PORT, got \"" + c.metrics_listen + "\"";
        return false;
    }
    s.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (s.fd < 0 || setsockopt(s.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(s.fd, 16) != 0) {
        error = "metrics " + c.metrics_listen + ": " + std::strerror(errno);
        if (s.fd >= 0) close(s.fd), s.fd = -1;
        return false;
    }
    return true;
}

bool MetricsServer::start(std::string& error) {
    Impl& s = *impl_;
    if (s.fd < 0) return true;
    evthread_use_pthreads();
    s.base = event_base_new();
    s.listener = s.base
                     ? evconnlistener_new(s.base, on_accept, &s,
                                          LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, s.fd)
                     : nullptr;
    if (!s.listener) {
        error = "metrics: cannot listen with libevent";
        return false;
    }
    s.fd = -1;  // owned by the listener now
    s.thread = std::thread(
        [&s] { util::barrier("metrics.thread", [&s] { event_base_dispatch(s.base); }); });
    return true;
}

void MetricsServer::stop() {
    Impl& s = *impl_;
    if (s.base) event_base_loopbreak(s.base);
    if (s.thread.joinable()) s.thread.join();
    for (const auto& [bev, since] : s.connections)
        bufferevent_free(bev);
    s.connections.clear();
    if (s.listener) evconnlistener_free(s.listener), s.listener = nullptr;
    if (s.base) event_base_free(s.base), s.base = nullptr;
    if (s.fd >= 0) close(s.fd), s.fd = -1;
}

}  // namespace mxpulse::milter
