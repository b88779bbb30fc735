// Single-thread throughput of dsn::parse over the bounce corpus, compared with Sisimai on the same
// files.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "dsn/parse.hpp"

namespace {

// Reads every .eml file under dir (recursively) into memory; returns their paths too.
std::vector<std::pair<std::string, std::string>> load(const std::filesystem::path& dir) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().extension() != ".eml") continue;
        std::ifstream in(e.path(), std::ios::binary);
        out.emplace_back(e.path().string(), std::string{std::istreambuf_iterator<char>(in),
                                                        std::istreambuf_iterator<char>()});
    }
    return out;
}

// Messages per second of a run, by wall clock and by CPU time of the process.
struct Rate {
    double wall = 0;
    double cpu = 0;
};

// Runs the Sisimai script over the files; returns its rates (0 when it failed).
Rate sisimai_rate(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string cmd = "perl '" MXPULSE_SISIMAI_SCRIPT "'";
    for (const auto& f : files)
        cmd += " '" + f.first + "'";
    cmd += " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return {};
    long n = 0;
    double seconds = 0;
    double cpu = 0;
    const int got = std::fscanf(p, "%ld %lf %lf", &n, &seconds, &cpu);
    pclose(p);
    if (got < 2 || seconds <= 0) return {};
    return {static_cast<double>(n) / seconds, got == 3 && cpu > 0 ? n / cpu : 0};
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1])
                 : std::filesystem::path(MXPULSE_SHARED_DIR) / "corpus" / "bounces";
    if (!std::filesystem::exists(dir)) {
        std::cerr << "dsn_bench: corpus not found at " << dir << "\n";
        return 2;
    }
    const auto files = load(dir);
    std::size_t bytes = 0;
    for (const auto& f : files)
        bytes += f.second.size();
    if (files.empty()) {
        std::cerr << "dsn_bench: no .eml files under " << dir << "\n";
        return 2;
    }
    // Warm up once, then repeat whole passes for at least MXPULSE_BENCH_SECONDS (default 2).
    const char* env = std::getenv("MXPULSE_BENCH_SECONDS");
    const double min_seconds = env ? std::atof(env) : 2.0;
    std::size_t sink = 0;
    for (const auto& f : files)
        sink += mxpulse::dsn::parse(f.second).recipients.size();
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    std::size_t passes = 0;
    double elapsed = 0;
    do {
        for (const auto& f : files)
            sink += mxpulse::dsn::parse(f.second).recipients.size();
        ++passes;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (elapsed < min_seconds);
    const double cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double msgs = static_cast<double>(files.size() * passes) / elapsed;
    const double cpu_msgs =
        cpu_seconds > 0 ? static_cast<double>(files.size() * passes) / cpu_seconds : 0;
    const double mbs = static_cast<double>(bytes * passes) / elapsed / 1e6;
    std::printf(
        "mxpulse: %zu files, %.2f MB, %zu passes in %.2f s: %.0f msgs/s, %.1f MB/s (sink %zu)\n",
        files.size(), bytes / 1e6, passes, elapsed, msgs, mbs, sink);
    std::printf("mxpulse: %.0f msgs/s by CPU time (%.2f s)\n", cpu_msgs, cpu_seconds);
    if (std::getenv("MXPULSE_BENCH_NO_SISIMAI")) return 0;
    const Rate sisimai = sisimai_rate(files);
    if (sisimai.wall <= 0) {
        std::printf("sisimai: not available (perl -MSisimai failed)\n");
        return 1;
    }
    std::printf("sisimai: %.1f msgs/s (same files, perl, startup excluded)\n", sisimai.wall);
    if (sisimai.cpu > 0) std::printf("sisimai: %.1f msgs/s by CPU time\n", sisimai.cpu);
    std::printf("ratio: %.0fx\n", msgs / sisimai.wall);
    // On a shared machine the wall clock of each run depends on the others' load; CPU time less.
    if (sisimai.cpu > 0 && cpu_msgs > 0)
        std::printf("ratio by CPU time: %.0fx\n", cpu_msgs / sisimai.cpu);
    return 0;
}
