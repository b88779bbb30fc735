// One SMTP connection's state as the milter sees it, with every buffer bounded by the
// configuration.
#include "session/session.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mxpulse::session {

namespace {
constexpr std::size_t kMaxMacros = 64;
constexpr std::size_t kMaxMacroBytes = 1024;
constexpr std::size_t kMaxEnvelopeBytes = 2048;  // RFC 5321 paths are far shorter

// Returns s cut to at most n bytes.
std::string_view cap(std::string_view s, std::size_t n) {
    return s.substr(0, std::min(s.size(), n));
}
}  // namespace

const Header* Message::header(std::string_view name) const {
    for (const Header& h : headers) {
        if (util::iequals(h.name, name)) return &h;
    }
    return nullptr;
}

std::string Message::raw() const {
    std::string out;
    out.reserve(header_bytes + body.size() + 2);
    for (const Header& h : headers) {
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

std::string_view bare_macro_name(std::string_view name) {
    if (name.size() >= 2 && name.front() == '{' && name.back() == '}')
        return name.substr(1, name.size() - 2);
    return name;
}

Session::Session(std::shared_ptr<const config::Config> config) : config_(std::move(config)) {}

void Session::on_connect(std::string_view hostname, std::string_view address) {
    client_hostname_ = cap(hostname, kMaxEnvelopeBytes);
    client_address_ = cap(address, kMaxEnvelopeBytes);
}

void Session::on_helo(std::string_view helo) {
    helo_ = cap(helo, kMaxEnvelopeBytes);
}

void Session::set_macro(std::string_view name, std::string_view value) {
    name = bare_macro_name(name);
    for (auto& [n, v] : macros_) {
        if (n == name) {
            v = cap(value, kMaxMacroBytes);
            return;
        }
    }
    if (macros_.size() >= kMaxMacros) {
        hit(stats::Limit::macros);
        return;
    }
    macros_.emplace_back(std::string(name), std::string(cap(value, kMaxMacroBytes)));
}

std::string_view Session::macro(std::string_view name) const {
    name = bare_macro_name(name);
    for (const auto& [n, v] : macros_) {
        if (n == name) return v;
    }
    return {};
}

void Session::begin_message(std::string_view sender) {
    std::string qid = message_.queue_id;
    message_ = Message{};
    message_.queue_id = std::move(qid);
    message_.sender = util::strip_angles(cap(sender, kMaxEnvelopeBytes));
    message_.has_sender = true;
}

void Session::add_recipient(std::string_view recipient) {
    ++message_.recipients_seen;
    if (message_.recipients.size() >= static_cast<std::size_t>(config_->max_recipients)) {
        hit(stats::Limit::recipients);
        return;
    }
    message_.recipients.emplace_back(util::strip_angles(cap(recipient, kMaxEnvelopeBytes)));
}

void Session::add_header(std::string_view name, std::string_view value) {
    std::size_t bytes = name.size() + value.size() + 4;  // ": " and CRLF
    if (message_.headers.size() >= static_cast<std::size_t>(config_->max_headers)) {
        hit(stats::Limit::headers);
        return;
    }
    if (message_.header_bytes + bytes > static_cast<std::size_t>(config_->max_header_bytes)) {
        hit(stats::Limit::header_bytes);
        return;
    }
    message_.header_bytes += bytes;
    message_.headers.push_back(Header{std::string(name), std::string(value)});
}

void Session::append_body(std::string_view chunk) {
    message_.body_size += chunk.size();
    auto max = static_cast<std::size_t>(config_->max_body_bytes);
    if (message_.body.size() >= max) {
        if (!chunk.empty()) hit(stats::Limit::body_bytes);
        return;
    }
    std::size_t room = max - message_.body.size();
    if (chunk.size() > room) hit(stats::Limit::body_bytes);
    message_.body.append(chunk.substr(0, std::min(room, chunk.size())));
}

void Session::end_message() {
    message_ = Message{};
    // {i} belongs to one transaction; the MTA sends it again for the next one.
    std::erase_if(macros_, [](const auto& m) { return m.first == "i"; });
}

std::string Session::queue_id() const {
    std::string_view i = macro("i");
    return i.empty() ? message_.queue_id : std::string(i);
}

void Session::hit(stats::Limit l) {
    if (std::find(message_.limits_hit.begin(), message_.limits_hit.end(), l) ==
        message_.limits_hit.end()) {
        message_.limits_hit.push_back(l);
    }
}

}  // namespace mxpulse::session
