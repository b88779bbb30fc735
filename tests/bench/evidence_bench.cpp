// Evidence store costs: what the milter path pays to queue one NDR, how fast the writer thread
// keeps up, and how long a bundle over 10,000 kept NDRs takes. Not a test: prints figures.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evidence/capture.hpp"
#include "evidence/kept.hpp"
#include "evidence/store.hpp"

using namespace mxpulse;
using Clock = std::chrono::steady_clock;

namespace {

// Returns the microseconds since start.
double us_since(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// A report of one failed recipient, as the DSN parser returns it.
dsn::Report report(int i) {
    dsn::Report r;
    dsn::Recipient k;
    k.recipient = "u" + std::to_string(i) + "@yahoo.com";
    k.action = "failed";
    k.status = "5.4.300";
    k.cause_chain = {"550 5.4.300 Message expired", "421 4.4.2 Connection dropped"};
    k.attempts = {{"2025-09-16T02:03:41+00:00", "mta5.am0.yahoodns.net", "198.51.100.45", "421"}};
    r.recipients.push_back(k);
    return r;
}

}  // namespace

int main() {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) +
                     "/tests/fixtures/bounces/m365-socketerror-received.eml");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string ndr = ss.str();
    std::string t = (std::filesystem::temp_directory_path() / "mxpulse-bench-XXXXXX").string();
    std::filesystem::path dir = ::mkdtemp(t.data());
    const int n = 10'000;
    {
        evidence::StoreOptions o{dir.string()};
        o.queue_max = n;
        evidence::Store store(o);
        store.open(std::time(nullptr));
        auto start = Clock::now();
        for (int i = 0; i < n; ++i) {
            evidence::Counted c{"u" + std::to_string(i) + "@yahoo.com", "yahoo.com", "yahoo", "",
                                ""};
            store.enqueue(evidence::capture(report(i), {c}, std::time(nullptr), "Q", "<id>"), ndr);
        }
        double enqueue = us_since(start);
        start = Clock::now();
        store.start();
        store.flush();
        double write = us_since(start);
        std::printf("NDR of %zu bytes: milter path (capture + enqueue) %.2f us per NDR\n",
                    ndr.size(), enqueue / n);
        std::printf("writer thread: %d NDRs in %.0f ms (%.0f NDRs/s, %.0f us each)\n", n,
                    write / 1000, n / (write / 1e6), write / n);
        evidence::Selection s{"provider", "yahoo", {"yahoo.com"}, 0, INT64_MAX, "", "", false};
        start = Clock::now();
        nlohmann::json b = {{"counts", {{"failed", n}}}};
        evidence::add_kept(b, store, s);
        std::printf("bundle over %zu kept NDRs: %.0f ms, JSON %zu bytes\n", b["ndrs"].size(),
                    us_since(start) / 1000, b.dump().size());
        start = Clock::now();
        evidence::Store reopened(o);
        reopened.open(std::time(nullptr));
        std::printf("open (index %d files): %.0f ms\n", n, us_since(start) / 1000);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
