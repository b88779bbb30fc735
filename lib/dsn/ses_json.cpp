// Amazon SES event notifications (JSON bodies, often relayed by SNS): bounces, complaints,
// deliveries.
#include "dsn/ses_json.hpp"

#include <nlohmann/json.hpp>

#include "dsn/codes.hpp"
#include "dsn/fields.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Deepest JSON nesting accepted; SES notifications nest about 5 levels.
constexpr int kMaxDepth = 32;
// Largest JSON text parsed.
constexpr std::size_t kMaxJson = 1 << 20;

// Returns the body with mail line-wrapping undone: CR and LF removed, and the blank that
// starts a continuation line.
std::string unwrap(std::string_view body) {
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\r') continue;
        if (c == '\n') {
            if (i + 1 < body.size() && body[i + 1] == ' ') ++i;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

// Returns the JSON object at the start of text (up to its balanced closing brace), or "" when
// it is unbalanced or nests deeper than kMaxDepth.
std::string_view json_object(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxDepth) return {};
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return text.substr(0, i + 1);
        }
    }
    return {};
}

// Parses a bounded JSON object at the start of text; returns a discarded value on failure.
nlohmann::json parse_object(std::string_view text) {
    const std::string_view object = json_object(text);
    if (object.empty()) return nlohmann::json::value_t::discarded;
    return nlohmann::json::parse(object, nullptr, false);
}

// Returns the string member key of object j, or "".
std::string member(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Returns the member key of object j when it is an object or array, else null.
const nlohmann::json& child(const nlohmann::json& j, const char* key) {
    static const nlohmann::json null;
    if (!j.is_object()) return null;
    const auto it = j.find(key);
    return it != j.end() && (it->is_object() || it->is_array()) ? *it : null;
}

// Returns an ISO 8601 timestamp such as "2016-10-21T00:06:40.502Z" as "...T00:06:40+00:00".
std::string iso_timestamp(std::string_view t) {
    if (t.size() < 19 || t[10] != 'T') return {};
    std::string out(t.substr(0, 19));
    const std::size_t zone = t.find_first_of("Z+-", 19);
    if (zone == std::string_view::npos || t[zone] == 'Z') return out + "+00:00";
    return out + std::string(t.substr(zone));
}

// Fills the original-message fields from the "mail" object.
void fill_original(OriginalMessage& o, const nlohmann::json& mail) {
    const auto& common = child(mail, "commonHeaders");
    o.message_id = member(common, "messageId");
    o.subject = member(common, "subject");
    o.date = member(common, "date");
    for (const char* key : {"from", "to"}) {
        const auto& list = child(common, key);
        std::string& field = key[0] == 'f' ? o.from : o.to;
        if (list.is_array() && !list.empty() && list.front().is_string())
            field = list.front().get<std::string>();
    }
    if (o.from.empty()) o.from = member(mail, "source");
}

// Adds one recipient per {"emailAddress": ...} item of list (up to max in all): a copy of base
// with the address, then completed from the item by per_item.
template <typename PerItem>
void listed_recipients(const nlohmann::json& list, const Recipient& base, SesNotice& out,
                       std::size_t max, PerItem per_item) {
    if (!list.is_array()) return;
    for (const auto& item : list) {
        if (out.recipients.size() >= max) break;
        Recipient r = base;
        r.recipient = util::to_lower(util::trim(member(item, "emailAddress")));
        if (r.recipient.empty()) continue;
        r.final_recipient = r.recipient;
        per_item(item, r);
        out.recipients.push_back(std::move(r));
    }
}

// Adds the recipients of a "bounce" object.
void bounce_recipients(const nlohmann::json& bounce, SesNotice& out, std::size_t max) {
    out.kind = Kind::dsn;
    out.reporting_mta = member(bounce, "reportingMTA");
    Recipient base;
    base.remote_mta = out.reporting_mta;
    base.last_attempt = iso_timestamp(member(bounce, "timestamp"));
    listed_recipients(child(bounce, "bouncedRecipients"), base, out, max,
                      [](const nlohmann::json& item, Recipient& r) {
                          r.action = util::to_lower(member(item, "action"));
                          if (r.action.empty()) r.action = "failed";
                          r.status = find_status(member(item, "status"));
                          r.reported_status = r.status;
                          r.diagnostic =
                              util::squash_spaces(strip_type(member(item, "diagnosticCode")));
                      });
}

// Adds the recipients of a "complaint" object.
void complaint_recipients(const nlohmann::json& complaint, SesNotice& out, std::size_t max) {
    out.kind = Kind::feedback;
    Recipient base;
    base.last_attempt = iso_timestamp(member(complaint, "timestamp"));
    const std::string type = member(complaint, "complaintFeedbackType");
    base.diagnostic = type.empty() ? member(complaint, "userAgent") : type;
    listed_recipients(child(complaint, "complainedRecipients"), base, out, max,
                      [](const nlohmann::json&, Recipient&) {});
}

// Adds the recipients of a "delivery" object.
void delivery_recipients(const nlohmann::json& delivery, SesNotice& out, std::size_t max) {
    out.kind = Kind::dsn;
    out.reporting_mta = member(delivery, "reportingMTA");
    const std::string response = util::squash_spaces(member(delivery, "smtpResponse"));
    const std::string when = iso_timestamp(member(delivery, "timestamp"));
    const auto& list = child(delivery, "recipients");
    if (!list.is_array()) return;
    for (const auto& item : list) {
        if (out.recipients.size() >= max) break;
        if (!item.is_string()) continue;
        Recipient r;
        r.recipient = util::to_lower(util::trim(item.get<std::string>()));
        r.final_recipient = r.recipient;
        r.action = "delivered";
        r.status = find_status(response);
        r.reported_status = r.status;
        r.diagnostic = response;
        r.remote_mta = out.reporting_mta;
        r.last_attempt = when;
        out.recipients.push_back(std::move(r));
    }
}

}  // namespace

