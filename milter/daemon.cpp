// Process plumbing: detaching, the pid file and its lock (one instance), and dropping root
// privileges.
#include "daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
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

namespace {
// The pid file, open and locked (flock) for the life of the process; -1 when there is none. A
// flock lock belongs to the open file, so it survives daemonize()'s forks.
int pid_fd = -1;

// Returns the pid written in the file open on fd, or "" when it holds none.
std::string pid_in(int fd) {
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}
}  // namespace

bool lock_pid_file(const std::string& path, const Identity& id, std::string& error) {
    if (path.empty()) return true;
    if (!ensure_parent_dir(path, id, error)) return false;
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        error = sys_error("pid file " + path);
        return false;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        std::string pid = pid_in(fd);
        close(fd);
        errno = e;
        if (e == EWOULDBLOCK) {
            error = "another mxpulse" + (pid.empty() ? std::string() : " (pid " + pid + ")") +
                    " holds the lock on " + path + "; not starting, its sockets are left alone";
        } else {
            error = sys_error("locking pid file " + path);
        }
        return false;
    }
    if (geteuid() == 0 && fchown(fd, id.uid, id.gid) != 0) {
        error = sys_error("pid file " + path);
        close(fd);
        return false;
    }
    pid_fd = fd;
    return true;
}

bool write_pid_file(const std::string& path, const Identity& id, std::string& error) {
    if (path.empty()) return true;
    if (pid_fd < 0 && !lock_pid_file(path, id, error)) return false;
    std::string text = std::to_string(getpid()) + "\n";
    if (ftruncate(pid_fd, 0) != 0 ||
        pwrite(pid_fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        error = sys_error("pid file " + path);
        return false;
    }
    return true;  // the file stays open: closing it would release the lock
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
