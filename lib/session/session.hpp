// One SMTP connection's state as the milter sees it, with every buffer bounded by the
// configuration.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "stats/limits.hpp"

namespace mxpulse::session {

// A header field as received (name without colon, value unfolded as the MTA sent it).
struct Header {
    std::string name;
    std::string value;
};

// The transaction in progress: envelope, kept headers, kept body prefix, and the bounds it hit.
struct Message {
    std::string queue_id;
    std::string sender;  // envelope sender without angle brackets; "" for the null sender
    bool has_sender = false;
    std::vector<std::string> recipients;
    std::size_t recipients_seen = 0;
    std::vector<Header> headers;
    std::size_t header_bytes = 0;
    std::string body;                      // the first max_body_bytes of the body
    std::size_t body_size = 0;             // all body bytes seen
    std::vector<stats::Limit> limits_hit;  // each at most once

    // Returns the first header with that name (case-insensitive), or nullptr.
    const Header* header(std::string_view name) const;

    // Returns the kept headers and body as one RFC 5322 message, for the bounce parser.
    std::string raw() const;
};

// A connection: its peer, HELO, macros, and the current message.
class Session {
  public:
    explicit Session(std::shared_ptr<const config::Config> config);

    // Records the client as the MTA reported it.
    void on_connect(std::string_view hostname, std::string_view address);

    // Records the HELO/EHLO argument.
    void on_helo(std::string_view helo);

    // Stores a macro value, bounded in number and length; later values replace earlier ones.
    void set_macro(std::string_view name, std::string_view value);

    // Returns a macro's value ("" when unknown); "{i}" and "i" are the same macro.
    std::string_view macro(std::string_view name) const;

    // Starts a new transaction with its envelope sender.
    void begin_message(std::string_view sender);

    // Bounds the next transactions by another configuration (the one in force at MAIL FROM).
    void use_config(std::shared_ptr<const config::Config> c) { config_ = std::move(c); }

    // Adds an envelope recipient, up to the limit.
    void add_recipient(std::string_view recipient);

    // Adds a header field, up to the header count and byte limits.
    void add_header(std::string_view name, std::string_view value);

    // Appends body bytes, keeping at most max_body_bytes.
    void append_body(std::string_view chunk);

    // Ends the transaction (after end of message or abort); the connection stays.
    void end_message();

    const Message& message() const { return message_; }
    Message& message() { return message_; }
    const std::string& client_address() const { return client_address_; }
    const std::string& client_hostname() const { return client_hostname_; }
    const std::string& helo() const { return helo_; }
    const config::Config& config() const { return *config_; }

    // Returns the queue id: the {i} macro if the MTA sent it, else what the message recorded.
    std::string queue_id() const;

  private:
    // Records that a bound was hit, once per message.
    void hit(stats::Limit l);

    std::shared_ptr<const config::Config> config_;
    std::string client_address_;
    std::string client_hostname_;
    std::string helo_;
    std::vector<std::pair<std::string, std::string>> macros_;
    Message message_;
};

// Returns the macro name without braces: "{i}" -> "i".
std::string_view bare_macro_name(std::string_view name);

}  // namespace mxpulse::session
