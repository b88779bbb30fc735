// The control protocol: one command line in, one JSON document out.
#include "control/protocol.hpp"

namespace mxpulse::control {

std::optional<Request> parse_request(std::string_view line, std::string& error) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Request r;
    std::size_t i = 0;
    while (i < line.size()) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        if (c == ' ' || c == '\t') {
            ++i;
            continue;
        }
        if (c < 0x21 || c > 0x7e) {
            error = "request contains a control or non-ASCII byte at offset " + std::to_string(i);
            return std::nullopt;
        }
        std::size_t end = line.find_first_of(" \t", i);
        if (end == std::string_view::npos) end = line.size();
        std::string word(line.substr(i, end - i));
        for (unsigned char w : word) {
            if (w < 0x21 || w > 0x7e) {
                error = "request contains a control or non-ASCII byte";
                return std::nullopt;
            }
        }
        if (r.command.empty())
            r.command = std::move(word);
        else if (r.args.size() >= kMaxArgs) {
            error = "too many arguments (at most " + std::to_string(kMaxArgs) + ")";
            return std::nullopt;
        } else
            r.args.push_back(std::move(word));
        i = end;
    }
    if (r.command.empty()) {
        error = "empty request; try \"help\"";
        return std::nullopt;
    }
    return r;
}

std::string ok_reply(std::string_view command, const nlohmann::json& result) {
    nlohmann::json j = {{"ok", true}, {"command", command}, {"result", result}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string error_reply(std::string_view error) {
    nlohmann::json j = {{"ok", false}, {"error", error}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mxpulse::control
