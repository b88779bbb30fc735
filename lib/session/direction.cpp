// Deciding at end of message whether mail is outbound, a returning bounce, or other.
#include "session/direction.hpp"

#include <algorithm>

#include "dsn/detect.hpp"
#include "util/cidr.hpp"
#include "util/strings.hpp"

namespace mxpulse::session {

bool looks_like_bounce(const Message& m) {
    const auto value = [&m](std::string_view name) {
        const Header* h = m.header(name);
        return h ? std::string_view(h->value) : std::string_view();
    };
    const dsn::Envelope envelope = !m.has_sender      ? dsn::Envelope::unknown
                                   : m.sender.empty() ? dsn::Envelope::null_sender
                                                      : dsn::Envelope::sender;
    return dsn::looks_like_bounce(
        dsn::TopHeaders{value("Content-Type"), value("From"), value("Subject"),
                        m.header("X-Failed-Recipients") != nullptr},
        envelope);
}

stats::Direction classify(const Session& s, bool is_bounce) {
    if (is_bounce) return stats::Direction::returning_dsn;
    const config::Config& c = s.config();
    if (c.authenticated_is_outbound && !s.macro("auth_authen").empty())
        return stats::Direction::outbound;
    std::string_view daemon = s.macro("daemon_name");
    for (const std::string& name : c.outbound_daemon_names) {
        if (!daemon.empty() && daemon == name) return stats::Direction::outbound;
    }
    if (auto addr = util::parse_address(s.client_address());
        addr && util::address_in(*addr, c.internal_cidrs)) {
        return stats::Direction::outbound;
    }
    return stats::Direction::other;
}

std::vector<std::string> recipient_domains(const Message& m) {
    std::vector<std::string> out;
    for (const std::string& r : m.recipients) {
        std::string d = util::address_domain(r);
        if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end())
            out.push_back(std::move(d));
    }
    return out;
}

}  // namespace mxpulse::session
