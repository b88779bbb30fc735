// Who may use the control socket: peer credentials against allowed and admin uids and gids.
#include "control/access.hpp"

#include <algorithm>

namespace mxpulse::control {

namespace {

// Returns true when id is in the list.
bool has(const std::vector<std::uint32_t>& list, std::uint32_t id) {
    return std::find(list.begin(), list.end(), id) != list.end();
}

// Returns true when the peer's primary or a supplementary group is in the list.
bool in_groups(const Peer& p, const std::vector<std::uint32_t>& gids) {
    if (has(gids, p.gid)) return true;
    return std::any_of(p.groups.begin(), p.groups.end(),
                       [&](std::uint32_t g) { return has(gids, g); });
}

}  // namespace

std::optional<Access> access_for(const Peer& peer, const Policy& policy) {
    if (has(policy.admin_uids, peer.uid) || in_groups(peer, policy.admin_gids))
        return Access::admin;
    if (has(policy.read_uids, peer.uid) || in_groups(peer, policy.read_gids)) return Access::read;
    return std::nullopt;
}

}  // namespace mxpulse::control
