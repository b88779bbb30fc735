// Test helper: splits an RFC 5322 message into raw headers and a CRLF body.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mxpulse::testing {

// A message as the milter sees it: headers (name, raw value after the colon) and a body.
struct SplitMessage {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// Converts bare LF line ends to CRLF.
inline std::string to_crlf(const std::string& in) {
    std::string out;
    out.reserve(in.size() + in.size() / 40);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
        out += in[i];
    }
    return out;
}

// Splits a CRLF message into headers (folding kept) and body.
inline SplitMessage split_message(const std::string& crlf) {
    SplitMessage m;
    std::size_t pos = 0;
    while (pos < crlf.size()) {
        std::size_t eol = crlf.find("\r\n", pos);
        if (eol == std::string::npos) eol = crlf.size();
        std::string line = crlf.substr(pos, eol - pos);
        pos = eol + 2;
        if (line.empty()) break;
        if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
            m.headers.back().second += "\r\n" + line;
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        m.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    if (pos < crlf.size()) m.body = crlf.substr(pos);
    return m;
}

}  // namespace mxpulse::testing
