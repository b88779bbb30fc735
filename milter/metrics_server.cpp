// The Prometheus endpoint: GET /metrics over HTTP, served by libevent's evhttp on its own thread.
//
// Its own event base and thread rather than the control thread's: a scrape renders every tracked
// destination (tens of milliseconds at 100,000) and comes over TCP from another host, so a slow or
// stuck scraper must never delay an operator's mxpulsectl during an incident, nor the snapshot
// timer. The registry is the only state both threads read, and it is built for that.
#include "metrics_server.hpp"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include "log/logger.hpp"
#include "metrics/exposition.hpp"
#include "util/cidr.hpp"

namespace mxpulse::milter {

struct MetricsServer::Impl {
    App& app;
    int fd = -1;
    event_base* base = nullptr;
    evhttp* http = nullptr;
    std::thread thread;
    explicit Impl(App& a) : app(a) {}
};

namespace {

constexpr int kTimeoutSeconds = 10;
constexpr long kMaxRequestHeaders = 8192;

// Answers one HTTP request: the exposition on GET or HEAD /metrics, 404 or 405 otherwise.
void on_request(evhttp_request* req, void* arg) {
    auto* s = static_cast<MetricsServer::Impl*>(arg);
    evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_send_error(req, 405, "Method Not Allowed");
        return;
    }
    const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (!path || std::strcmp(path, "/metrics") != 0) {
        evhttp_send_error(req, 404, "Not Found; try /metrics");
        return;
    }
    std::string body;
    try {
        auto cfg = s->app.config.get();
        metrics::Inputs in{s->app.counters,
                           *s->app.registry,
                           static_cast<std::size_t>(cfg->metrics_top_destinations),
                           std::time(nullptr),
                           s->app.correlation.get(),
                           &s->app.auth_counters};
        for (const alerts::Active& a : s->app.alerts.active())
            in.alerts.push_back({a.rule, a.scope, a.key, a.severity});
        in.alerts_raised = s->app.alerts.raised_totals();
        in.log_suppressed = log::suppressed_totals();
        body = metrics::render(in);
    } catch (const std::exception&) {
        evhttp_send_error(req, 500, "Internal Server Error");
        return;
    }
    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", metrics::kContentType);
    evbuffer* out = evbuffer_new();
    if (cmd == EVHTTP_REQ_GET) evbuffer_add(out, body.data(), body.size());
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
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
    s.http = s.base ? evhttp_new(s.base) : nullptr;
    if (!s.http) {
        error = "evhttp_new failed";
        return false;
    }
    evhttp_set_timeout(s.http, kTimeoutSeconds);
    evhttp_set_max_headers_size(s.http, kMaxRequestHeaders);
    evhttp_set_max_body_size(s.http, 0);
    evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_gencb(s.http, on_request, &s);
    if (evhttp_accept_socket(s.http, s.fd) != 0) {
        error = "evhttp_accept_socket failed";
        return false;
    }
    s.fd = -1;  // owned by evhttp now
    s.thread = std::thread([&s] { event_base_dispatch(s.base); });
    return true;
}

void MetricsServer::stop() {
    Impl& s = *impl_;
    if (s.base) event_base_loopbreak(s.base);
    if (s.thread.joinable()) s.thread.join();
    if (s.http) evhttp_free(s.http), s.http = nullptr;
    if (s.base) event_base_free(s.base), s.base = nullptr;
    if (s.fd >= 0) close(s.fd), s.fd = -1;
}

}  // namespace mxpulse::milter
