// The queue seen by one `postqueue -j` scan, per destination domain and per provider, qshape-style.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "postlog/queue_line.hpp"

namespace mxpulse::postlog {

// Upper bounds (minutes) of the age columns of a row, as qshape prints them; the last column
// holds the older ones.
inline constexpr std::array<int, 9> kQueueAgeBuckets{5, 10, 20, 40, 80, 160, 320, 640, 1280};

// What the queue holds for one domain or provider. Messages are counted once per key, reasons
// once per recipient still deferred.
struct QueueGroup {
    std::string provider;  // of a domain row
    std::uint64_t deferred = 0, active = 0, hold = 0, other = 0;
    std::int64_t oldest_arrival = 0;                // of its deferred messages; 0: none
    std::array<std::uint64_t, 10> ages{};           // deferred messages by kQueueAgeBuckets
    std::map<std::string, std::uint64_t> reasons;   // classified delay reasons
    std::map<std::string, std::uint64_t> patterns;  // provider throttling and block codes
    std::string example;                            // the last delay reason seen, cut
};

// Returns the provider of a destination domain.
using QueueProviderOf = std::function<std::string(const std::string& domain)>;

// One scan's view, built message by message; at most max_keys domains (and providers) get a row
// of their own, the rest are summed in "other".
class QueueView {
  public:
    QueueView(std::size_t max_keys, std::int64_t now, QueueProviderOf provider_of)
        : max_(max_keys < 1 ? 1 : max_keys), now_(now), provider_of_(std::move(provider_of)) {}

    // Counts one message.
    void add(const QueuedMessage& m);

    // Returns the view by domain or by provider, rows by deferred messages, worst first.
    nlohmann::json to_json(bool by_provider) const;

    // One row for the metrics: key, deferred messages and the oldest one's age in seconds.
    struct Row {
        std::string key;
        std::uint64_t deferred = 0;
        std::int64_t oldest_age_s = 0;
    };

    // Returns the rows by provider (or domain), worst first.
    std::vector<Row> rows(bool by_provider) const;

    std::int64_t now() const { return now_; }
    std::uint64_t messages() const { return messages_; }
    std::uint64_t deferred() const { return deferred_; }

  private:
    // Returns the group of a key in map, creating it or falling back to "other" at the bound.
    QueueGroup& group(std::unordered_map<std::string, QueueGroup>& map, const std::string& key,
                      std::uint64_t& folded);

    // Counts message m (whose recipients for this key are rcpts) into g.
    void count(QueueGroup& g, const QueuedMessage& m,
               const std::vector<const QueuedRecipient*>& rcpts);

    // Returns the classified reason and patterns of a delay reason (cached per scan).
    const std::pair<std::string, std::vector<std::string>>& classify(const std::string& text);

    std::size_t max_;
    std::int64_t now_;
    QueueProviderOf provider_of_;
    std::unordered_map<std::string, QueueGroup> domains_, providers_;
    std::unordered_map<std::string, std::pair<std::string, std::vector<std::string>>> cache_;
    std::uint64_t messages_ = 0, deferred_ = 0;
    // Messages counted under "other" for a domain (provider) beyond the bound.
    std::uint64_t folded_domains_ = 0, folded_providers_ = 0;
};

}  // namespace mxpulse::postlog
