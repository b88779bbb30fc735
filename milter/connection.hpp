// A milter connection's private data: its Intake, the steps it answers, its session slot.
#pragma once

#include <libmilter/mfapi.h>

#include <initializer_list>
#include <memory>

#include "app.hpp"
#include "pipeline/intake.hpp"

namespace mxpulse::milter {

// The per-connection private data libmilter keeps for us.
struct Private {
    std::unique_ptr<pipeline::Intake> intake;
    unsigned long no_reply = 0;  // SMFIP_NR_* steps the MTA agreed not to wait for
    bool counted = false;        // holds a slot of milter.max_sessions
    bool passthrough = false;    // over max_sessions: not analysed
};

// Returns the connection's private data, creating it (and claiming a session slot) on first use.
Private* connection(SMFICTX* ctx, App& app);

// Returns what a step answers: no reply when negotiated away, else continue.
sfsistat step_reply(const Private* p, unsigned long nr_flag);

// Copies the named macros the MTA sent into the session.
void take_macros(SMFICTX* ctx, session::Session& s, std::initializer_list<const char*> names);

// Counts and logs an internal failure of a step; the failure action applies at end of message.
void record_failure(App& app, Private* p, const char* stage, const char* what) noexcept;

}  // namespace mxpulse::milter
