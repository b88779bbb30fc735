// The message pipeline: one call at end of message decides, counts and returns what to apply.
#pragma once

#include <cstdint>

#include "pipeline/intake.hpp"
#include "pipeline/outcome.hpp"
#include "pipeline/state.hpp"

namespace mxpulse::pipeline {

// Decides the direction of the message in INTAKE (parsing it when it may be a report), tags and
// counts a returning bounce, counts and checks outbound mail, asks for the MX of every
// destination domain met, and returns the Outcome; NOW is the clock reading the counts use.
Outcome process(Intake& intake, State& state, std::int64_t now);

// Returns the reply of the configured failure action (milter.failure_action).
Reply failure_reply(const config::Config& c);

}  // namespace mxpulse::pipeline
