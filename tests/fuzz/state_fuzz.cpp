// libFuzzer target: arbitrary bytes as the state file, through the streamed reader into a registry.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "stats/registry.hpp"
#include "stats/state_file.hpp"

// With MXPULSE_FUZZ_SEED_DIR set, writes a real state file there as the seed (run.sh does).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* dir = std::getenv("MXPULSE_FUZZ_SEED_DIR");
    if (!dir) return 0;
    mxpulse::stats::Registry r;
    const std::int64_t now = 1'760'000'000;
    for (int i = 0; i < 6; ++i) {
        std::string d = "d" + std::to_string(i) + ".example";
        r.record_outbound(d, i % 2 ? "yahoodns.example" : "", 3, now - i * 600);
        mxpulse::stats::BounceEvent e;
        e.recipient = "u@" + d;
        e.action = i % 3 ? "failed" : "delayed";
        e.status = "5.4.300";
        e.reason = "expired";
        e.family = "transport";
        e.patterns = {"m365-socketerror"};
        e.diagnostic = "550 5.4.300 Message expired";
        e.remote_mta = "mx.example";
        r.record_bounce(d, "", e, now - i * 60);
    }
    std::string error = mxpulse::stats::save_state(std::string(dir) + "/seed-state", r, now);
    if (!error.empty()) std::fprintf(stderr, "state_fuzz: seed: %s\n", error.c_str());
    return 0;
}

// Restores the input into a small registry and reports what was restored; crashes, leaks and a
// registry beyond its bound are findings.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
    if (!f) return 0;
    mxpulse::stats::RegistryOptions options;
    options.max_destinations = 64;
    options.samples = 4;
    options.evidence_bytes = 64 * 1024;
    mxpulse::stats::Registry registry(options);
    std::string why = mxpulse::stats::restore_from(f, registry);
    std::fclose(f);
    if (registry.tracked() > 64) __builtin_trap();
    const std::int64_t now = 1'760'000'000;
    // for_each holds the shard's lock while it calls back, and domain() takes it again: the names
    // are collected first and looked up after (calling domain() inside the callback deadlocked the
    // first input that restored a destination, which was the seed run.sh writes).
    std::vector<std::string> names;
    registry.for_each([&](const std::string& name, const mxpulse::stats::Destination& d) {
        names.push_back(name);
        (void)d.to_json(now, true).dump();
    });
    for (const std::string& name : names) (void)registry.domain(name, now);
    (void)registry.top(10, mxpulse::stats::By::failures, mxpulse::stats::Window::h24,
                       mxpulse::stats::Scope::provider, now);
    return 0;
}
