// The on-disk evidence store: one file per NDR (a header line, the record as JSON, the NDR text),
// bounded in count, bytes, bytes per NDR and age.
#include "evidence/store.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evidence/original.hpp"

namespace mxpulse::evidence {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "mxpulse-evidence 1";
constexpr std::size_t kMaxLostDomains = 10'000;  // beyond this, losses are kept under "other"
constexpr std::size_t kMaxDamagedKept = 100;     // files kept in damaged/
constexpr std::uint64_t kMaxMetaBytes = 1u << 20;

// Returns the file's whole content, or nullopt when it cannot be read.
std::optional<std::string> slurp(const fs::path& p, std::uint64_t limit) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec || size > limit) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::string s(size, '\0');
    in.read(s.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size) return std::nullopt;
    return s;
}

// Splits a store file into its record and text; nullopt when it is damaged.
std::optional<std::pair<Record, std::string_view>> split_file(std::string_view s) {
    std::size_t nl = s.find('\n');
    if (nl == std::string_view::npos || !s.starts_with(kMagic)) return std::nullopt;
    unsigned long long meta = 0, text = 0;
    std::string head(s.substr(kMagic.size(), nl - kMagic.size()));
    if (std::sscanf(head.c_str(), " %llu %llu", &meta, &text) != 2) return std::nullopt;
    if (meta > kMaxMetaBytes || nl + 1 + meta + 1 + text != s.size()) return std::nullopt;
    try {
        Record r = record_from_json(nlohmann::json::parse(s.substr(nl + 1, meta)));
        return std::make_pair(std::move(r), s.substr(nl + 1 + meta + 1, text));
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

}  // namespace

Store::Store(StoreOptions options, LimitSink on_limit, ErrorSink on_error)
    : options_(std::move(options)),
      on_limit_(std::move(on_limit)),
      on_error_(std::move(on_error)) {}

Store::~Store() {
    {
        std::lock_guard lock(queue_mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
}

std::string Store::open(std::int64_t now) {
    std::error_code ec;
    fs::create_directories(fs::path(options_.directory) / "damaged", ec);
    if (ec) return "cannot create " + options_.directory + ": " + ec.message();
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(options_.directory, ec)) {
        std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.ends_with(".ndr") && !name.starts_with("."))
            names.push_back(name);
        else if (e.is_regular_file() && name.starts_with(".tmp-"))
            fs::remove(e.path(), ec);  // a write cut short by a crash
    }
    if (ec) return "cannot read " + options_.directory + ": " + ec.message();
    std::sort(names.begin(), names.end());
    for (const std::string& n : names)
        load_file(n, now);
    std::lock_guard lock(mutex_);
    std::stable_sort(index_.begin(), index_.end(),
                     [](const Record& a, const Record& b) { return a.seen_at < b.seen_at; });
    evict_locked(now);
    return {};
}

void Store::load_file(const std::string& name, std::int64_t) {
    fs::path p = fs::path(options_.directory) / name;
    auto content = slurp(p, options_.max_ndr_bytes + kMaxMetaBytes + 64);
    auto parts = content ? split_file(*content) : std::nullopt;
    if (!parts || parts->first.file != name) {
        set_aside(name, content ? "damaged or not a store file" : "unreadable or too large");
        return;
    }
    std::lock_guard lock(mutex_);
    bytes_ += content->size();
    parts->first.kept_bytes = content->size();
    index_.push_back(std::move(parts->first));
}

void Store::set_aside(const std::string& name, const std::string& why) {
    fs::path dir = fs::path(options_.directory) / "damaged";
    std::error_code ec;
    fs::rename(fs::path(options_.directory) / name, dir / name, ec);
    if (ec) fs::remove(fs::path(options_.directory) / name, ec);
    {
        std::lock_guard lock(mutex_);
        ++damaged_;
    }
    if (on_error_) on_error_("evidence.damaged", name, why);
    std::vector<fs::path> kept;
    for (const auto& e : fs::directory_iterator(dir, ec))
        kept.push_back(e.path());
    std::sort(kept.begin(), kept.end());
    for (std::size_t i = 0; i + kMaxDamagedKept < kept.size(); ++i)
        fs::remove(kept[i], ec);
}

void Store::start() {
    writer_ = std::thread([this] { run(); });
}

bool Store::enqueue(Record record, std::string ndr) {
    std::string queue_id = record.queue_id;
    {
        std::lock_guard lock(queue_mutex_);
        if (queue_.size() < options_.queue_max) {
            queue_.push_back({std::move(record), std::move(ndr)});
            wake_.notify_one();
            return true;
        }
        ++refused_;
    }
    note_lost(record);
    if (on_limit_) on_limit_(stats::Limit::evidence_queue, queue_id);
    return false;
}

void Store::run() {
    std::unique_lock lock(queue_mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything is written
        Pending p = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        lock.unlock();
        try {
            write(std::move(p.record), p.ndr, std::time(nullptr));
        } catch (const std::exception& e) {  // never let the thread die: count and go on
            if (on_error_) on_error_("evidence.write", "", e.what());
        }
        lock.lock();
        busy_ = false;
        if (queue_.empty()) idle_.notify_all();
    }
}

void Store::flush() {
    std::unique_lock lock(queue_mutex_);
    idle_.wait(lock, [this] { return (queue_.empty() && !busy_) || !writer_.joinable(); });
}

bool Store::write(Record r, std::string_view ndr, std::int64_t now) {
    r.ndr_bytes = std::max<std::uint64_t>(r.ndr_bytes, ndr.size());
    if (ndr.size() > options_.max_ndr_bytes) ndr = ndr.substr(0, options_.max_ndr_bytes);
    if (r.ndr_bytes > options_.max_ndr_bytes && on_limit_)
        on_limit_(stats::Limit::evidence_ndr_bytes, r.queue_id);
    r.truncated = ndr.size() < r.ndr_bytes;
    if (!r.original.present) r.original = original_headers(ndr, r.reporting_mta);
    std::string name;
    {
        std::lock_guard lock(mutex_);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%012lld-%08llu.ndr", static_cast<long long>(r.seen_at),
                      static_cast<unsigned long long>(++seq_ % 100'000'000));
        name = buf;
        if (r.truncated) ++truncated_;
    }
    r.file = name;
    std::string meta = to_json(r).dump();
    std::string head = std::string(kMagic) + " " + std::to_string(meta.size()) + " " +
                       std::to_string(ndr.size()) + "\n";
    fs::path dir(options_.directory);
    fs::path tmp = dir / (".tmp-" + name);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << head << meta << '\n' << ndr;
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            {
                std::lock_guard lock(mutex_);
                ++write_errors_;
            }
            note_lost(r);
            if (on_error_) on_error_("evidence.write", name, "cannot write " + tmp.string());
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, dir / name, ec);
    if (ec) {
        fs::remove(tmp, ec);
        {
            std::lock_guard lock(mutex_);
            ++write_errors_;
        }
        note_lost(r);
        if (on_error_) on_error_("evidence.write", name, ec.message());
        return false;
    }
    std::lock_guard lock(mutex_);
    r.kept_bytes = head.size() + meta.size() + 1 + ndr.size();
    bytes_ += r.kept_bytes;
    ++written_;
    auto at = std::upper_bound(index_.begin(), index_.end(), r.seen_at,
                               [](std::int64_t t, const Record& x) { return t < x.seen_at; });
    index_.insert(at, std::move(r));
    evict_locked(now);
    return true;
}

