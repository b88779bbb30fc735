// Runs `postqueue -j` once, with a timeout, feeding its output to a queue scan as it arrives.
#pragma once

#include <chrono>
#include <string>

#include "postlog/queue_scan.hpp"

namespace mxpulse::milter {

// What one run did.
struct PostqueueRun {
    std::string error;  // "" when postqueue ran and exited 0
    bool timed_out = false;
    bool stopped = false;  // killed because the scan reached its bound
};

// Runs command [-c config_dir] -j, feeds its standard output to scan until it ends, the scan
// stops it or timeout passes (then it is killed). Never throws for a failed run.
PostqueueRun run_postqueue(const std::string& command, const std::string& config_dir,
                           std::chrono::milliseconds timeout, postlog::QueueScan& scan);

}  // namespace mxpulse::milter
