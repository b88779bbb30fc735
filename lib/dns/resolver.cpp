// The one DNS resolver of mxpulse: bounded-time lookups over libunbound, results as values.
#include "dns/resolver.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <unbound.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "dns/rdata.hpp"
#include "util/barrier.hpp"

namespace mxpulse::dns {

namespace {

constexpr std::size_t kMaxName = 253;
constexpr int kMaxRecords = 256;

// State shared between a waiting caller and the libunbound callback.
struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int err = 0;
    ub_result* result = nullptr;
    // Frees the result if nobody took it.
    ~Pending() {
        if (result != nullptr) ub_resolve_free(result);
    }
};

// Heap holder passed to libunbound as mydata; whoever finishes last deletes it.
struct Holder {
    std::shared_ptr<Pending> pending;
};

// libunbound completion callback: hands the result to the waiter (who times out if it cannot).
void on_result(void* mydata, int err, ub_result* result) noexcept {
    auto* holder = static_cast<Holder*>(mydata);
    bool handed = util::barrier("libunbound.result", false, [&] {
        std::lock_guard lock(holder->pending->mu);
        holder->pending->done = true;
        holder->pending->err = err;
        holder->pending->result = result;
        return true;
    });
    if (!handed) ub_resolve_free(result);
    holder->pending->cv.notify_all();
    delete holder;
}

// True when NAME is a syntactically usable query name.
bool valid_query_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxName + 1) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '.') {
            if (label == 0 && !(i == 0 && name.size() == 1)) return false;
            label = 0;
        } else if (++label > 63 || name[i] == '\0') {
            return false;
        }
    }
    return true;
}

// Turns a libunbound result into an Answer value.
Answer decode(const ub_result& r, std::uint16_t type) {
    Answer a;
    a.rcode = r.rcode;
    a.ttl = r.ttl > 0 ? static_cast<std::uint32_t>(r.ttl) : 0;
    a.secure = r.secure != 0;
    a.bogus = r.bogus != 0;
    if (r.answer_packet != nullptr && r.answer_len > 0) {
        auto* p = static_cast<const std::uint8_t*>(r.answer_packet);
        a.wire.assign(p, p + r.answer_len);
    }
    if (r.bogus) {
        a.status = Status::temperror;
        a.error = r.why_bogus ? r.why_bogus : "DNSSEC bogus";
        return a;
    }
    if (r.rcode == 3 || r.nxdomain) {
        a.status = Status::nxdomain;
        return a;
    }
    if (r.rcode != 0) {
        a.status = Status::temperror;
        a.error = "rcode " + std::to_string(r.rcode);
        return a;
    }
    if (!r.havedata || r.data == nullptr) {
        a.status = Status::nodata;
        return a;
    }
    for (int i = 0; r.data[i] != nullptr && i < kMaxRecords; ++i) {
        std::span<const std::uint8_t> rd(reinterpret_cast<const std::uint8_t*>(r.data[i]),
                                         static_cast<std::size_t>(r.len[i]));
        a.rdata.emplace_back(rd.begin(), rd.end());
        std::size_t used = 0;
        switch (type) {
            case 16:
            case 99:
                if (auto t = rdata_txt(rd)) a.texts.push_back(std::move(*t));
                break;
            case 1:
            case 28:
                if (auto s = rdata_address(rd)) a.addresses.push_back(std::move(*s));
                break;
            case 2:
            case 5:
            case 12:
                if (auto n = rdata_name(rd, used)) a.names.push_back(std::move(*n));
                break;
            case 15:
                if (rd.size() > 2) {
                    if (auto n = rdata_name(rd.subspan(2), used)) {
                        a.mx.push_back(
                            {static_cast<std::uint16_t>((rd[0] << 8) | rd[1]), std::move(*n)});
                    }
                }
                break;
            default:
                break;
        }
    }
    a.status = a.rdata.empty() ? Status::nodata : Status::ok;
    return a;
}

}  // namespace

