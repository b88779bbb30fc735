// mxpulsectl trace ID: a message's delivery attempts from Postfix's log, as text, JSON or CSV.
#include <iostream>
#include <memory>

#include "ctl/commands.hpp"

namespace mxpulse::ctl {

namespace {

// Returns a CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Returns a JSON value as plain text ("" for null).
std::string text(const nlohmann::json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_null()) return "";
    return j.dump();
}

// Prints one row per event: received (the milter), each attempt, the final state.
void print_csv(const nlohmann::json& result) {
    std::cout << "date,event,message_id,queue_id,sender,recipient,relay,status,dsn,reason,"
                 "detail\n";
    for (const auto& m : result["messages"]) {
        std::string head = "," + csv(text(m["message_id"])) + "," + csv(text(m["queue_id"])) + "," +
                           csv(text(m["sender"])) + ",";
        if (m["milter"].is_object())
            std::cout << csv(text(m["milter"]["seen"])) << ",receive" << head << ",,,,,,"
                      << csv(text(m["milter"]["direction"])) << "\n";
        for (const auto& a : m["attempts"])
            std::cout << csv(text(a["time"])) << ",deliver" << head << csv(text(a["recipient"]))
                      << "," << csv(text(a["relay"])) << "," << csv(text(a["status"])) << ","
                      << csv(text(a["dsn"])) << "," << csv(text(a["reason"])) << ","
                      << csv(text(a["reply"])) << "\n";
        std::cout << csv(text(m["last_seen"])) << ",final" << head << ",,"
                  << csv(text(m["final_state"])) << ",,,\n";
    }
}

// Prints the trace for people.
void print_text(const nlohmann::json& result) {
    for (const auto& m : result["messages"]) {
        std::cout << "queue id    " << text(m["queue_id"]) << "\nmessage-id  "
                  << text(m["message_id"]) << "\nsender      " << text(m["sender"]) << "\n";
        if (m["milter"].is_object())
            std::cout << "milter      " << text(m["milter"]["seen"]) << " "
                      << text(m["milter"]["direction"]) << " auth " << text(m["milter"]["auth"])
                      << "\n";
        for (const auto& a : m["attempts"])
            std::cout << "  " << text(a["time"]) << "  " << text(a["status"]) << "  "
                      << text(a["recipient"]) << "  " << text(a["relay"]) << "  " << text(a["dsn"])
                      << "  " << text(a["reason"]) << "\n      " << text(a["reply"]) << "\n";
        std::cout << "final       " << text(m["final_state"])
                  << (m.value("removed", false) ? " (removed from the queue)" : "") << "\n\n";
    }
}

}  // namespace

void add_trace_command(CLI::App& app, Options& o, int& rc) {
    auto id = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("text");
    CLI::App* cmd = app.add_subcommand(
        "trace", "Every delivery attempt of a message (queue id, Message-ID or recipient)");
    cmd->add_option("ID", *id, "Queue id, Message-ID or recipient address")->required();
    cmd->add_option("--format", *format, "text, json or csv (one row per event)")
        ->check(CLI::IsMember({"text", "json", "csv"}));
    cmd->callback([&o, &rc, id, format] {
        nlohmann::json result;
        rc = ask(o, "trace " + *id, result);
        if (rc != kExitOk) return;
        if (o.json || *format == "json")
            std::cout << result.dump(2) << "\n";
        else if (*format == "csv")
            print_csv(result);
        else
            print_text(result);
    });
}

}  // namespace mxpulse::ctl
