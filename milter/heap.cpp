// Keeping the daemon's heap small: few malloc arenas, and freed memory handed back to the kernel.
#include "heap.hpp"

#include <malloc.h>

namespace mxpulse::milter {

void limit_heap_arenas() {
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, 2);
#endif
}

void return_free_heap() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

}  // namespace mxpulse::milter