// libunbound context plus the thread that pumps its answers.
struct Resolver::Impl {
    ub_ctx* ctx = nullptr;
    int wake[2] = {-1, -1};
    std::atomic<bool> stop{false};
    std::thread pump;

    // Polls the libunbound fd and dispatches callbacks until stopped.
    void run() {
        while (!stop.load()) {
            pollfd fds[2] = {{ub_fd(ctx), POLLIN, 0}, {wake[0], POLLIN, 0}};
            int n = ::poll(fds, 2, 200);
            if (n > 0 && (fds[0].revents & POLLIN)) ub_process(ctx);
        }
    }

    // Stops the pump and frees the context.
    ~Impl() {
        if (pump.joinable()) {
            stop.store(true);
            char c = 'x';
            [[maybe_unused]] auto w = ::write(wake[1], &c, 1);
            pump.join();
        }
        if (ctx != nullptr) ub_ctx_delete(ctx);
        if (wake[0] >= 0) ::close(wake[0]);
        if (wake[1] >= 0) ::close(wake[1]);
    }
};

// Returns the lower-case name of a status.
std::string type_name(std::uint16_t type) {
    switch (static_cast<RrType>(type)) {
        case RrType::a:
            return "A";
        case RrType::ns:
            return "NS";
        case RrType::cname:
            return "CNAME";
        case RrType::ptr:
            return "PTR";
        case RrType::mx:
            return "MX";
        case RrType::txt:
            return "TXT";
        case RrType::aaaa:
            return "AAAA";
        case RrType::spf:
            return "SPF";
    }
    return "TYPE" + std::to_string(type);
}

std::string_view status_name(Status s) {
    switch (s) {
        case Status::ok:
            return "ok";
        case Status::nodata:
            return "nodata";
        case Status::nxdomain:
            return "nxdomain";
        case Status::temperror:
            return "temperror";
        case Status::permerror:
            return "permerror";
    }
    return "unknown";
}

// Names what came back.
std::string outcome_name(const Answer& a) {
    switch (a.status) {
        case Status::ok:
        case Status::nodata:
        case Status::nxdomain:
            return std::string(status_name(a.status));
        case Status::permerror:
            return "invalid";
        case Status::temperror:
            break;
    }
    if (a.timed_out) return "timeout";
    if (a.bogus) return "bogus";
    if (a.rcode == 2) return "servfail";
    if (a.rcode == 5) return "refused";
    if (a.rcode != 0) return "rcode " + std::to_string(a.rcode);
    return "error";
}

// True when no usable answer came.
bool no_answer(const Answer& a) {
    return a.status == Status::temperror;
}

