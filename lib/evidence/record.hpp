// One kept NDR of the evidence store: what it said per recipient, its original's headers, its text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsn/report.hpp"

namespace mxpulse::evidence {

// One failed or delayed recipient of a kept NDR.
struct KeptRecipient {
    std::string recipient;
    std::string domain;    // destination domain, lower case
    std::string provider;  // the provider it was counted under ("" when none was known)
    std::string action;
    std::string status;
    std::string cause_status;
    std::vector<std::string> cause_chain;  // outermost first
    std::string remote_mta;
    std::string remote_ip;
    std::string diagnostic;
    std::string last_attempt;
    std::vector<dsn::Attempt> attempts;  // newest first, as the NDR lists them
    std::vector<std::string> patterns;   // tags such as m365-socketerror
};

// A host the original passed through, from one Received: field.
struct Hop {
    std::string by;    // the host that wrote the field
    std::string from;  // the host it received the message from
    std::string ip;    // that host's address, "" when the field names none
};

// The headers of the original message when the NDR carries them (message/rfc822 or
// text/rfc822-headers); every member is "" or empty when the NDR does not say.
struct OriginalHeaders {
    bool present = false;
    std::string message_id;
    std::string from;
    std::string sender;                 // Sender:, or Return-Path: when there is no Sender:
    std::string date;                   // the Date: field as written
    std::string sent_at;                // Date: as ISO 8601 with offset, "" when it does not parse
    std::vector<std::string> received;  // Received: fields, newest first, unfolded
    std::vector<Hop> hops;              // the same, parsed
    std::vector<Hop> m365_hosts;        // hops through *.outlook.com / *.protection.outlook.com
    std::string sending_ip;             // the address the first server outside Microsoft 365 saw
};

// One NDR as the store keeps it. The NDR text itself lives in the file, not in the index.
struct Record {
    std::int64_t seen_at = 0;  // Unix time the gateway saw the NDR
    std::string queue_id;
    std::string bounce_message_id;
    std::string original_message_id;
    std::string original_sender;  // envelope sender of the original, from the correlation store
    std::string reporting_mta;
    std::vector<KeptRecipient> recipients;
    OriginalHeaders original;
    std::uint64_t ndr_bytes = 0;   // size of the NDR as received
    std::uint64_t kept_bytes = 0;  // bytes of it kept (ndr_bytes when not truncated)
    bool truncated = false;
    std::string file;  // the file name in the store ("" until written)
};

// Returns the record (without the NDR text) as JSON, the form kept on disk and shown in bundles.
nlohmann::json to_json(const Record& r);

// Reads a record written by to_json(); throws nlohmann::json::exception on the wrong shape.
Record record_from_json(const nlohmann::json& j);

}  // namespace mxpulse::evidence
