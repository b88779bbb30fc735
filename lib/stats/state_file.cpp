// Saving the registry to the state file atomically, and restoring it at start.
#include "stats/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace mxpulse::stats {

namespace {
constexpr const char* kFormat = "mxpulse-state";
constexpr int kVersion = 1;
constexpr std::size_t kMaxStateBytes = 1024u * 1024u * 1024u;

// Writes all bytes to fd; returns false on error.
bool write_all(int fd, const std::vector<std::uint8_t>& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}
}  // namespace

std::string save_state(const std::string& path, const Registry& registry, std::int64_t now) {
    nlohmann::json doc = {{"format", kFormat},
                          {"version", kVersion},
                          {"saved_at", now},
                          {"registry", registry.snapshot()}};
    std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(doc);
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) return tmp + ": " + std::strerror(errno);
    bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
    int e = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        return tmp + ": " + std::strerror(e);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        e = errno;
        ::unlink(tmp.c_str());
        return path + ": " + std::strerror(e);
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
std::string read_state(const std::string& path, Registry& registry, bool& missing) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        missing = errno == ENOENT;
        return missing ? std::string() : std::string("cannot open: ") + std::strerror(errno);
    }
    in.seekg(0, std::ios::end);
    auto size = static_cast<std::uint64_t>(in.tellg());
    if (size > kMaxStateBytes) return "larger than 1 GiB";
    in.seekg(0);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    nlohmann::json doc = nlohmann::json::from_cbor(bytes, true, false);
    if (doc.is_discarded() || !doc.is_object()) return "not a readable state file";
    auto format = doc.find("format");
    if (format == doc.end() || !format->is_string() || *format != kFormat)
        return "not an mxpulse state file";
    auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() || *version != kVersion)
        return "state version " + (version == doc.end() ? "none" : version->dump()) + " is not " +
               std::to_string(kVersion);
    std::string why;
    if (!registry.restore(doc["registry"], why) && why.empty()) why = "unusable registry";
    return why;
}
}  // namespace

LoadOutcome load_state(const std::string& path, Registry& registry, std::int64_t now) noexcept {
    LoadOutcome out;
    std::string why;
    bool missing = false;
    try {
        why = read_state(path, registry, missing);
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
    try {
        registry.reset("");
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
