#include "stats/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxpulse::stats {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint32_t kMaxRecord = 1u << 20;  // larger lengths are damage

// FNV-1a over a record's payload: enough to tell a torn or damaged write.
std::uint32_t checksum(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s)
        h = (h ^ c) * 16777619u;
    return h;
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

// Frames a record: length, checksum, CBOR payload.
std::string frame(const json& record) {
    std::vector<std::uint8_t> cbor = json::to_cbor(record);
    std::string out;
    out.reserve(cbor.size() + 8);
    std::string_view payload(reinterpret_cast<const char*>(cbor.data()), cbor.size());
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, checksum(payload));
    out.append(payload);
    return out;
}

json event_json(const BounceEvent& e) {
    return json::array({e.recipient, e.action, e.status, e.reply_code, e.reason, e.family,
                        e.cause_status, e.patterns, e.diagnostic, e.remote_mta, e.last_attempt,
                        e.queue_id, e.bounce_message_id, e.original_message_id, e.seen_at,
                        e.time_to_bounce_s, e.original_sender});
}

BounceEvent event_from(const json& j) {
    BounceEvent e;
    std::size_t i = 0;
    for (std::string* f :
         {&e.recipient, &e.action, &e.status, &e.reply_code, &e.reason, &e.family, &e.cause_status})
        *f = j.at(i++).get<std::string>();
    e.patterns = j.at(i++).get<std::vector<std::string>>();
    for (std::string* f : {&e.diagnostic, &e.remote_mta, &e.last_attempt, &e.queue_id,
                           &e.bounce_message_id, &e.original_message_id})
        *f = j.at(i++).get<std::string>();
    e.seen_at = j.at(i++).get<std::int64_t>();
    e.time_to_bounce_s = j.at(i++).get<std::int64_t>();
    e.original_sender = j.at(i++).get<std::string>();
    return e;
}

// Where the restored snapshot stands in the journal: for each shard, the ordinal (over all
// segments) of its mark, or kNoMark where the snapshot left none (its changes are all applied).
struct Marks {
    static constexpr std::uint64_t kNoMark = ~std::uint64_t{0};
    std::array<std::uint64_t, Registry::kShards> at;
    std::uint64_t last = 0;  // the last mark's ordinal: a reset before it is held by the snapshot
    bool any = false;
    Marks() { at.fill(kNoMark); }

    // Whether the change at ordinal of a shard's domain is held by the snapshot.
    bool held(std::size_t shard, std::uint64_t ordinal) const {
        return at[shard] != kNoMark && ordinal < at[shard];
    }
};

enum class Applied { change, held, mark };

// Applies one decoded record at ordinal unless the snapshot holds it. Throws on a record of the
// wrong shape.
Applied apply_record(const json& r, std::uint64_t ordinal, const Marks& marks, Registry& registry) {
    const std::string op = r.at(0).get<std::string>();
    if (op == "m") return Applied::mark;
    if ((op == "o" || op == "b") &&
        marks.held(Registry::shard_index(r.at(1).get<std::string>()), ordinal))
        return Applied::held;
    if (op == "r" && marks.any && ordinal < marks.last) return Applied::held;
    if (op == "o")
        registry.record_outbound(r.at(1).get<std::string>(), r.at(2).get<std::string>(),
                                 r.at(3).get<std::uint32_t>(), r.at(4).get<std::int64_t>());
    else if (op == "b")
        registry.record_bounce(r.at(1).get<std::string>(), r.at(2).get<std::string>(),
                               event_from(r.at(3)), r.at(4).get<std::int64_t>(),
                               r.size() > 5 ? r.at(5).get<std::int64_t>() : 0);  // 0: unmatched
    else if (op == "p")
        registry.set_provider(r.at(1).get<std::string>(), r.at(2).get<std::string>());
    else if (op == "r")
        registry.reset(r.at(1).get<std::string>());
    else
        throw std::runtime_error("unknown record " + op);
    return Applied::change;
}

