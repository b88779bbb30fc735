// Provider throttling and block codes in a reply (Yahoo [TSS04], Gmail 4.7.28, Microsoft S3150).
#include "dsn/provider_patterns.hpp"

#include <algorithm>
#include <array>

#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Yahoo / AOL codes in square brackets and their pattern names (Yahoo Sender Hub error codes).
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kYahoo = {{
    {"[TSS04]", "yahoo-tss04"},
    {"[TSS05]", "yahoo-tss05"},
    {"[TS01]", "yahoo-ts01"},
    {"[TS02]", "yahoo-ts02"},
    {"[TS03]", "yahoo-ts03"},
    {"[IPTS04]", "yahoo-ipts04"},
    {"[BL21]", "yahoo-bl21"},
    {"[PH01]", "yahoo-ph01"},
}};

// Gmail's authentication and TLS codes (Gmail SMTP error reference), either class.
constexpr std::array<std::string_view, 6> kGmailCodes = {"7.26", "7.27", "7.29",
                                                         "7.30", "7.32", "7.40"};

// What a 4.7.28 reply says is throttled, by the words that name it; the first that occurs wins.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kGmailEntities = {{
    {"dkim domain", "dkim-domain"},
    {"spf domain", "spf-domain"},
    {"url domain", "url-domain"},
    {"netblock", "netblock"},
    {"ip address", "ip"},
}};

// Returns true when the enhanced status class.code ("4.7.28" from "7.28") occurs in text as a
// code of its own (4.x or 5.x, not part of a longer number).
bool has_code(std::string_view text, std::string_view tail) {
    for (std::size_t at = text.find(tail); at != std::string_view::npos;
         at = text.find(tail, at + 1)) {
        if (at < 2 || text[at - 1] != '.' || (text[at - 2] != '4' && text[at - 2] != '5')) continue;
        if (at >= 3 && text[at - 3] >= '0' && text[at - 3] <= '9') continue;
        const std::size_t end = at + tail.size();
        if (end < text.size() && text[end] >= '0' && text[end] <= '9') continue;
        return true;
    }
    return false;
}

// Returns true when the reply or remote MTA is Google's.
bool from_google(std::string_view text, std::string_view remote_mta) {
    for (std::string_view mark : {"gsmtp", "google.com", "gmail"})
        if (util::ifind(text, mark) != std::string_view::npos ||
            util::ifind(remote_mta, mark) != std::string_view::npos)
            return true;
    return false;
}

}  // namespace

// Returns the pattern names of the providers' throttling and block codes a reply carries.
std::vector<std::string> provider_patterns(std::string_view text, std::string_view remote_mta) {
    std::vector<std::string> out;
    for (const auto& [code, name] : kYahoo)
        if (text.find(code) != std::string_view::npos) out.emplace_back(name);
    if (from_google(text, remote_mta)) {
        if (has_code(text, "7.28")) {
            std::string name = "gmail-4.7.28";
            for (const auto& [words, entity] : kGmailEntities)
                if (util::ifind(text, words) != std::string_view::npos) {
                    name += "-" + std::string(entity);
                    break;
                }
            out.push_back(std::move(name));
        }
        for (std::string_view code : kGmailCodes)
            if (has_code(text, code)) out.push_back("gmail-4." + std::string(code));
    }
    if (text.find("(S3150)") != std::string_view::npos) out.emplace_back("microsoft-s3150");
    if (text.find("(S3140)") != std::string_view::npos) out.emplace_back("microsoft-s3140");
    if (has_code(text, "7.650")) out.emplace_back("microsoft-4.7.650");
    if (has_code(text, "7.515")) out.emplace_back("microsoft-5.7.515");
    return out;
}

// Appends the provider patterns of r's diagnostic to r.patterns (each once).
void add_provider_patterns(Recipient& r) {
    for (auto& p : provider_patterns(r.diagnostic, r.remote_mta))
        if (std::find(r.patterns.begin(), r.patterns.end(), p) == r.patterns.end())
            r.patterns.push_back(std::move(p));
}

}  // namespace mxpulse::dsn
