// One Postfix log line into the trace store and the per-destination outcome counts.
#include "postlog/ingest.hpp"

#include "dsn/classify.hpp"
#include "dsn/provider_patterns.hpp"
#include "util/strings.hpp"

namespace mxpulse::postlog {

nlohmann::json IngestCounts::to_json() const {
    return {{"lines", lines.load()},
            {"deliveries", deliveries.load()},
            {"malformed", malformed.load()},
            {"too_long", too_long.load()}};
}

namespace {
// Returns "host[ip]:port" as Postfix logged it.
std::string relay_text(const Record& r) {
    std::string s = r.relay_host;
    if (!r.relay_ip.empty()) s += "[" + r.relay_ip + "]";
    if (r.relay_port >= 0) s += ":" + std::to_string(r.relay_port);
    return s;
}
}  // namespace

void Ingest::delivery(const Record& r, std::int64_t now) {
    ++counts_.deliveries;
    std::int64_t t = r.time != 0 ? r.time : now;
    Attempt a;
    a.domain = util::address_domain(r.to);
    if (a.domain.empty()) a.domain = "localhost";
    a.provider = provider_of_ ? provider_of_(a.domain, r.relay_host, t) : std::string();
    a.status = r.status;
    a.reply = r.reply;
    a.dsn = r.dsn;
    if (r.status != Status::sent) {
        a.reason = dsn::reason_for(r.reply, r.dsn, dsn::default_rules());
        a.patterns = dsn::provider_patterns(r.reply, r.relay_host);
    }
    outcomes_.record(a, t);
    TraceAttempt ta{t,     r.to,    r.orig_to, relay_text(r), r.relay_ip, r.status,
                    r.dsn, r.reply, a.reason,  a.patterns,    r.delay};
    tracker_.attempt(r.queue_id, std::move(ta));
}

void Ingest::expired(const Record& r, std::int64_t now) {
    std::int64_t t = r.time != 0 ? r.time : now;
    for (const TraceAttempt& last : tracker_.still_deferred(r.queue_id)) {
        Attempt a;
        a.domain = util::address_domain(last.recipient);
        a.provider = provider_of_ ? provider_of_(a.domain, {}, t) : std::string();
        a.status = Status::expired;
        a.reason = last.reason;  // the expiry's cause is the last deferral's
        a.patterns = last.patterns;
        a.reply = last.reply;
        outcomes_.record(a, t);
    }
    tracker_.expired(r.queue_id, t);
}

Kind Ingest::line(std::string_view text, std::int64_t now, std::size_t max_len) {
    ++counts_.lines;
    Record r = parse_line(text, now, max_len);
    std::int64_t t = r.time != 0 ? r.time : now;
    switch (r.kind) {
        case Kind::delivery:
            delivery(r, now);
            break;
        case Kind::from:
            tracker_.sender(r.queue_id, r.from, t);
            break;
        case Kind::expired:
            expired(r, now);
            break;
        case Kind::removed:
            tracker_.removed(r.queue_id, t);
            break;
        case Kind::message_id:
            tracker_.message_id(r.queue_id, r.message_id, t);
            break;
        case Kind::malformed:
            ++counts_.malformed;
            break;
        case Kind::too_long:
            ++counts_.too_long;
            break;
        case Kind::other:
            break;
    }
    return r.kind;
}

}  // namespace mxpulse::postlog
