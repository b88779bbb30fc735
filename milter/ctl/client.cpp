// mxpulsectl's connection to the daemon: finding the socket, one request, one reply.
#include "ctl/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <toml++/toml.h>

#include "config/loader.hpp"
#include "version.hpp"

namespace mxpulse::ctl {

namespace {
constexpr int kTimeoutMs = 10'000;
constexpr size_t kMaxReply = 64 * 1024 * 1024;
}  // namespace

namespace {
// Returns control.socket as written in FILE, or "" when the file does not set it; sets error when
// the file cannot be read as TOML at all. Other options are not looked at, so a mistake elsewhere
// in the daemon's configuration does not keep the operator from reaching the daemon.
std::string configured_socket(const std::string& file, std::string& error) {
    try {
        toml::table parsed = toml::parse_file(file);
        return parsed["control"]["socket"].value_or(std::string());
    } catch (const toml::parse_error& e) {
        error = file + ":" + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description());
        return {};
    }
}
}  // namespace

std::string socket_path(const Options& o, std::string& error) {
    if (!o.socket.empty()) return o.socket;
    std::string file = o.config.empty() ? kDefaultConfigFile : o.config;
    const std::string fallback = config::defaults()->control_socket;
    if (o.config.empty() && access(file.c_str(), F_OK) != 0) return fallback;
    std::string parse_error;
    std::string path = configured_socket(file, parse_error);
    if (!parse_error.empty()) {
        if (!o.config.empty()) {  // the operator named this file: its error is the answer
            error = parse_error;
            return {};
        }
        std::cerr << "mxpulsectl: warning: " << parse_error << "; trying the default socket "
                  << fallback << " (-s PATH chooses another)\n";
        return fallback;
    }
    return path.empty() ? fallback : path;
}

// Connects to the control socket at PATH; returns the descriptor, or -1 with ERROR and RC set.
int connect_socket(const std::string& path, std::string& error, int& rc) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        error = "socket path too long: " + path;
        rc = kExitFailed;
        return -1;
    }
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int e = errno;
    if (fd >= 0) close(fd);
    rc = kExitUnavailable;
    if (e == EACCES || e == EPERM) {
        error =
            "permission denied on " + path + ": run as root or as a member of the socket's group";
        rc = kExitNoPerm;
    } else if (e == ENOENT) {
        error = "no control socket at " + path + ": is mxpulse running?";
    } else if (e == ECONNREFUSED) {
        error = "mxpulse is not running (nobody listens on " + path + ")";
    } else {
        error = "cannot connect to " + path + ": " + std::strerror(e);
    }
    return -1;
}

// Judges a reply document; returns the exit status and sets ERROR for a failed request.
int judge_reply(const nlohmann::json& reply, std::string& error) {
    if (reply.is_discarded() || !reply.is_object()) {
        error = "malformed reply from mxpulse";
        return kExitFailed;
    }
    if (!reply.value("ok", false)) {
        error = reply.value("error", std::string("request failed"));
        return reply.value("error", std::string()).starts_with("access denied") ? kExitNoPerm
                                                                                : kExitFailed;
    }
    return kExitOk;
}

int request(const Options& o, const std::string& line, nlohmann::json& reply, std::string& error) {
    // One request is one line: a line break inside an argument would send a second command.
    for (char c : line) {
        if (c == '\n' || c == '\r' || c == '\0') {
            error =
                "an argument holds a line break or NUL, which the control protocol cannot carry";
            return kExitUsage;
        }
    }
    std::string path = socket_path(o, error);
    if (path.empty()) return kExitConfig;
    int rc = kExitOk;
    int fd = connect_socket(path, error, rc);
    if (fd < 0) return rc;
    std::string out = line + "\n";
    // A daemon that refuses the peer replies and closes at once: the reply is still read.
    bool sent = send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
    int send_errno = errno;
    std::string in;
    char buf[65536];
    while (in.find('\n') == std::string::npos && in.size() < kMaxReply) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, kTimeoutMs) <= 0) {
            error = "no reply from mxpulse within " + std::to_string(kTimeoutMs / 1000) + "s";
            close(fd);
            return kExitUnavailable;
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    auto nl = in.find('\n');
    if (nl == std::string::npos && !sent) {
        error = "cannot send to " + path + ": " + std::strerror(send_errno);
        return kExitUnavailable;
    }
    if (nl == std::string::npos) {
        error = "connection closed without a complete reply";
        return kExitUnavailable;
    }
    reply = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
    return judge_reply(reply, error);
}

int ask(const Options& o, const std::string& line, nlohmann::json& result) {
    nlohmann::json reply;
    std::string error;
    int rc = request(o, line, reply, error);
    if (rc != kExitOk) {
        std::cerr << "mxpulsectl: " << error << "\n";
        return rc;
    }
    result = reply["result"];
    return rc;
}

}  // namespace mxpulse::ctl
