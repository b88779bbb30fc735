// The milter listening socket: opening it through libmilter, its permissions, and TCP_NODELAY.
//
// Without TCP_NODELAY a libmilter milter on TCP falls to ~11 msg/s per session: the MTA sends
// commands that get no reply and the milter answers in several small writes, so Nagle's
// algorithm waits for delayed ACKs. libmilter opens the socket itself and exposes no descriptor,
// so the listener is found among our descriptors right after smfi_opensocket(), before any other
// socket exists.
#include "listen_socket.hpp"

#include <dirent.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/strings.hpp"

namespace mxpulse::milter {

namespace {
// Sets TCP_NODELAY on every listening TCP socket of the process; returns how many.
int disable_nagle_on_listeners() {
    int count = 0;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return 0;
    while (dirent* e = readdir(d)) {
        int fd = std::atoi(e->d_name);
        if (fd <= STDERR_FILENO || fd == dirfd(d)) continue;
        int listening = 0, domain = 0;
        socklen_t len = sizeof listening;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
            continue;
        len = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) continue;
        if (domain != AF_INET && domain != AF_INET6) continue;
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) ++count;
    }
    closedir(d);
    return count;
}
}  // namespace

std::string unix_socket_path(const std::string& spec) {
    for (std::string_view p : {"unix:", "local:"}) {
        if (util::istarts_with(spec, p)) return spec.substr(p.size());
    }
    return {};
}

bool open_milter_socket(const config::Config& c, const Identity& id, std::string& error) {
    std::string path = unix_socket_path(c.milter_socket);
    if (!path.empty() && !ensure_parent_dir(path, id, error)) return false;
    if (smfi_setconn(const_cast<char*>(c.milter_socket.c_str())) != MI_SUCCESS) {
        error = "milter.socket: libmilter refused \"" + c.milter_socket + "\"";
        return false;
    }
    if (smfi_setbacklog(static_cast<int>(c.milter_backlog)) != MI_SUCCESS) {
        error = "milter.backlog: libmilter refused the value";
        return false;
    }
    smfi_settimeout(static_cast<int>(c.milter_timeout.count() / 1000));
    // Remove a stale socket left by a crash; libmilter refuses to bind over it otherwise.
    if (smfi_opensocket(true) != MI_SUCCESS) {
        error = "cannot listen on " + c.milter_socket + " (in use, or no permission?)";
        return false;
    }
    if (!path.empty()) {
        if (chmod(path.c_str(), static_cast<mode_t>(c.milter_socket_mode)) != 0 ||
            (geteuid() == 0 && chown(path.c_str(), id.uid, id.gid) != 0)) {
            error = "milter socket " + path + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }
    if (disable_nagle_on_listeners() == 0) {
        error = "could not set TCP_NODELAY on the milter listener";
        return false;
    }
    return true;
}

}  // namespace mxpulse::milter
