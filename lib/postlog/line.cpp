// Postfix log lines: the syslog prefix, the queue id and the key=value fields of each kind.
#include "postlog/line.hpp"

#include <charconv>
#include <cstdlib>

namespace mxpulse::postlog {
namespace {

bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Reads the timestamp, host and "program[pid]: " of a line into r; returns the message after
// them, or nullopt when the line has no syslog prefix.
std::optional<std::string_view> read_prefix(std::string_view line, std::int64_t now, Record& r) {
    std::size_t used = 0;
    auto t = parse_iso_time(line, &used);
    if (!t) t = parse_bsd_time(line, now, &used);
    if (!t || used >= line.size() || line[used] != ' ') return std::nullopt;
    r.time = *t;
    line.remove_prefix(used + 1);
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) return std::nullopt;
    r.host = std::string(line.substr(0, sp));
    line.remove_prefix(sp + 1);
    std::size_t end = line.find_first_of("[: ");
    if (end == std::string_view::npos || end == 0) return std::nullopt;
    r.program = std::string(line.substr(0, end));
    line.remove_prefix(end);
    if (!line.empty() && line[0] == '[') {
        std::size_t close = line.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        line.remove_prefix(close + 1);
    }
    if (line.size() < 2 || line[0] != ':' || line[1] != ' ') return std::nullopt;
    std::size_t slash = r.program.rfind('/');
    r.service = slash == std::string::npos ? "" : r.program.substr(slash + 1);
    return line.substr(2);
}

// Reads a queue id and ": " at the start of msg; returns the rest or nullopt.
std::optional<std::string_view> read_queue_id(std::string_view msg, Record& r) {
    std::size_t i = 0;
    while (i < msg.size() && i <= 20 && is_alnum(msg[i]))
        ++i;
    if (i < 5 || i > 20 || msg.substr(i, 2) != ": ") return std::nullopt;
    r.queue_id = std::string(msg.substr(0, i));
    return msg.substr(i + 2);
}

// Reads an "<address>" value at the start of s (up to the '>' before ", " or the end) into out;
// returns the length consumed or npos.
std::size_t read_angle(std::string_view s, std::string& out) {
    if (s.empty() || s[0] != '<') return std::string_view::npos;
    std::size_t close = s.find(">, ");
    if (close == std::string_view::npos) {
        if (s.back() != '>') return std::string_view::npos;
        close = s.size() - 1;
    }
    out = std::string(s.substr(1, close - 1));
    return close + 1;
}

// Splits "host[ip]:port" (or "none", "local") into the record.
void read_relay(std::string_view v, Record& r) {
    std::size_t open = v.rfind('[');
    std::size_t close = v.rfind(']');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        r.relay_host = std::string(v);
        return;
    }
    r.relay_host = std::string(v.substr(0, open));
    r.relay_ip = std::string(v.substr(open + 1, close - open - 1));
    if (close + 1 < v.size() && v[close + 1] == ':') {
        int port = -1;
        auto p = v.substr(close + 2);
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec == std::errc() && ptr == p.data() + p.size()) r.relay_port = port;
    }
}

// Returns a non-negative decimal number, or -1.
double number(std::string_view v) {
    if (v.empty() || v.size() > 32) return -1;
    std::string s(v);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    return (end == s.c_str() + s.size() && d >= 0) ? d : -1;
}

// Reads "a/b/c/d" into r.delays.
void read_delays(std::string_view v, Record& r) {
    for (int k = 0; k < 4; ++k) {
        std::size_t slash = v.find('/');
        r.delays[k] = number(v.substr(0, slash));
        if (slash == std::string_view::npos) break;
        v.remove_prefix(slash + 1);
    }
}

// Returns the status named by a word.
Status status_of(std::string_view w) {
    if (w == "sent") return Status::sent;
    if (w == "deferred") return Status::deferred;
    if (w == "bounced") return Status::bounced;
    if (w == "expired") return Status::expired;
    return Status::none;
}

// Reads "status=WORD (reply)" (s after "status="); the reply runs to the line's last ')'.
void read_status(std::string_view s, Record& r) {
    std::size_t sp = s.find(' ');
    r.status = status_of(s.substr(0, sp));
    if (sp == std::string_view::npos) return;
    std::string_view rest = s.substr(sp + 1);
    if (rest.size() >= 2 && rest.front() == '(' && rest.back() == ')')
        r.reply = std::string(rest.substr(1, rest.size() - 2));
}

// Stores one key=value field of a delivery line.
void store_field(std::string_view key, std::string_view v, Record& r) {
    if (key == "relay")
        read_relay(v, r);
    else if (key == "delay")
        r.delay = number(v);
    else if (key == "delays")
        read_delays(v, r);
    else if (key == "dsn")
        r.dsn = std::string(v);
}

// Parses the fields of "to=<...>, orig_to=<...>, relay=..., ..., status=... (...)".
Kind read_delivery(std::string_view s, Record& r) {
    while (!s.empty()) {
        std::size_t eq = s.find('=');
        if (eq == std::string_view::npos) return Kind::malformed;
        std::string_view key = s.substr(0, eq);
        s.remove_prefix(eq + 1);
        if (key == "status") {
            read_status(s, r);
            break;
        }
        std::size_t len;
        if (key == "to" || key == "orig_to") {
            len = read_angle(s, key == "to" ? r.to : r.orig_to);
            if (len == std::string_view::npos) return Kind::malformed;
        } else {
            len = std::min(s.find(", "), s.size());
            store_field(key, s.substr(0, len), r);
        }
        s.remove_prefix(len);
        if (s.substr(0, 2) == ", ") s.remove_prefix(2);
    }
    return r.status == Status::none ? Kind::malformed : Kind::delivery;
}

// Parses "from=<...>, size=..., nrcpt=..." or "from=<...>, status=expired, returned to sender".
Kind read_from(std::string_view s, Record& r) {
    std::size_t len = read_angle(s, r.from);
    if (len == std::string_view::npos) return Kind::malformed;
    s.remove_prefix(len);
    if (s.substr(0, 17) == ", status=expired,") {
        r.status = Status::expired;
        return Kind::expired;
    }
    return Kind::from;
}

}  // namespace

std::string_view status_name(Status s) {
    switch (s) {
        case Status::sent:
            return "sent";
        case Status::deferred:
            return "deferred";
        case Status::bounced:
            return "bounced";
        case Status::expired:
            return "expired";
        case Status::none:
            break;
    }
    return "";
}

Record parse_line(std::string_view line, std::int64_t now, std::size_t max_len) {
    Record r;
    if (line.size() > max_len) {
        r.kind = Kind::too_long;
        return r;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto msg = read_prefix(line, now, r);
    if (!msg) return r;
    auto rest = read_queue_id(*msg, r);
    if (!rest) return r;
    if (rest->substr(0, 3) == "to=")
        r.kind = read_delivery(*rest, r);
    else if (rest->substr(0, 5) == "from=")
        r.kind = read_from(rest->substr(5), r);
    else if (*rest == "removed")
        r.kind = Kind::removed;
    else if (rest->substr(0, 11) == "message-id=") {
        r.message_id = std::string(rest->substr(11));
        r.kind = Kind::message_id;
    }
    return r;
}

}  // namespace mxpulse::postlog
