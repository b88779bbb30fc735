// Who may use the control socket: peer credentials against allowed and admin uids and gids.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "control/commands.hpp"

namespace mxpulse::control {

// A connected peer as told by SO_PEERCRED (and SO_PEERGROUPS for its other groups).
struct Peer {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::vector<std::uint32_t> groups;  // supplementary groups, when known
};

// The resolved access policy: ids allowed read access, ids given admin access.
struct Policy {
    std::vector<std::uint32_t> read_uids;
    std::vector<std::uint32_t> read_gids;
    std::vector<std::uint32_t> admin_uids;
    std::vector<std::uint32_t> admin_gids;
};

// Returns the peer's access level, or nullopt when it may not use the socket at all.
std::optional<Access> access_for(const Peer& peer, const Policy& policy);

}  // namespace mxpulse::control