// Stores the configuration; the context is built by create().
Resolver::Resolver(ResolverConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

// Stops the pump thread and frees libunbound state.
Resolver::~Resolver() = default;

// Builds the libunbound context from CONFIG.
std::unique_ptr<Resolver> Resolver::create(const ResolverConfig& config, std::string& error) {
    std::unique_ptr<Resolver> r(new Resolver(config));
    Impl& im = *r->impl_;
    im.ctx = ub_ctx_create();
    if (im.ctx == nullptr) {
        error = "ub_ctx_create failed";
        return nullptr;
    }
    // Fails the build with a message naming the step.
    auto check = [&](int rc, std::string_view what) {
        if (rc == 0) return true;
        error = std::string(what) + ": " + ub_strerror(rc);
        return false;
    };
    if (config.cache_max_ttl < config.cache_min_ttl) {
        error = "cache max TTL below min TTL";
        return nullptr;
    }
    if (!check(ub_ctx_set_option(im.ctx,
                                 "cache-min-ttl:", std::to_string(config.cache_min_ttl).c_str()),
               "cache-min-ttl") ||
        !check(ub_ctx_set_option(im.ctx,
                                 "cache-max-ttl:", std::to_string(config.cache_max_ttl).c_str()),
               "cache-max-ttl") ||
        !check(ub_ctx_set_option(im.ctx, "do-not-query-localhost:", "no"),
               "do-not-query-localhost") ||
        // Private reverse zones go to the configured nameservers (internal DNS) too.
        !check(ub_ctx_set_option(im.ctx, "unblock-lan-zones:", "yes"), "unblock-lan-zones") ||
        !check(ub_ctx_set_option(im.ctx, "insecure-lan-zones:", "yes"), "insecure-lan-zones")) {
        return nullptr;
    }
    if (config.nameservers.empty()) {
        if (!check(ub_ctx_resolvconf(im.ctx, nullptr), "resolv.conf")) return nullptr;
    } else {
        for (const auto& ns : config.nameservers) {
            if (!check(ub_ctx_set_fwd(im.ctx, ns.c_str()), "nameserver " + ns)) return nullptr;
        }
    }
    if (!check(ub_ctx_async(im.ctx, 1), "async")) return nullptr;
    // The built-in test. zone answers NXDOMAIN for every .test name; drop it.
    for (std::string zone : {std::string("test.")}) {
        ub_ctx_zone_remove(im.ctx, zone.c_str());
    }
    for (const auto& zone : config.remove_local_zones)
        ub_ctx_zone_remove(im.ctx, zone.c_str());
    if (::pipe(im.wake) != 0) {
        error = "pipe failed";
        return nullptr;
    }
    im.pump = std::thread([&im] { util::barrier("dns.pump", [&im] { im.run(); }); });
    return r;
}

// Looks up NAME/TYPE and tells the on_answer observer what came back.
Answer Resolver::query(std::string_view name, std::uint16_t type,
                       std::chrono::milliseconds limit) const {
    Answer a = lookup(name, type, limit);
    if (config_.on_answer) config_.on_answer(name, type, a);
    return a;
}

// Looks up NAME/TYPE with a hard deadline.
Answer Resolver::lookup(std::string_view name, std::uint16_t type,
                        std::chrono::milliseconds limit) const {
    Answer a;
    if (!valid_query_name(name)) {
        a.status = Status::permerror;
        a.error = "invalid query name";
        return a;
    }
    auto pending = std::make_shared<Pending>();
    auto* holder = new Holder{pending};
    int id = 0;
    std::string qname(name);
    int rc = ub_resolve_async(impl_->ctx, qname.c_str(), type, 1, holder, on_result, &id);
    if (rc != 0) {
        delete holder;
        a.status = Status::temperror;
        a.error = std::string("resolve: ") + ub_strerror(rc);
        return a;
    }
    std::unique_lock lock(pending->mu);
    auto wait = config_.timeout;
    if (limit.count() > 0 && limit < wait) wait = limit;
    bool done = pending->cv.wait_for(lock, wait, [&] { return pending->done; });
    if (!done) {
        lock.unlock();
        // A successful cancel means the callback never runs: the holder is ours to free.
        if (ub_cancel(impl_->ctx, id) == 0) delete holder;
        a.status = Status::temperror;
        a.timed_out = true;
        a.error = "timeout";
        if (config_.on_timeout) config_.on_timeout(name, type, wait);
        return a;
    }
    if (pending->err != 0 || pending->result == nullptr) {
        a.status = Status::temperror;
        a.error = ub_strerror(pending->err);
        return a;
    }
    return decode(*pending->result, type);
}

// Builds the reverse-lookup name of an address.
std::string reverse_name(std::string_view address) {
    std::string s(address);
    std::uint8_t buf[16];
    char out[80];
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
        std::snprintf(out, sizeof out, "%u.%u.%u.%u.in-addr.arpa", buf[3], buf[2], buf[1], buf[0]);
        return out;
    }
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string r;
        for (int i = 15; i >= 0; --i) {
            r += hex[buf[i] & 0xf];
            r += '.';
            r += hex[buf[i] >> 4];
            r += '.';
        }
        return r + "ip6.arpa";
    }
    return {};
}

// Reverse lookup of an address.
Answer Resolver::query_ptr(std::string_view address) const {
    std::string name = reverse_name(address);
    if (name.empty()) {
        Answer a;
        a.status = Status::permerror;
        a.error = "not an IP address";
        return a;
    }
    return query(name, RrType::ptr);
}

}  // namespace mxpulse::dns
