// One line of `postqueue -j` (Postfix >= 3.1): a queued message as a JSON object, parsed.
#include "postlog/queue_line.hpp"

#include <nlohmann/json.hpp>

namespace mxpulse::postlog {

namespace {

// Returns j[key] as a string, or "" when it is missing or not a string.
std::string string_at(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Returns j[key] as an integer, or 0 when it is missing or not a number.
std::int64_t integer_at(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return 0;
    return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>())
                                 : it->get<std::int64_t>();
}

// Returns a malformed line with its reason.
QueueLine malformed(std::string error) {
    QueueLine out;
    out.kind = QueueLineKind::malformed;
    out.error = std::move(error);
    return out;
}

}  // namespace

QueueLine parse_queue_line(std::string_view line, std::size_t max_len, std::size_t max_recipients) {
    if (line.size() > max_len) return QueueLine{QueueLineKind::too_long, {}, {}};
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return malformed("not JSON");
    if (!j.is_object()) return malformed("not a JSON object");
    QueueLine out;
    out.kind = QueueLineKind::message;
    QueuedMessage& m = out.message;
    m.queue_name = string_at(j, "queue_name");
    m.queue_id = string_at(j, "queue_id");
    if (m.queue_name.empty() || m.queue_id.empty()) return malformed("no queue_name or queue_id");
    m.sender = string_at(j, "sender");
    m.arrival_time = integer_at(j, "arrival_time");
    m.message_size = integer_at(j, "message_size");
    auto rcpts = j.find("recipients");
    if (rcpts == j.end() || !rcpts->is_array()) return malformed("no recipients array");
    for (const nlohmann::json& r : *rcpts) {
        if (!r.is_object()) return malformed("a recipient is not an object");
        if (m.recipients.size() >= max_recipients) {
            ++m.recipients_dropped;
            continue;
        }
        m.recipients.push_back({string_at(r, "address"), string_at(r, "delay_reason")});
    }
    return out;
}

}  // namespace mxpulse::postlog
