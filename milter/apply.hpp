// Applying a pipeline Outcome through libmilter: checked calls, each refusal counted and logged.
#pragma once

#include <libmilter/mfapi.h>

#include <string>

#include "app.hpp"
#include "pipeline/outcome.hpp"

namespace mxpulse::milter {

// Returns a header value as the MTA expects it back: with SMFIP_HDR_LEADSPC negotiated the MTA
// takes values verbatim, so the space after the colon must be part of the value.
std::string header_for_mta(bool leading_space, std::string value);

// Returns the libmilter status of a reply.
sfsistat to_sfsistat(const pipeline::Reply& reply);

// Applies the Outcome's edits and reply, logs its events, and returns the end-of-message status.
sfsistat apply_outcome(SMFICTX* ctx, App& app, bool leading_space, const pipeline::Outcome& out);

}  // namespace mxpulse::milter
