// Runs `postqueue -j` once, with a timeout, feeding its output to a queue scan as it arrives.
#include "postqueue_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace mxpulse::milter {

namespace {

constexpr std::size_t kMaxStderr = 1024;  // bytes of postqueue's complaint kept for the error

// A child process with its standard output and error on pipes.
struct Child {
    pid_t pid = -1;
    int out = -1, err = -1;
};

// Starts argv with stdin from /dev/null, a clean signal mask and default signal actions;
// returns "" or the error.
std::string spawn(const std::vector<std::string>& args, Child& child) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]), close(out[1]);
        return std::string("pipe: ") + std::strerror(errno);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<char*> argv;
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawn(&child.pid, argv[0], &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(out[1]), close(err[1]);
    if (rc != 0) {
        close(out[0]), close(err[0]);
        return args[0] + ": " + std::strerror(rc);
    }
    child.out = out[0];
    child.err = err[0];
    return {};
}

// Reads the child's output until both pipes end, the scan stops or the deadline passes.
void pump(Child& c, std::chrono::steady_clock::time_point deadline, postlog::QueueScan& scan,
          std::string& stderr_text, PostqueueRun& run) {
    std::array<char, 65536> buf;
    while (c.out >= 0 || c.err >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            run.timed_out = true;
            return;
        }
        pollfd fds[2] = {{c.out, POLLIN, 0}, {c.err, POLLIN, 0}};
        int n = poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) return;
        for (int i = 0; i < 2 && n > 0; ++i) {
            int& fd = i == 0 ? c.out : c.err;
            if (fd < 0 || fds[i].revents == 0) continue;
            ssize_t got = read(fd, buf.data(), buf.size());
            if (got <= 0) {
                if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                close(fd);
                fd = -1;
            } else if (i == 0 && !scan.feed({buf.data(), static_cast<std::size_t>(got)})) {
                run.stopped = true;
                return;
            } else if (i == 1 && stderr_text.size() < kMaxStderr) {
                stderr_text.append(buf.data(), std::min<std::size_t>(got, kMaxStderr));
            }
        }
    }
}

// Returns postqueue's complaint on one line.
std::string one_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    for (char& ch : s)
        if (ch == '\n' || ch == '\r') ch = ' ';
    return s;
}

}  // namespace

PostqueueRun run_postqueue(const std::string& command, const std::string& config_dir,
                           std::chrono::milliseconds timeout, postlog::QueueScan& scan) {
    PostqueueRun run;
    std::vector<std::string> args{command};
    if (!config_dir.empty()) args.insert(args.end(), {"-c", config_dir});
    args.push_back("-j");
    Child c;
    run.error = spawn(args, c);
    if (!run.error.empty()) return run;
    std::string stderr_text;
    pump(c, std::chrono::steady_clock::now() + timeout, scan, stderr_text, run);
    if (run.timed_out || run.stopped) kill(c.pid, SIGKILL);
    if (c.out >= 0) close(c.out);
    if (c.err >= 0) close(c.err);
    int status = 0;
    while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (run.stopped) return run;
    scan.finish();
    if (run.timed_out)
        run.error = "timed out after " + std::to_string(timeout.count()) + " ms";
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        run.error =
            command + " failed (status " + std::to_string(status) + "): " + one_line(stderr_text);
    return run;
}

}  // namespace mxpulse::milter
