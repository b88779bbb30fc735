// Process plumbing: detaching, the pid file, and dropping root privileges.
#include "daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mxpulse::milter {

namespace {
// Returns "what: strerror(errno)".
std::string sys_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}
}  // namespace

bool lookup_group(const std::string& name, gid_t& gid) {
    std::vector<char> buf(16384);
    group g{};
    group* found = nullptr;
    if (getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found) != 0 || !found) return false;
    gid = found->gr_gid;
    return true;
}

bool resolve_identity(const config::Config& c, Identity& out, std::string& error) {
    out = Identity{geteuid(), getegid(), ""};
    if (!c.user.empty()) {
        std::vector<char> buf(16384);
        passwd pw{};
        passwd* found = nullptr;
        if (getpwnam_r(c.user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) {
            error = "daemon.user: no such user \"" + c.user + "\" (create it, or set user = \"\")";
            return false;
        }
        out.uid = found->pw_uid;
        out.gid = found->pw_gid;
        out.user = c.user;
    }
    if (!c.group.empty() && !lookup_group(c.group, out.gid)) {
        error = "daemon.group: no such group \"" + c.group + "\"";
        return false;
    }
    return true;
}

bool daemonize(bool keep_stderr, std::string& error) {
    for (int round = 0; round < 2; ++round) {
        pid_t pid = fork();
        if (pid < 0) {
            error = sys_error("fork");
            return false;
        }
        if (pid > 0) _exit(0);
        if (round == 0 && setsid() < 0) {
            error = sys_error("setsid");
            return false;
        }
    }
    if (chdir("/") != 0) {
        error = sys_error("chdir /");
        return false;
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) {
        error = sys_error("open /dev/null");
        return false;
    }
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    if (!keep_stderr) dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
    return true;
}

bool ensure_parent_dir(const std::string& path, const Identity& id, std::string& error) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return true;
    std::string dir = path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) return true;
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        error = sys_error("mkdir " + dir);
        return false;
    }
    if (geteuid() == 0 && chown(dir.c_str(), id.uid, id.gid) != 0) {
        error = sys_error("chown " + dir);
        return false;
    }
    return true;
}

bool write_pid_file(const std::string& path, const Identity& id, std::string& error) {
    if (path.empty()) return true;
    if (!ensure_parent_dir(path, id, error)) return false;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        error = sys_error("pid file " + path);
        return false;
    }
    std::string text = std::to_string(getpid()) + "\n";
    bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (ok && geteuid() == 0 && fchown(fd, id.uid, id.gid) != 0) ok = false;
    if (!ok) error = sys_error("pid file " + path);
    close(fd);
    return ok;
}

bool drop_privileges(const Identity& id, std::string& error) {
    if (geteuid() != 0 || (id.uid == 0 && id.gid == 0)) return true;
    if (id.user.empty() ? setgroups(0, nullptr) != 0 : initgroups(id.user.c_str(), id.gid) != 0) {
        error = sys_error("setting supplementary groups");
        return false;
    }
    if (setgid(id.gid) != 0) {
        error = sys_error("setgid");
        return false;
    }
    if (setuid(id.uid) != 0) {
        error = sys_error("setuid");
        return false;
    }
    if (id.uid != 0 && setuid(0) == 0) {
        error = "privileges could be regained after dropping them";
        return false;
    }
    return true;
}

}  // namespace mxpulse::milter
