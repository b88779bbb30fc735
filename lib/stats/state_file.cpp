// Saving the registry to the state file atomically and streamed, and restoring it at start.
#include "stats/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "stats/codec.hpp"

namespace mxpulse::stats {

// The file: the 8-byte magic "MXPULSE" NUL, a version byte, then records. A record is a 4-byte
// little-endian payload length, the payload, and the payload's 4-byte checksum. The payload opens
// with its kind: header (saved_at, evictions), marks (the snapshot's id in the counter journal,
// optional, after the header), destination (name, counters), other (counters), end (number of
// destinations); format 3 adds history (the hourly history of failing destinations and providers)
// and auth (outbound SPF/DKIM/DMARC counts per sender domain) before the end. A file without its
// end record is truncated and not used.
namespace {
constexpr char kMagic[8] = {'M', 'X', 'P', 'U', 'L', 'S', 'E', '\0'};
constexpr unsigned char kVersion = 3;  // 3 added the rate and since-when fields; 2 still loads
constexpr std::uint32_t kMaxRecord = 64u * 1024 * 1024;
constexpr std::size_t kFlushAt = 256 * 1024;
constexpr std::size_t kMaxName = 1024;
enum Kind : std::uint64_t {
    header = 1,
    destination = 2,
    other = 3,
    end = 4,
    marks = 5,
    history = 6,
    auth = 7
};

// Writes all bytes to fd; returns false on error.
bool write_all(int fd, std::string_view data) {
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Appends a 4-byte little-endian value.
void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads a 4-byte little-endian value.
std::uint32_t get32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Appends payload as one framed record to out.
void frame(std::string& out, std::string_view payload) {
    put32(out, static_cast<std::uint32_t>(payload.size()));
    out.append(payload);
    put32(out, checksum(payload));
}

// Closes a FILE on scope exit.
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string restore_from(std::FILE* f, Registry& registry, std::uint64_t* snapshot, History* hist,
                         AuthCounters* auth_counts) {
    char magic[9];
    if (std::fread(magic, 1, 9, f) != 9) return "too short to be a state file";
    if (std::memcmp(magic, kMagic, 8) != 0) {
        // Format 1 (before this version) was one CBOR map, which starts with 0xa0..0xbf.
        unsigned char first = static_cast<unsigned char>(magic[0]);
        if (first >= 0xa0 && first <= 0xbf)
            return "a format 1 state file of an earlier mxpulse (not read by this version)";
        return "not an mxpulse state file";
    }
    unsigned format = static_cast<unsigned char>(magic[8]);
    if (format != kVersion && format != 2)
        return "state version " + std::to_string(format) + " is not 2 or " +
               std::to_string(kVersion);
    std::string payload;
    std::uint64_t destinations = 0;
    bool seen_header = false;
    for (std::uint64_t record = 0;; ++record) {
        unsigned char len[4];
        if (std::fread(len, 1, 4, f) != 4) return "truncated: no end record";
        std::uint32_t n = get32(len);
        if (n == 0 || n > kMaxRecord)
            return "record " + std::to_string(record) + " has an impossible length";
        payload.resize(n);
        unsigned char sum[4];
        if (std::fread(payload.data(), 1, n, f) != n || std::fread(sum, 1, 4, f) != 4)
            return "truncated in record " + std::to_string(record);
        if (checksum(payload) != get32(sum))
            return "record " + std::to_string(record) + " is damaged (checksum)";
        Decoder d(payload);
        std::uint64_t kind = d.u();
        if (!seen_header && kind != header) return "no header record";
        switch (kind) {
            case header: {
                if (seen_header) return "a second header record";
                seen_header = true;
                d.s();  // saved_at
                std::uint64_t evictions = d.u();
                if (!d.done()) return "malformed header record";
                registry.restore_evictions(evictions);
                break;
            }
            case marks: {
                std::uint64_t id = d.u();
                if (!d.done()) return "malformed marks record";
                if (snapshot) *snapshot = id;
                break;
            }
            case destination: {
                std::string name = d.str(kMaxName);
                Destination dest;
                if (name.empty() || !dest.decode(d, format) || !d.done())
                    return "malformed destination in record " + std::to_string(record);
                registry.restore_destination(name, std::move(dest));
                ++destinations;
                break;
            }
            case other: {
                Destination dest;
                if (!dest.decode(d, format) || !d.done()) return "malformed \"other\" bucket";
                registry.restore_other(std::move(dest));
                break;
            }
            case history: {
                // Read into the caller's table, which keeps its own bound; skipped without one.
                if (hist && (!hist->decode(d) || !d.done())) return "malformed history record";
                break;
            }
            case auth: {
                if (auth_counts && (!auth_counts->decode(d) || !d.done()))
                    return "malformed auth record";
                break;
            }
            case end: {
                std::uint64_t count = d.u();
                if (!d.done() || count != destinations)
                    return "end record counts " + std::to_string(count) + " destinations, " +
                           std::to_string(destinations) + " read";
                if (std::fgetc(f) != EOF) return "data after the end record";
                return {};
            }
            default:
                return "unknown record kind in record " + std::to_string(record);
        }
    }
}

std::string save_state(const std::string& path, const Registry& registry, std::int64_t now,
                       const SnapshotMarks& marks, const History* hist,
                       const AuthCounters* auth_counts) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) return tmp + ": " + std::strerror(errno);
    std::string buf(kMagic, sizeof kMagic);
    buf.push_back(static_cast<char>(kVersion));
    std::string payload;
    Encoder e(payload);
    e.u(header);
    e.s(now);
    e.u(registry.evictions());
    frame(buf, payload);
    if (marks.id != 0) {
        payload.clear();
        e.u(Kind::marks);
        e.u(marks.id);
        frame(buf, payload);
    }
    bool ok = true;
    std::uint64_t count = 0;
    // One shard at a time: its lock is held while it is encoded into buf, never while writing.
    for (std::size_t i = 0; i < Registry::kShards && ok; ++i) {
        registry.visit_shard(
            i,
            [&](const std::string& name, const Destination& d) {
                payload.clear();
                e.u(destination);
                e.str(name);
                d.encode(e);
                frame(buf, payload);
                ++count;
            },
            [&] {
                if (marks.shard) marks.shard(i);
            });
        if (buf.size() >= kFlushAt) {
            ok = write_all(fd, buf);
            buf.clear();
        }
    }
    payload.clear();
    e.u(other);
    registry.visit_other([&](const Destination& d) { d.encode(e); });
    frame(buf, payload);
    if (hist) {
        payload.clear();
        e.u(history);
        hist->encode(e);
        frame(buf, payload);
    }
    if (auth_counts) {
        payload.clear();
        e.u(auth);
        auth_counts->encode(e);
        frame(buf, payload);
    }
    payload.clear();
    e.u(end);
    e.u(count);
    frame(buf, payload);
    ok = ok && write_all(fd, buf) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        return tmp + ": " + std::strerror(err);
    }
    if (marks.before_rename) marks.before_rename();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        return path + ": " + std::strerror(err);
    }
    // Make the rename itself durable.
    std::string dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
    if (int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

const char* outcome_name(LoadOutcome::What w) {
    switch (w) {
        case LoadOutcome::What::loaded:
            return "loaded";
        case LoadOutcome::What::missing:
            return "missing";
        case LoadOutcome::What::set_aside:
            return "set_aside";
        case LoadOutcome::What::unusable:
            return "unusable";
    }
    return "unusable";
}

namespace {
// Reads and restores the state file; returns "" when loaded, else why it is unusable. May throw.
std::string read_state(const std::string& path, Registry& registry, History* hist,
                       AuthCounters* auth_counts, bool& missing, std::uint64_t& snapshot) {
    std::vector<char> buffer(1 << 16);  // outlives the FILE that uses it
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rbe"));
    if (!f) {
        missing = errno == ENOENT;
        return missing ? std::string() : std::string("cannot open: ") + std::strerror(errno);
    }
    struct stat st {};
    if (::fstat(::fileno(f.get()), &st) != 0 || !S_ISREG(st.st_mode)) return "not a regular file";
    std::setvbuf(f.get(), buffer.data(), _IOFBF, buffer.size());
    registry.reset("");
    if (hist) hist->reset("");
    if (auth_counts) auth_counts->clear();
    return restore_from(f.get(), registry, &snapshot, hist, auth_counts);
}
}  // namespace

LoadOutcome load_state(const std::string& path, Registry& registry, std::int64_t now, History* hist,
                       AuthCounters* auth_counts) noexcept {
    LoadOutcome out;
    std::string why;
    bool missing = false;
    try {
        why = read_state(path, registry, hist, auth_counts, missing, out.snapshot);
    } catch (const std::exception& e) {
        why = std::string("malformed: ") + e.what();
    } catch (...) {
        why = "malformed";
    }
    if (missing) return out;
    if (why.empty()) {
        out.what = LoadOutcome::What::loaded;
        out.destinations = registry.tracked();
        return out;
    }
    out.snapshot = 0;
    try {
        registry.reset("");
        if (hist) hist->reset("");
        if (auth_counts) auth_counts->clear();
        std::string aside = path + ".bad-" + std::to_string(now);
        if (std::rename(path.c_str(), aside.c_str()) == 0) {
            out.what = LoadOutcome::What::set_aside;
            out.detail = why + "; moved to " + aside;
        } else {
            out.what = LoadOutcome::What::unusable;
            out.detail =
                why + "; could not move it to " + aside + ": " + std::strerror(errno) + "; ignored";
        }
    } catch (...) {
        out.what = LoadOutcome::What::unusable;  // out of memory while composing the detail
    }
    return out;
}

}  // namespace mxpulse::stats
