// The libmilter adapter: callbacks copy what they need into a Session and decide at end of message.
#pragma once

#include "app.hpp"

namespace mxpulse::milter {

// Registers the callbacks with libmilter; returns false when libmilter refuses them.
bool register_filter(App& app);

}  // namespace mxpulse::milter