// Returns true when a text body starts like an SES (or SNS-wrapped SES) JSON notification.
bool looks_like_ses(std::string_view body) {
    const std::string_view head = util::trim(body.substr(0, 512));
    if (!head.starts_with('{')) return false;
    return head.find("\"notificationType\"") != std::string_view::npos ||
           head.find("\"eventType\"") != std::string_view::npos ||
           (head.find("\"Type\"") != std::string_view::npos &&
            head.find("Notification") != std::string_view::npos);
}

// Parses an SES notification body; returns nullopt when it is not one or is malformed.
std::optional<SesNotice> parse_ses(std::string_view body, std::size_t max_recipients) {
    if (!looks_like_ses(body)) return std::nullopt;
    const std::string text = unwrap(util::trim(body.substr(0, kMaxJson)));
    nlohmann::json j = parse_object(text);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    // SNS wraps the SES event as a JSON string in "Message".
    if (const std::string inner = member(j, "Message"); !inner.empty()) {
        j = parse_object(inner);
        if (j.is_discarded() || !j.is_object()) return std::nullopt;
    }
    std::string type = member(j, "notificationType");
    if (type.empty()) type = member(j, "eventType");
    SesNotice out;
    if (type == "Bounce")
        bounce_recipients(child(j, "bounce"), out, max_recipients);
    else if (type == "Complaint")
        complaint_recipients(child(j, "complaint"), out, max_recipients);
    else if (type == "Delivery")
        delivery_recipients(child(j, "delivery"), out, max_recipients);
    else
        return std::nullopt;
    if (out.recipients.empty()) return std::nullopt;
    const auto& mail = child(j, "mail");
    fill_original(out.original, mail);
    out.arrival_date = iso_timestamp(member(mail, "timestamp"));
    return out;
}

}  // namespace mxpulse::dsn
