// Process plumbing: detaching, the pid file and its lock (one instance), and dropping root
// privileges.
#pragma once

#include <sys/types.h>

#include <string>

#include "config/config.hpp"

namespace mxpulse::milter {

// The user and group the daemon runs as once its sockets are open.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user;  // "" when staying as the starting user
};

// Resolves [daemon] user and group; returns false and sets error when they do not exist.
bool resolve_identity(const config::Config& c, Identity& out, std::string& error);

// Looks up a group by name; returns false when it does not exist.
bool lookup_group(const std::string& name, gid_t& gid);

// Detaches from the terminal (fork, setsid, fork); keeps stderr when it is the log sink.
bool daemonize(bool keep_stderr, std::string& error);

// Opens and locks the pid file (if configured), owned by the identity so the daemon can remove it;
// fails, naming the holder, while another mxpulse holds the lock. Call before daemonize() so the
// command that was run reports the refusal; the lock lasts as long as the process.
bool lock_pid_file(const std::string& path, const Identity& id, std::string& error);

// Writes this process's pid into the locked pid file (locking it first if that was not done).
bool write_pid_file(const std::string& path, const Identity& id, std::string& error);

// Creates a directory for a socket or pid file if missing, owned by the identity.
bool ensure_parent_dir(const std::string& path, const Identity& id, std::string& error);

// Switches to the identity's group, supplementary groups and user; no-op when not root.
bool drop_privileges(const Identity& id, std::string& error);

}  // namespace mxpulse::milter
