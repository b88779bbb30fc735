// Follows Postfix's log on a thread of its own: lines into the trace store and outcome counts.
#include "log_follower.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "log/logger.hpp"

namespace mxpulse::milter {

std::string position_file_for(const std::string& state_file) {
    return state_file.empty() ? std::string() : state_file + ".postfix-log";
}

postlog::Position load_position(const std::string& file) {
    postlog::Position p;
    if (file.empty()) return p;
    std::ifstream in(file);
    unsigned long long inode = 0, offset = 0;
    if (in >> inode >> offset) p = {inode, offset};
    return p;
}

std::string save_position(const std::string& file, postlog::Position p) {
    std::string tmp = file + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return tmp + ": " + std::strerror(errno);
    bool ok = std::fprintf(f, "%llu %llu\n", static_cast<unsigned long long>(p.inode),
                           static_cast<unsigned long long>(p.offset)) > 0;
    ok = (std::fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
        std::string e = file + ": " + std::strerror(errno);
        std::remove(tmp.c_str());
        return e;
    }
    return {};
}

LogFollower::LogFollower(const config::Config& c, stats::Counters& counters,
                         postlog::ProviderOf provider_of)
    : path_(c.postfix_log_path),
      kind_(c.postfix_log_kind),
      max_line_(static_cast<std::size_t>(c.postfix_log_max_line)),
      max_rate_(static_cast<std::size_t>(c.postfix_log_max_rate)),
      counters_(counters),
      tracker_(postlog::TrackerOptions{static_cast<std::size_t>(c.postfix_log_max_queue_ids), 32}),
      outcomes_(static_cast<std::size_t>(c.max_destinations)),
      ingest_(tracker_, outcomes_, std::move(provider_of)),
      reader_(path_, max_line_) {}

LogFollower::~LogFollower() {
    stop();
}

void LogFollower::start(postlog::Position saved) {
    std::string error = reader_.open(saved);
    note_error(error);
    if (error.empty()) {
        postlog::Position p = reader_.position();
        {
            std::lock_guard lock(mutex_);
            position_ = p;
        }
        log::emit(log::events::postfix_log_following,
                  {log::Field("path", path_), log::Field("kind", kind_),
                   log::Field("inode", static_cast<std::int64_t>(p.inode)),
                   log::Field("offset", static_cast<std::int64_t>(p.offset))});
    }
    thread_ = std::thread([this] { run(); });
}

void LogFollower::stop() {
    {
        std::lock_guard lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

postlog::Position LogFollower::position() const {
    std::lock_guard lock(mutex_);
    return position_;
}

void LogFollower::note_error(const std::string& error) {
    std::lock_guard lock(mutex_);
    if (error == error_) return;
    error_ = error;
    if (!error.empty())
        log::emit(log::events::postfix_log_error,
                  {log::Field("path", path_), log::Field("error", error)});
}

// Counts and logs one bound of the follower.
static void hit(stats::Counters& counters, stats::Limit l, std::int64_t value) {
    counters.count_limit(l);
    log::emit_message(log::events::limit_hit, "",
                      {log::Field("limit", stats::limit_name(l)), log::Field("value", value)});
}

void LogFollower::poll_once() {
    std::int64_t now = std::time(nullptr);
    postlog::PollResult r =
        reader_.poll(max_rate_, [&](std::string_view line) { ingest_.line(line, now, max_line_); });
    note_error(r.error);
    if (r.rotated || r.truncated)
        log::emit(
            log::events::postfix_log_rotated,
            {log::Field("path", path_), log::Field("how", r.rotated ? "rotated" : "truncated")});
    if (r.too_long > 0) {
        ingest_.count_too_long(r.too_long);
        hit(counters_, stats::Limit::postfix_log_line, static_cast<std::int64_t>(max_line_));
    }
    if (r.rate_limited)
        hit(counters_, stats::Limit::postfix_log_rate, static_cast<std::int64_t>(max_rate_));
    std::uint64_t ev = tracker_.evictions();
    if (ev > evictions_seen_) {
        evictions_seen_ = ev;
        hit(counters_, stats::Limit::postfix_log_queue_ids,
            static_cast<std::int64_t>(tracker_.size()));
    }
    if (r.error.empty()) {
        std::lock_guard lock(mutex_);
        position_ = reader_.position();
    }
}

void LogFollower::run() {
    for (;;) {
        try {
            poll_once();
        } catch (const std::exception& e) {
            note_error(std::string("internal: ") + e.what());
        } catch (...) {
            note_error("internal: unknown exception");
        }
        std::unique_lock lock(wake_mutex_);
        if (wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
    }
}

void LogFollower::milter_saw(const pipeline::Outcome& out, std::int64_t now) {
    if (out.queue_id.empty()) return;
    std::string direction, message_id;
    nlohmann::json auth = nullptr;
    for (const pipeline::Event& ev : out.events) {
        if (const auto* seen = std::get_if<pipeline::MessageSeen>(&ev)) {
            direction = std::string(stats::direction_name(seen->direction));
            message_id = seen->message_id;
        } else if (const auto* a = std::get_if<pipeline::OutboundAuth>(&ev)) {
            auth = {{"spf", a->spf},     {"spf_domain", a->spf_domain},   {"dkim", a->dkim},
                    {"dmarc", a->dmarc}, {"from_domain", a->from_domain}, {"action", a->action}};
        }
    }
    if (direction.empty()) return;
    tracker_.milter(out.queue_id, message_id, direction, std::move(auth), now);
}

nlohmann::json LogFollower::status() const {
    postlog::Position p = position();
    std::lock_guard lock(mutex_);
    nlohmann::json j = ingest_.counts().to_json();
    j["path"] = path_;
    j["kind"] = kind_;
    j["error"] = error_;
    j["inode"] = p.inode;
    j["offset"] = p.offset;
    j["queue_ids"] = tracker_.size();
    j["domains"] = outcomes_.tracked();
    return j;
}

}  // namespace mxpulse::milter
