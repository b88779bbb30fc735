// The trace store: what is known of each queue id from the log (and the milter), bounded.
#include "postlog/tracker.hpp"

#include "util/strings.hpp"

namespace mxpulse::postlog {

TraceEntry& Tracker::touch(const std::string& queue_id, std::int64_t t) {
    auto it = index_.find(queue_id);
    if (it != index_.end()) {
        it->second->last_seen = std::max(it->second->last_seen, t);
        return *it->second;
    }
    while (!entries_.empty() && entries_.size() >= options_.max_queue_ids) {
        index_.erase(entries_.front().queue_id);
        entries_.pop_front();
        ++evictions_;
    }
    entries_.push_back(TraceEntry{});
    TraceEntry& e = entries_.back();
    e.queue_id = queue_id;
    e.first_seen = e.last_seen = t;
    index_.emplace(queue_id, std::prev(entries_.end()));
    return e;
}

void Tracker::attempt(const std::string& queue_id, TraceAttempt a) {
    std::lock_guard lock(mutex_);
    TraceEntry& e = touch(queue_id, a.time);
    if (a.status == Status::sent || a.status == Status::bounced)
        e.final_state = std::string(status_name(a.status));
    if (e.attempts.size() >= options_.max_attempts) {
        e.attempts.erase(e.attempts.begin());
        ++e.attempts_dropped;
    }
    e.attempts.push_back(std::move(a));
}

void Tracker::sender(const std::string& queue_id, const std::string& from, std::int64_t t) {
    std::lock_guard lock(mutex_);
    TraceEntry& e = touch(queue_id, t);
    e.sender = from;
    e.sender_seen = true;
}

void Tracker::message_id(const std::string& queue_id, const std::string& id, std::int64_t t) {
    std::lock_guard lock(mutex_);
    touch(queue_id, t).message_id = id;
}

void Tracker::expired(const std::string& queue_id, std::int64_t t) {
    std::lock_guard lock(mutex_);
    touch(queue_id, t).final_state = "expired";
}

void Tracker::removed(const std::string& queue_id, std::int64_t t) {
    std::lock_guard lock(mutex_);
    touch(queue_id, t).removed = true;
}

void Tracker::milter(const std::string& queue_id, const std::string& message_id,
                     const std::string& direction, nlohmann::json auth, std::int64_t t) {
    std::lock_guard lock(mutex_);
    TraceEntry& e = touch(queue_id, t);
    if (e.message_id.empty()) e.message_id = message_id;
    e.milter_direction = direction;
    e.milter_seen = t;
    e.milter_auth = std::move(auth);
}

std::vector<TraceAttempt> Tracker::still_deferred(const std::string& queue_id) const {
    std::lock_guard lock(mutex_);
    std::vector<TraceAttempt> out;
    auto it = index_.find(queue_id);
    if (it == index_.end()) return out;
    const auto& attempts = it->second->attempts;
    for (auto a = attempts.rbegin(); a != attempts.rend(); ++a) {
        bool seen = false;
        for (const TraceAttempt& o : out)
            seen = seen || o.recipient == a->recipient;
        bool later = false;  // a newer attempt of this recipient was not a deferral
        for (auto b = attempts.rbegin(); b != a; ++b)
            later = later || b->recipient == a->recipient;
        if (!seen && !later && a->status == Status::deferred) out.push_back(*a);
    }
    return out;
}

namespace {
// Returns true when an entry answers to id (queue id, Message-ID or a recipient).
bool matches(const TraceEntry& e, std::string_view id) {
    if (e.queue_id == id) return true;
    std::string_view mid = util::strip_angles(e.message_id);
    if (!mid.empty() && (e.message_id == id || mid == util::strip_angles(id))) return true;
    for (const TraceAttempt& a : e.attempts)
        if (util::iequals(a.recipient, id) || util::iequals(a.orig_recipient, id)) return true;
    return false;
}
}  // namespace

std::vector<TraceEntry> Tracker::find(std::string_view id, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<TraceEntry> out;
    for (const TraceEntry& e : entries_) {
        if (!matches(e, id)) continue;
        out.push_back(e);
        if (out.size() >= limit) break;
    }
    return out;
}

std::size_t Tracker::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::uint64_t Tracker::evictions() const {
    std::lock_guard lock(mutex_);
    return evictions_;
}

nlohmann::json to_json(const TraceEntry& e) {
    nlohmann::json attempts = nlohmann::json::array();
    for (const TraceAttempt& a : e.attempts) {
        attempts.push_back({{"time", a.time},
                            {"recipient", a.recipient},
                            {"orig_recipient", a.orig_recipient},
                            {"relay", a.relay},
                            {"relay_ip", a.relay_ip},
                            {"status", status_name(a.status)},
                            {"dsn", a.dsn},
                            {"reply", a.reply},
                            {"reason", a.reason},
                            {"patterns", a.patterns},
                            {"delay_s", a.delay}});
    }
    nlohmann::json milter = nullptr;
    if (e.milter_seen != 0)
        milter = {
            {"seen", e.milter_seen}, {"direction", e.milter_direction}, {"auth", e.milter_auth}};
    return {{"queue_id", e.queue_id},
            {"message_id", e.message_id},
            {"sender", e.sender_seen ? nlohmann::json(e.sender) : nlohmann::json(nullptr)},
            {"first_seen", e.first_seen},
            {"last_seen", e.last_seen},
            {"milter", milter},
            {"attempts", attempts},
            {"attempts_dropped", e.attempts_dropped},
            {"final_state", e.final_state.empty() ? "in_queue" : e.final_state},
            {"removed", e.removed}};
}

}  // namespace mxpulse::postlog
