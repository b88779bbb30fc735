// Organisational domains (RFC 7489 3.2) from the Public Suffix List via libpsl.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mxpulse::auth {

// A loaded Public Suffix List; immutable and thread-safe once built.
class PublicSuffixList {
  public:
    // Loads PATH, or the system list when PATH is empty; nullptr and ERROR on failure.
    static std::unique_ptr<PublicSuffixList> load(const std::string& path, std::string& error);
    ~PublicSuffixList();
    PublicSuffixList(const PublicSuffixList&) = delete;
    PublicSuffixList& operator=(const PublicSuffixList&) = delete;

    // The registrable domain of DOMAIN (suffix plus one label); nullopt when there is none.
    std::optional<std::string> registrable_domain(std::string_view domain) const;
    // The organisational domain: the registrable domain, or the normalised name itself.
    std::string organizational_domain(std::string_view domain) const;

  private:
    PublicSuffixList() = default;
    void* psl_ = nullptr;
    bool owned_ = false;
};

// Lower-cases ASCII letters and strips leading/trailing dots.
std::string normalize_domain(std::string_view domain);

}  // namespace mxpulse::auth
