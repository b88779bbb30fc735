// The JSON form of a kept NDR, on disk and in the bundle.
#include "evidence/record.hpp"

namespace mxpulse::evidence {

namespace {

// Returns hops as a JSON array.
nlohmann::json hops_json(const std::vector<Hop>& hops) {
    nlohmann::json a = nlohmann::json::array();
    for (const Hop& h : hops)
        a.push_back({{"by", h.by}, {"from", h.from}, {"ip", h.ip}});
    return a;
}

// Reads hops written by hops_json().
std::vector<Hop> hops_from(const nlohmann::json& a) {
    std::vector<Hop> out;
    for (const auto& h : a)
        out.push_back({h.at("by").get<std::string>(), h.at("from").get<std::string>(),
                       h.at("ip").get<std::string>()});
    return out;
}

// Returns one recipient as JSON.
nlohmann::json recipient_json(const KeptRecipient& k) {
    nlohmann::json attempts = nlohmann::json::array();
    for (const dsn::Attempt& a : k.attempts)
        attempts.push_back(
            {{"time", a.time}, {"server", a.server}, {"ip", a.ip}, {"reply", a.reply}});
    return {{"recipient", k.recipient},
            {"domain", k.domain},
            {"provider", k.provider},
            {"action", k.action},
            {"status", k.status},
            {"cause_status", k.cause_status},
            {"cause_chain", k.cause_chain},
            {"remote_mta", k.remote_mta},
            {"remote_ip", k.remote_ip},
            {"diagnostic", k.diagnostic},
            {"last_attempt", k.last_attempt},
            {"attempts", attempts},
            {"patterns", k.patterns}};
}

// Reads one recipient written by recipient_json().
KeptRecipient recipient_from(const nlohmann::json& j) {
    KeptRecipient k;
    k.recipient = j.at("recipient");
    k.domain = j.at("domain");
    k.provider = j.at("provider");
    k.action = j.at("action");
    k.status = j.at("status");
    k.cause_status = j.at("cause_status");
    k.cause_chain = j.at("cause_chain").get<std::vector<std::string>>();
    k.remote_mta = j.at("remote_mta");
    k.remote_ip = j.at("remote_ip");
    k.diagnostic = j.at("diagnostic");
    k.last_attempt = j.at("last_attempt");
    k.patterns = j.at("patterns").get<std::vector<std::string>>();
    for (const auto& a : j.at("attempts"))
        k.attempts.push_back({a.at("time"), a.at("server"), a.at("ip"), a.at("reply")});
    return k;
}

// Returns the original's headers as JSON.
nlohmann::json original_json(const OriginalHeaders& o) {
    return {{"present", o.present},
            {"message_id", o.message_id},
            {"from", o.from},
            {"sender", o.sender},
            {"date", o.date},
            {"sent_at", o.sent_at},
            {"received", o.received},
            {"hops", hops_json(o.hops)},
            {"m365_hosts", hops_json(o.m365_hosts)},
            {"sending_ip", o.sending_ip}};
}

// Reads the original's headers written by original_json().
OriginalHeaders original_from(const nlohmann::json& j) {
    OriginalHeaders o;
    o.present = j.at("present");
    o.message_id = j.at("message_id");
    o.from = j.at("from");
    o.sender = j.at("sender");
    o.date = j.at("date");
    o.sent_at = j.at("sent_at");
    o.received = j.at("received").get<std::vector<std::string>>();
    o.hops = hops_from(j.at("hops"));
    o.m365_hosts = hops_from(j.at("m365_hosts"));
    o.sending_ip = j.at("sending_ip");
    return o;
}

}  // namespace

nlohmann::json to_json(const Record& r) {
    nlohmann::json rcpts = nlohmann::json::array();
    for (const KeptRecipient& k : r.recipients)
        rcpts.push_back(recipient_json(k));
    return {{"seen_at", r.seen_at},
            {"queue_id", r.queue_id},
            {"bounce_message_id", r.bounce_message_id},
            {"original_message_id", r.original_message_id},
            {"original_sender", r.original_sender},
            {"reporting_mta", r.reporting_mta},
            {"recipients", rcpts},
            {"original", original_json(r.original)},
            {"ndr_bytes", r.ndr_bytes},
            {"kept_bytes", r.kept_bytes},
            {"truncated", r.truncated},
            {"file", r.file}};
}

Record record_from_json(const nlohmann::json& j) {
    Record r;
    r.seen_at = j.at("seen_at");
    r.queue_id = j.at("queue_id");
    r.bounce_message_id = j.at("bounce_message_id");
    r.original_message_id = j.at("original_message_id");
    r.original_sender = j.at("original_sender");
    r.reporting_mta = j.at("reporting_mta");
    for (const auto& k : j.at("recipients"))
        r.recipients.push_back(recipient_from(k));
    r.original = original_from(j.at("original"));
    r.ndr_bytes = j.at("ndr_bytes");
    r.kept_bytes = j.at("kept_bytes");
    r.truncated = j.at("truncated");
    r.file = j.at("file");
    return r;
}

}  // namespace mxpulse::evidence
