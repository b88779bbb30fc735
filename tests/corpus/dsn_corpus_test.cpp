// Runs the bounce parser over the shared corpus and compares every recipient with the expectations.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "dsn/parse.hpp"
#include "util/strings.hpp"

namespace {

// Agreement floors (the ratchet): raise them when the parser improves, never lower them.
constexpr double kReasonFloor = 0.98;
constexpr double kStatusFloor = 0.985;
constexpr double kRecipientFloor = 0.984;
constexpr double kBounceFloor = 0.997;

// Counts of one agreement figure.
struct Tally {
    int hit = 0;
    int total = 0;
    // Returns the agreement as a fraction (1 when nothing was compared).
    double rate() const { return total == 0 ? 1.0 : static_cast<double>(hit) / total; }
};

// Reads a whole file into a string; returns false when it cannot be read.
bool slurp(const std::filesystem::path& p, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// Returns the string value of key in j, or "" for null / missing.
std::string str(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return {};
    return j[key].get<std::string>();
}

}  // namespace

TEST(DsnCorpus, AgreesWithExpectations) {
    const std::filesystem::path dir =
        std::filesystem::path(MXPULSE_SHARED_DIR) / "corpus" / "bounces";
    const auto expectations = dir / "expectations.jsonl";
    if (!std::filesystem::exists(expectations))
        GTEST_SKIP() << "CORPUS ABSENT: " << expectations
                     << " not found; set MXPULSE_SHARED_DIR. The corpus test did NOT run.";
    std::ifstream in(expectations);
    Tally reason, status, recipient, bounce;
    std::map<std::string, int> misses_by_format;
    const bool verbose = std::getenv("MXPULSE_CORPUS_VERBOSE") != nullptr;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto e = nlohmann::json::parse(line);
        std::string raw;
        ASSERT_TRUE(slurp(dir / str(e, "file"), raw)) << str(e, "file");
        const auto report = mxpulse::dsn::parse(raw);
        const std::string format = str(e, "format");
        const bool want_bounce = e.value("is_bounce", true);
        ++bounce.total;
        if (report.is_bounce == want_bounce)
            ++bounce.hit;
        else
            ++misses_by_format[format + " (bounce)"];
        const auto& want = e["recipients"];
        for (std::size_t i = 0; i < want.size(); ++i) {
            const auto& w = want[i];
            const bool have = i < report.recipients.size();
            const mxpulse::dsn::Recipient empty;
            const auto& got = have ? report.recipients[i] : empty;
            ++recipient.total;
            if (got.recipient == mxpulse::util::to_lower(str(w, "recipient")) ||
                got.final_recipient == mxpulse::util::to_lower(str(w, "recipient")))
                ++recipient.hit;
            else
                ++misses_by_format[format + " (recipient)"];
            if (!w["reason"].is_null()) {
                ++reason.total;
                if (got.reason == str(w, "reason"))
                    ++reason.hit;
                else {
                    ++misses_by_format[format + " (reason)"];
                    if (verbose)
                        std::cout << "REASON " << str(e, "id") << " want=" << str(w, "reason")
                                  << " got=" << got.reason << " status=" << got.status
                                  << " diag=" << got.diagnostic.substr(0, 160) << "\n";
                }
            }
            if (!w.value("status_is_sisimai_pseudo", false)) {
                ++status.total;
                if (got.status == str(w, "status"))
                    ++status.hit;
                else {
                    ++misses_by_format[format + " (status)"];
                    if (verbose)
                        std::cout << "STATUS " << str(e, "id") << " want=" << str(w, "status")
                                  << " got=" << got.status << "\n";
                }
            }
        }
    }
    std::cout << "corpus: reason " << reason.hit << "/" << reason.total << " = "
              << 100.0 * reason.rate() << "%\n"
              << "corpus: status " << status.hit << "/" << status.total << " = "
              << 100.0 * status.rate() << "%\n"
              << "corpus: recipient " << recipient.hit << "/" << recipient.total << " = "
              << 100.0 * recipient.rate() << "%\n"
              << "corpus: bounce " << bounce.hit << "/" << bounce.total << " = "
              << 100.0 * bounce.rate() << "%\n"
              << "misses by format:\n";
    for (const auto& [format, n] : misses_by_format)
        std::cout << "  " << format << ": " << n << "\n";
    EXPECT_GE(reason.rate(), kReasonFloor);
    EXPECT_GE(status.rate(), kStatusFloor);
    EXPECT_GE(recipient.rate(), kRecipientFloor);
    EXPECT_GE(bounce.rate(), kBounceFloor);
}
