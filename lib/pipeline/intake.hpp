// What the MTA streams of one connection, kept bounded in a Session and verified for DKIM as it
// arrives; the adapter feeds it from its callbacks and hands it to process() at end of message.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim.hpp"
#include "pipeline/runtime.hpp"
#include "session/session.hpp"

namespace mxpulse::pipeline {

// One connection's intake: the session, the Runtime its current message is judged by, and the
// DKIM verification that runs while the message streams.
class Intake {
  public:
    // Starts a connection under the Runtime in force.
    explicit Intake(std::shared_ptr<const Runtime> runtime);

    // Says that header values arrive with their leading space (SMFIP_HDR_LEADSPC).
    void set_leading_space(bool on) { leading_space_ = on; }
    bool leading_space() const { return leading_space_; }

    // Starts a message under the Runtime now in force.
    void begin_message(std::shared_ptr<const Runtime> runtime, std::string_view sender);

    // Adds a header as the MTA sent it; the first header decides whether DKIM is verified (the
    // envelope and its macros are known by then).
    void header(std::string_view name, std::string_view value);

    // Marks the end of the headers.
    void end_of_headers();

    // Adds a chunk of the body.
    void body(std::string_view chunk);

    // Records an internal error of a step; the first one is kept and decides the reply.
    void note_failure(std::string_view what) noexcept;

    // Returns the DKIM verdicts of the message (none when it was not verified) and ends the
    // verification.
    std::vector<auth::DkimSignature> finish_dkim();

    // Ends the message (after end of message or abort); the connection stays.
    void end_message();

    session::Session& session() { return session_; }
    const session::Session& session() const { return session_; }
    const Runtime& runtime() const { return *runtime_; }
    const std::string& failure() const { return failure_; }
    bool failed() const { return failed_; }

  private:
    // Decides, once per message, whether it may be outbound and so is verified as it streams.
    void decide_streaming();

    std::shared_ptr<const Runtime> runtime_;
    session::Session session_;
    bool leading_space_ = false;
    bool decided_ = false;
    std::unique_ptr<auth::DkimSession> dkim_;
    std::string failure_;
    bool failed_ = false;
};

}  // namespace mxpulse::pipeline