void Store::note_lost(const Record& r) {
    std::lock_guard lock(lost_mutex_);
    for (const KeptRecipient& k : r.recipients) {
        if (k.action != "failed") continue;
        std::string key =
            lost_.size() < kMaxLostDomains || lost_.count(k.domain) ? k.domain : "other";
        Lost& l = lost_[key];
        ++l.recipients;
        l.newest = std::max(l.newest, r.seen_at);
    }
}

void Store::remove_oldest_locked(Why why) {
    Record& r = index_.front();
    std::error_code ec;
    fs::remove(fs::path(options_.directory) / r.file, ec);
    bytes_ -= std::min(bytes_, r.kept_bytes);
    note_lost(r);
    ++removed_[static_cast<int>(why)];
    if (why != Why::age && on_limit_)
        on_limit_(why == Why::count ? stats::Limit::evidence_count : stats::Limit::evidence_bytes,
                  r.queue_id);
    index_.pop_front();
}

void Store::evict_locked(std::int64_t now) {
    while (!index_.empty() && index_.front().seen_at < now - options_.retention_s)
        remove_oldest_locked(Why::age);  // the retention: expected, not a bound hit
    while (index_.size() > options_.max_count)
        remove_oldest_locked(Why::count);
    while (!index_.empty() && bytes_ > options_.max_bytes)
        remove_oldest_locked(Why::bytes);
}

void Store::expire(std::int64_t now) {
    std::lock_guard lock(mutex_);
    evict_locked(now);
}

std::vector<Record> Store::select(const std::function<bool(const KeptRecipient&)>& keep) const {
    std::vector<Record> out;
    std::lock_guard lock(mutex_);
    for (const Record& r : index_)
        if (std::any_of(r.recipients.begin(), r.recipients.end(), keep)) out.push_back(r);
    return out;
}

Lost Store::lost(const std::string& domain) const {
    std::lock_guard lock(lost_mutex_);
    auto it = lost_.find(domain);
    return it == lost_.end() ? Lost{} : it->second;
}

std::optional<std::string> Store::text(const Record& r) const {
    auto content =
        slurp(fs::path(options_.directory) / r.file, options_.max_ndr_bytes + kMaxMetaBytes + 64);
    auto parts = content ? split_file(*content) : std::nullopt;
    if (!parts) return std::nullopt;
    return std::string(parts->second);
}

nlohmann::json Store::stats() const {
    std::size_t queued = 0;
    std::uint64_t refused = 0;
    {
        std::lock_guard lock(queue_mutex_);
        queued = queue_.size();
        refused = refused_;
    }
    std::lock_guard lock(mutex_);
    return {{"directory", options_.directory},
            {"kept", index_.size()},
            {"bytes", bytes_},
            {"oldest_kept", index_.empty() ? 0 : index_.front().seen_at},
            {"queued", queued},
            {"written", written_},
            {"truncated", truncated_},
            {"removed",
             {{"max_count", removed_[0]},
              {"max_bytes", removed_[1]},
              {"retention", removed_[2]},
              {"queue_full", refused}}},
            {"write_errors", write_errors_},
            {"damaged_set_aside", damaged_},
            {"bounds",
             {{"max_count", options_.max_count},
              {"max_bytes", options_.max_bytes},
              {"max_ndr_bytes", options_.max_ndr_bytes},
              {"retention_s", options_.retention_s},
              {"queue_max", options_.queue_max}}}};
}

}  // namespace mxpulse::evidence
