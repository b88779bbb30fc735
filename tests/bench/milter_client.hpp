// A milter protocol client for the benchmarks: one connection to a milter, negotiated the way
// Postfix negotiates (protocol version 6, every action and step offered), then steps sent as the
// milter asked: steps it declined (SMFIP_NO*) are not sent, steps without reply (SMFIP_NR_*) are
// not waited for, and a body it skips (SMFIS_SKIP) stops being sent. Commands that get no reply
// are buffered and written with the next one that does, so a run measures the milter and not
// Nagle's algorithm.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mxbench {

struct Message {
    std::string sender;                                        // without angle brackets; "" is <>
    std::vector<std::string> recipients;                       // without angle brackets
    std::vector<std::pair<std::string, std::string>> headers;  // value as after the colon
    std::string body;                                          // CRLF line ends
};

// How a message ended at the milter.
enum class Verdict { continued, accepted, rejected, tempfailed, discarded };

class MilterClient {
  public:
    // Connects to SPEC (unix:/path, local:/path or inet:PORT@HOST) and negotiates; throws
    // std::runtime_error on failure.
    explicit MilterClient(const std::string& spec);
    ~MilterClient();
    MilterClient(const MilterClient&) = delete;
    MilterClient& operator=(const MilterClient&) = delete;

    // The SMTP connection and HELO; returns false when the milter accepted the whole connection.
    bool open_session(const std::string& client_ip, const std::string& helo);
    // One message from MAIL to end of message; QUEUE_ID is sent as the "i" macro.
    Verdict send_message(const Message& m, const std::string& queue_id);
    void quit();

    unsigned long protocol() const { return protocol_; }

  private:
    void put(char cmd, const std::string& data);
    void macros(char stage, const std::vector<std::pair<std::string, std::string>>& values);
    // Sends a step; waits for its reply unless the milter negotiated NR_FLAG. Returns the reply
    // command ('c' when none was due).
    char step(char cmd, const std::string& data, unsigned long nr_flag);
    char read_reply();
    void flush();
    bool wants(unsigned long no_flag) const { return (protocol_ & no_flag) == 0; }
    char body(const Message& m, const std::string& queue_id);
    char envelope(const Message& m, const std::string& queue_id);

    int fd_ = -1;
    unsigned long protocol_ = 0;
    std::string out_;
};

}  // namespace mxbench
