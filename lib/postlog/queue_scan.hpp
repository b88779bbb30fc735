// The output of one `postqueue -j` run, split into lines within bounds and counted into a view.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "postlog/queue_view.hpp"

namespace mxpulse::postlog {

// The bounds of one scan.
struct QueueScanLimits {
    std::size_t max_line = 65536;       // longer lines are skipped whole (too_long)
    std::size_t max_messages = 100000;  // messages read; the scan stops at it (truncated)
    std::size_t max_recipients = 1000;  // recipients kept per message
};

// What one scan read.
struct QueueScanCounts {
    std::uint64_t lines = 0, messages = 0, malformed = 0, too_long = 0, recipients_dropped = 0;
    bool truncated = false;   // max_messages reached: the rest of the queue was not read
    std::string first_error;  // of the first malformed line

    // Returns the counts as JSON.
    nlohmann::json to_json() const;
};

// Splits output into lines as it arrives and counts each message into a view.
class QueueScan {
  public:
    QueueScan(QueueScanLimits limits, QueueView& view) : limits_(limits), view_(view) {}

    // Takes the next bytes of output; returns false once max_messages is reached (stop reading).
    bool feed(std::string_view bytes);

    // Takes a last line that had no newline.
    void finish();

    const QueueScanCounts& counts() const { return counts_; }

  private:
    // Takes one whole line (too_long when it was cut).
    void line(std::string_view text, bool too_long);

    QueueScanLimits limits_;
    QueueView& view_;
    QueueScanCounts counts_;
    std::string partial_;
    bool skipping_ = false;  // inside a line longer than max_line
};

}  // namespace mxpulse::postlog
