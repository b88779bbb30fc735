// Outbound SPF/DKIM/DMARC at end of message: evaluate, count per sender domain, log, and apply
// the configured action (log, header, tempfail or reject).
#pragma once

#include <libmilter/mfapi.h>

#include <string>
#include <vector>

#include "app.hpp"
#include "auth/dkim.hpp"
#include "dns/resolver.hpp"
#include "session/session.hpp"

namespace mxpulse::milter {

// Evaluates one outbound message whose DKIM signatures were verified as it streamed; returns the
// reply for end of message (SMFIS_CONTINUE unless the action tempfails or rejects it).
sfsistat check_outbound(SMFICTX* ctx, App& app, const session::Session& s,
                        std::vector<auth::DkimSignature> dkim, const std::string& queue_id);

}  // namespace mxpulse::milter