// Notes record r at ordinal if it is one of snapshot's marks.
void note_mark(const json& r, std::uint64_t ordinal, std::uint64_t snapshot, Marks& marks) {
    if (r.at(0).get<std::string>() != "m" || r.at(1).get<std::uint64_t>() != snapshot) return;
    std::uint64_t shard = r.at(2).get<std::uint64_t>();
    if (shard >= Registry::kShards) throw std::runtime_error("mark of an unknown shard");
    marks.at[shard] = ordinal;
    marks.last = ordinal;
    marks.any = true;
}

// The journal segments beside state_path, by number.
std::vector<std::pair<std::uint64_t, fs::path>> segments(const std::string& state_path) {
    std::vector<std::pair<std::uint64_t, fs::path>> out;
    fs::path p(state_path);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    const std::string prefix = p.filename().string() + ".journal.";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        std::string digits = name.substr(prefix.size());
        if (!std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; }) ||
            digits.size() > 18)
            continue;
        out.emplace_back(std::stoull(digits), entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Calls f(record, ordinal) for each record of one segment, counting ordinal on over segments;
// returns "" or where it stopped on damage (a record f throws on is damage too).
std::string each_record(const fs::path& file, std::uint64_t& ordinal,
                        const std::function<void(const json&, std::uint64_t)>& f) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return file.string() + ": cannot be read";
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (data.size() - pos < 8)
            return file.string() + ": truncated record at " + std::to_string(pos);
        std::uint32_t len = get_u32(data.data() + pos);
        std::uint32_t sum = get_u32(data.data() + pos + 4);
        if (len > kMaxRecord || data.size() - pos - 8 < len)
            return file.string() + ": truncated record at " + std::to_string(pos);
        std::string_view payload(data.data() + pos + 8, len);
        if (checksum(payload) != sum)
            return file.string() + ": bad checksum at " + std::to_string(pos);
        try {
            f(json::from_cbor(payload.begin(), payload.end()), ordinal);
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {
            return file.string() + ": bad record at " + std::to_string(pos) + ": " + e.what();
        }
        ++ordinal;
        pos += 8 + len;
    }
    return {};
}

}  // namespace

JournalReplay replay_journal(const std::string& state_path, Registry& registry,
                             std::uint64_t snapshot) noexcept {
    JournalReplay out;
    try {
        const auto files = segments(state_path);
        // First where the snapshot's marks are, then every change it does not hold.
        Marks marks;
        std::uint64_t ordinal = 0;
        for (const auto& [seq, file] : files)
            if (snapshot != 0)
                each_record(file, ordinal, [&](const json& r, std::uint64_t at) {
                    note_mark(r, at, snapshot, marks);
                });
        ordinal = 0;
        for (const auto& [seq, file] : files) {
            ++out.segments;
            std::string why = each_record(file, ordinal, [&](const json& r, std::uint64_t at) {
                Applied a = apply_record(r, at, marks, registry);
                if (a != Applied::mark) ++(a == Applied::change ? out.records : out.held);
            });
            if (!why.empty() && out.damaged.empty()) out.damaged = why;
        }
    } catch (const std::exception& e) {
        if (out.damaged.empty()) out.damaged = std::string("replay stopped: ") + e.what();
    }
    return out;
}

Journal::Journal(std::string state_path, JournalOptions options)
    : path_(std::move(state_path)), options_(std::move(options)) {}

std::unique_ptr<Journal> Journal::open(const std::string& state_path, JournalOptions options,
                                       std::string& error) {
    std::unique_ptr<Journal> j(new Journal(state_path, std::move(options)));
    std::size_t existing = 0;
    for (const auto& [seq, file] : segments(state_path)) {
        j->seq_ = std::max(j->seq_, seq);
        std::error_code ec;
        existing += fs::file_size(file, ec);
    }
    j->bytes_.store(existing);
    {
        std::lock_guard io(j->io_mutex_);
        error = j->open_segment_locked();
    }
    if (!error.empty()) return nullptr;
    j->thread_ = std::thread([p = j.get()] { p->run(); });
    return j;
}

