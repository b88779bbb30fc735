// Saving the registry to the state file atomically, and restoring it at start.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "stats/auth_counters.hpp"
#include "stats/history.hpp"
#include "stats/registry.hpp"

namespace mxpulse::stats {

// How a snapshot tells the counter journal where it stands, so that a change is replayed after
// a restart exactly when the snapshot does not hold it (see journal.hpp).
struct SnapshotMarks {
    std::uint64_t id = 0;                          // written into the file; 0: no marks
    std::function<void(std::size_t shard)> shard;  // under the shard's lock, after it was encoded
    std::function<void()> before_rename;           // the marks made durable before the file is
};

// Writes the registry to path through a temporary file, fsync and rename; returns "" or the error.
// Streamed: one shard is encoded at a time (under its lock) and written out, never the whole state.
// The hourly history and the outbound authentication counts, when given, are records of their own.
std::string save_state(const std::string& path, const Registry& registry, std::int64_t now,
                       const SnapshotMarks& marks = {}, const History* history = nullptr,
                       const AuthCounters* auth = nullptr);

// What happened when the state file was read at start.
struct LoadOutcome {
    // loaded; missing (start fresh); set_aside (unusable, renamed); unusable (unusable and the
    // rename failed too: the file is still in place and is ignored).
    enum class What { loaded, missing, set_aside, unusable } what = What::missing;
    std::string detail;  // for set_aside/unusable: why, and where the file went or why it stayed
    std::size_t destinations = 0;
    std::uint64_t snapshot = 0;  // the loaded file's SnapshotMarks id (0: none)
};

// Returns the outcome's stable name as logged in state.restored ("loaded", "set_aside", ...).
const char* outcome_name(LoadOutcome::What w);

// Restores the registry from path. A missing file starts fresh; a corrupt or incompatible one is
// renamed to PATH.bad-UNIXTIME and the registry starts fresh. Never throws, never fails the start.
LoadOutcome load_state(const std::string& path, Registry& registry, std::int64_t now,
                       History* history = nullptr, AuthCounters* auth = nullptr) noexcept;

// Reads a state file's records from f into registry (emptied first), its snapshot id (when
// given), and its history and auth records into those tables (when given); returns "" when it was
// read whole, else why not (the registry may then hold part of it: reset it). May throw bad_alloc.
std::string restore_from(std::FILE* f, Registry& registry, std::uint64_t* snapshot = nullptr,
                         History* history = nullptr, AuthCounters* auth = nullptr);

}  // namespace mxpulse::stats
