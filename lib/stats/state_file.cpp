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

LoadOutcome load_state(const std::string& path, Registry& registry, std::int64_t now) {
    LoadOutcome out;
    std::ifstream in(path, std::ios::binary);
    if (!in) return out;  // missing: start fresh
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    std::string why;
    if (bytes.size() > kMaxStateBytes) why = "larger than 1 GiB";
    nlohmann::json doc;
    if (why.empty()) {
        doc = nlohmann::json::from_cbor(bytes, true, false);
        if (doc.is_discarded() || !doc.is_object())
            why = "not a readable state file";
        else if (doc.value("format", "") != kFormat)
            why = "not an mxpulse state file";
        else if (doc.value("version", 0) != kVersion)
            why = "state version " + std::to_string(doc.value("version", 0)) + " is not " +
                  std::to_string(kVersion);
    }
    if (why.empty() && !registry.restore(doc["registry"], why)) {
        if (why.empty()) why = "unusable registry";
    }
    if (why.empty()) {
        out.what = LoadOutcome::What::loaded;
        out.destinations = registry.tracked();
        return out;
    }
    std::string aside = path + ".bad-" + std::to_string(now);
    std::rename(path.c_str(), aside.c_str());
    out.what = LoadOutcome::What::set_aside;
    out.detail = why + "; moved to " + aside;
    return out;
}

}  // namespace mxpulse::stats
