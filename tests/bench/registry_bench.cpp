// Benchmark of the health registry: RSS after 1,000,000 distinct destinations fed through it (with
// the default 100,000 tracked), `top` latency p50/p99 with 100,000 destinations tracked, and the
// snapshot (state file written and read back) at that size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "metrics/exposition.hpp"
#include "stats/registry.hpp"
#include "stats/state_file.hpp"

using namespace mxpulse;

namespace {

// Returns a /proc/self/status field in KiB ("VmRSS", "VmHWM").
long status_kib(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field) + 1));
    }
    return -1;
}

// Returns a failed recipient event like a 5.4.300 <- 4.4.2 bounce.
stats::BounceEvent failed(const std::string& domain, std::int64_t now) {
    stats::BounceEvent e;
    e.recipient = "user@" + domain;
    e.action = "failed";
    e.status = "5.4.300";
    e.cause_status = "4.4.2";
    e.reason = "expired";
    e.family = "transient-expired";
    e.patterns = {"m365-socketerror"};
    e.diagnostic = "550 5.4.300 Message expired -> 421 4.4.2 Connection dropped due to SocketError";
    e.remote_mta = "mx-eu.mail.yahoo.com";
    e.seen_at = now;
    return e;
}

// Returns the p-th percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t feed = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
    std::int64_t now = 1'700'000'000;
    long base_kib = status_kib("VmRSS");
    {
        stats::Registry r;  // defaults: 100,000 tracked, 20 samples each
        auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < feed; ++i) {
            std::string d = "dest" + std::to_string(i) + ".example";
            r.record_outbound(d, "", 1 + static_cast<std::uint32_t>(i % 3),
                              now + static_cast<std::int64_t>(i / 1000));
            if (i % 10 == 0)
                r.record_bounce(d, "", failed(d, now), now + static_cast<std::int64_t>(i / 1000));
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        long rss = status_kib("VmRSS"), hwm = status_kib("VmHWM");
        std::printf(
            "registry_memory: fed %zu distinct destinations (10%% with a bounce) in %.2f s\n", feed,
            s);
        std::printf("registry_memory: tracked %zu, evicted %llu\n", r.tracked(),
                    static_cast<unsigned long long>(r.evictions()));
        std::printf(
            "registry_memory: RSS %.1f MiB (process %.1f MiB, peak %.1f MiB, baseline %.1f "
            "MiB); target < 64 MiB\n",
            static_cast<double>(rss - base_kib) / 1024.0, rss / 1024.0, hwm / 1024.0,
            base_kib / 1024.0);

        // top latency with the registry full (100,000 tracked).
        std::int64_t at = now + static_cast<std::int64_t>(feed / 1000);
        std::vector<double> ms;
        for (int round = 0; round < 200; ++round) {
            auto t0 = std::chrono::steady_clock::now();
            auto j = r.top(10, round % 2 ? stats::By::rate : stats::By::failures,
                           stats::Window::m15, stats::Scope::domain, at);
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
            if (j["rows"].empty()) return 1;
        }
        std::sort(ms.begin(), ms.end());
        std::printf("top_latency: %zu destinations tracked, 200 calls: p50 %.2f ms, p99 %.2f ms\n",
                    r.tracked(), percentile(ms, 0.50), percentile(ms, 0.99));

        ms.clear();
        for (int round = 0; round < 50; ++round) {
            auto t0 = std::chrono::steady_clock::now();
            auto j = r.top(10, stats::By::failures, stats::Window::m15, stats::Scope::provider, at);
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::sort(ms.begin(), ms.end());
        std::printf(
            "top_latency: scope=provider (every domain its own provider), 50 calls: p50 "
            "%.2f ms, p99 %.2f ms\n",
            percentile(ms, 0.50), percentile(ms, 0.99));

        stats::Counters c;
        std::vector<double> scrape;
        std::size_t bytes = 0;
        for (int round = 0; round < 20; ++round) {
            auto t0 = std::chrono::steady_clock::now();
            bytes = metrics::render({c, r, 20, at}).size();
            scrape.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::sort(scrape.begin(), scrape.end());
        std::printf(
            "metrics_render: %zu destinations tracked, top 20: p50 %.2f ms, p99 %.2f ms, "
            "%zu bytes\n",
            r.tracked(), percentile(scrape, 0.50), percentile(scrape, 0.99), bytes);

        // The snapshot: written (fsync and rename included) and restored, 5 rounds each.
        char dir[] = "/tmp/mxpulse-registry-bench-XXXXXX";
        if (!mkdtemp(dir)) return 1;
        const std::string state = std::string(dir) + "/state.cbor";
        std::vector<double> save_s, load_s;
        for (int round = 0; round < 5; ++round) {
            auto t0 = std::chrono::steady_clock::now();
            if (!stats::save_state(state, r, at).empty()) return 1;
            auto t1 = std::chrono::steady_clock::now();
            stats::Registry back;
            if (stats::load_state(state, back, at).destinations != r.tracked()) return 1;
            auto t2 = std::chrono::steady_clock::now();
            save_s.push_back(std::chrono::duration<double>(t1 - t0).count());
            load_s.push_back(std::chrono::duration<double>(t2 - t1).count());
        }
        std::ifstream size_of(state, std::ios::binary | std::ios::ate);
        const double file_mib = static_cast<double>(size_of.tellg()) / 1048576.0;
        std::remove(state.c_str());
        std::remove(dir);
        std::sort(save_s.begin(), save_s.end());
        std::sort(load_s.begin(), load_s.end());
        std::printf(
            "snapshot: %zu destinations, %.1f MiB file: save p50 %.3f s (max %.3f), restore p50 "
            "%.3f s (max %.3f); target save < 1 s\n",
            r.tracked(), file_mib, percentile(save_s, 0.5), save_s.back(), percentile(load_s, 0.5),
            load_s.back());
    }
    return 0;
}
