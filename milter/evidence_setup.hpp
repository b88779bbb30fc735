// The daemon's evidence store: opened from [evidence] at start, its bounds counted and logged.
#pragma once

#include "app.hpp"
#include "daemon.hpp"

namespace mxpulse::milter {

// Opens the evidence store of the configuration (creating its directory, mode 0750, for the
// daemon's user) and starts its writer thread. A store that cannot open is logged (daemon.error)
// and left out: NDRs then pass as always, without being kept.
void open_evidence(App& app, const config::Config& c, const Identity& id);

}  // namespace mxpulse::milter
