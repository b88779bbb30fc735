// Which resolver the lookups go to, in words an operator can check: configured or resolv.conf.
#include "dns/source.hpp"

#include <fstream>
#include <sstream>

namespace mxpulse::dns {

namespace {

// The nameserver lines of a resolv.conf, read the way libunbound reads them.
std::vector<std::string> resolv_conf_nameservers(const std::string& path, bool& readable) {
    std::vector<std::string> out;
    std::ifstream in(path);
    readable = static_cast<bool>(in);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string key, address;
        if (words >> key >> address && key == "nameserver") out.push_back(address);
    }
    return out;
}

}  // namespace

// Describes where the lookups go.
ResolverSource describe_source(const ResolverConfig& config, const std::string& resolv_conf) {
    ResolverSource s;
    if (!config.nameservers.empty()) {
        s.origin = "config";
        s.addresses = config.nameservers;
        return s;
    }
    s.origin = "resolv.conf";
    s.file = resolv_conf;
    bool readable = false;
    s.addresses = resolv_conf_nameservers(resolv_conf, readable);
    if (!readable) {
        s.note = "unreadable";
    } else if (s.addresses.empty()) {
        // libunbound, like resolv.conf(5), falls back to the local host.
        s.addresses.push_back("127.0.0.1");
        s.note = "lists no nameserver: 127.0.0.1 is used";
    }
    return s;
}

// One line for people.
std::string source_line(const ResolverSource& s) {
    std::string line;
    for (const auto& a : s.addresses)
        line += (line.empty() ? "" : ", ") + a;
    if (line.empty()) line = "none";
    if (s.origin == "config") return line + " (from dns.nameservers)";
    return line + " (from " + s.file + (s.note.empty() ? "" : ", which " + s.note) + ")";
}

}  // namespace mxpulse::dns
