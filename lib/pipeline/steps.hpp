// The steps of process(), one file each: bounce accounting, outbound accounting, outbound checks.
#pragma once

#include <cstdint>
#include <string>

#include "dsn/report.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/outcome.hpp"
#include "pipeline/state.hpp"

namespace mxpulse::pipeline {

// Asks for the MX of a destination domain unless the provider map already knows it; a dropped
// request is counted and logged as the mx_queue limit.
void ask_mx(const std::string& domain, const Runtime& rt, State& state, std::int64_t now,
            Outcome& out);

// Tags, counts and correlates a returning bounce; returns the recipients it counted.
std::size_t take_bounce(const dsn::Report& report, const Intake& intake, State& state,
                        std::int64_t now, Outcome& out);

// Counts an outbound message per recipient domain and remembers it for correlation.
void take_outbound(const Intake& intake, State& state, std::int64_t now, Outcome& out);

// Evaluates SPF, DKIM and DMARC of an outbound message, counts the verdict per sender domain,
// and decides the header or reply the configured action asks for.
void check_outbound(Intake& intake, State& state, std::int64_t now, Outcome& out);

}  // namespace mxpulse::pipeline
