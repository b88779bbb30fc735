// The output of one `postqueue -j` run, split into lines within bounds and counted into a view.
#include "postlog/queue_scan.hpp"

namespace mxpulse::postlog {

nlohmann::json QueueScanCounts::to_json() const {
    return {{"lines", lines},
            {"messages", messages},
            {"malformed", malformed},
            {"too_long", too_long},
            {"recipients_dropped", recipients_dropped},
            {"truncated", truncated},
            {"first_error", first_error}};
}

void QueueScan::line(std::string_view text, bool too_long) {
    if (text.empty() && !too_long) return;
    ++counts_.lines;
    QueueLine l = too_long ? QueueLine{QueueLineKind::too_long, {}, {}}
                           : parse_queue_line(text, limits_.max_line, limits_.max_recipients);
    switch (l.kind) {
        case QueueLineKind::message:
            ++counts_.messages;
            counts_.recipients_dropped += l.message.recipients_dropped;
            view_.add(l.message);
            break;
        case QueueLineKind::malformed:
            ++counts_.malformed;
            if (counts_.first_error.empty()) counts_.first_error = l.error;
            break;
        case QueueLineKind::too_long:
            ++counts_.too_long;
            break;
    }
}

bool QueueScan::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        if (counts_.messages >= limits_.max_messages) {
            counts_.truncated = true;
            return false;
        }
        std::size_t nl = bytes.find('\n');
        std::string_view piece = bytes.substr(0, nl);
        if (!skipping_ && partial_.size() + piece.size() > limits_.max_line) {
            skipping_ = true;
            partial_.clear();
        }
        if (!skipping_) partial_.append(piece);
        if (nl == std::string_view::npos) return true;
        line(partial_, skipping_);
        partial_.clear();
        skipping_ = false;
        bytes.remove_prefix(nl + 1);
    }
    return true;
}

void QueueScan::finish() {
    if (!partial_.empty() || skipping_) {
        if (counts_.messages >= limits_.max_messages)
            counts_.truncated = true;
        else
            line(partial_, skipping_);
    }
    partial_.clear();
    skipping_ = false;
}

}  // namespace mxpulse::postlog