Journal::~Journal() {
    {
        std::lock_guard lock(buf_mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    flush();
    std::lock_guard io(io_mutex_);
    if (fd_ >= 0) ::close(fd_);
}

std::string Journal::open_segment_locked() {
    ++seq_;
    std::string file = path_ + ".journal." + std::to_string(seq_);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return file + ": " + std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    return {};
}

void Journal::write_locked(const std::string& data) {
    std::size_t done = 0;
    while (fd_ >= 0 && done < data.size()) {
        ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk: the snapshot still holds what was counted
        done += static_cast<std::size_t>(n);
    }
    if (fd_ >= 0 && !data.empty()) ::fdatasync(fd_);
}

void Journal::flush() {
    std::lock_guard io(io_mutex_);
    std::string data;
    {
        std::lock_guard lock(buf_mutex_);
        data.swap(buffer_);
    }
    write_locked(data);
}

std::uint64_t Journal::begin_snapshot() {
    std::lock_guard io(io_mutex_);
    std::string data;
    {
        std::lock_guard lock(buf_mutex_);
        data.swap(buffer_);
    }
    write_locked(data);
    std::uint64_t sealed = seq_;
    open_segment_locked();  // on failure the old segment stays open and is kept
    return sealed;
}

void Journal::end_snapshot(std::uint64_t sealed) {
    std::lock_guard io(io_mutex_);
    std::size_t left = 0;
    for (const auto& [seq, file] : segments(path_)) {
        std::error_code ec;
        if (seq <= sealed && seq != seq_)
            fs::remove(file, ec);
        else
            left += fs::file_size(file, ec);
    }
    std::lock_guard lock(buf_mutex_);
    bytes_.store(left + buffer_.size());
    full_asked_.store(false);
}

void Journal::append(std::string_view record) noexcept {
    std::size_t total = bytes_.fetch_add(record.size()) + record.size();
    if (total > 2 * options_.max_bytes) {
        bytes_.fetch_sub(record.size());
        if (dropped_.fetch_add(1) == 0 && options_.on_dropped) options_.on_dropped(1);
        return;
    }
    try {
        std::lock_guard lock(buf_mutex_);
        buffer_.append(record);
    } catch (...) {
        bytes_.fetch_sub(record.size());
        dropped_.fetch_add(1);
    }
    if (total > options_.max_bytes) wake_.notify_one();
}

void Journal::on_outbound(std::string_view domain, std::string_view provider, std::uint32_t rcpts,
                          std::int64_t now) noexcept {
    try {
        append(frame(json::array({"o", domain, provider, rcpts, now})));
    } catch (...) {
        dropped_.fetch_add(1);
    }
}

void Journal::on_bounce(std::string_view domain, std::string_view provider, const BounceEvent& e,
                        std::int64_t now, std::int64_t sent_at) noexcept {
    try {
        append(frame(json::array({"b", domain, provider, event_json(e), now, sent_at})));
    } catch (...) {
        dropped_.fetch_add(1);
    }
}

void Journal::on_set_provider(std::string_view domain, std::string_view provider) noexcept {
    try {
        append(frame(json::array({"p", domain, provider})));
    } catch (...) {
        dropped_.fetch_add(1);
    }
}

void Journal::on_reset(std::string_view name) noexcept {
    try {
        append(frame(json::array({"r", name})));
    } catch (...) {
        dropped_.fetch_add(1);
    }
}

void Journal::mark(std::uint64_t snapshot, std::size_t shard) noexcept {
    // Past the bound too: a missing mark would replay changes the snapshot holds.
    try {
        std::string record = frame(json::array({"m", snapshot, shard}));
        bytes_.fetch_add(record.size());
        std::lock_guard lock(buf_mutex_);
        buffer_.append(record);
    } catch (...) {
        dropped_.fetch_add(1);
    }
}

void Journal::run() noexcept {
    for (;;) {
        {
            std::unique_lock lock(buf_mutex_);
            wake_.wait_for(lock, options_.flush_interval, [this] {
                return stop_ || (bytes_.load() > options_.max_bytes && !full_asked_.load());
            });
            if (stop_) return;
        }
        try {
            flush();
            std::size_t b = bytes_.load();
            if (b > options_.max_bytes && !full_asked_.exchange(true) && options_.on_full)
                options_.on_full(b);
        } catch (...) {
            // a failed flush leaves the buffer for the next one; nothing escapes the thread
        }
    }
}

}  // namespace mxpulse::stats
