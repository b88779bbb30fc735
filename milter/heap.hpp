// Keeping the daemon's heap small: few malloc arenas, and freed memory handed back to the kernel.
#pragma once

namespace mxpulse::milter {

// Limits glibc's malloc to two arenas (instead of eight per core), so that memory freed by one
// libmilter thread is reused by the others rather than kept per thread. Call before any thread.
void limit_heap_arenas();

// Returns the free memory at the top of the heap and free whole pages inside it to the kernel
// (after a snapshot or a restore, which free much at once).
void return_free_heap();

}  // namespace mxpulse::milter
