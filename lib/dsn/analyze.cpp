// The offline analyser behind `mxpulsectl analyze`: files in, JSON lines or a table out.
#include "dsn/analyze.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dsn/parse.hpp"

namespace mxpulse::dsn {
namespace {

// Reads a whole file ("-" = stdin) into data; returns false when it cannot be read.
bool read_all(const std::string& file, std::string& data) {
    if (file == "-") {
        data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        return !std::cin.bad();
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

// Returns s cut to width characters for the table, padded with spaces.
std::string cell(const std::string& s, std::size_t width) {
    std::string out = s.size() > width ? s.substr(0, width - 1) + "~" : s;
    out.resize(width, ' ');
    return out;
}

// Prints the human-readable table rows of one report.
void print_table(const std::string& file, const Report& report, std::ostream& out) {
    if (!report.is_bounce) {
        out << cell(file, 28) << " not a bounce\n";
        return;
    }
    for (const auto& r : report.recipients) {
        std::string patterns;
        for (const auto& p : r.patterns)
            patterns += (patterns.empty() ? "" : ",") + p;
        out << cell(file, 28) << ' ' << cell(r.recipient, 32) << ' ' << cell(r.status, 8) << ' '
            << cell(r.reply_code, 4) << ' ' << cell(r.reason, 15) << ' ' << cell(r.family, 14)
            << ' ' << cell(r.cause_status, 8) << ' ' << patterns << '\n';
    }
}

}  // namespace

// Returns the JSON lines (without newline) run_analyze prints for one parsed report.
std::vector<std::string> report_json_lines(const std::string& file, const Report& report) {
    std::vector<std::string> lines;
    if (!report.is_bounce) {
        nlohmann::ordered_json j;
        j["file"] = file;
        j["is_bounce"] = false;
        lines.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return lines;
    }
    for (const auto& r : report.recipients) {
        nlohmann::ordered_json j;
        j["file"] = file;
        j["is_bounce"] = true;
        j["recipient"] = r.recipient;
        j["action"] = r.action;
        j["status"] = r.status;
        j["reply_code"] = r.reply_code;
        j["reason"] = r.reason;
        j["family"] = r.family;
        j["cause_status"] = r.cause_status;
        j["cause_reply_code"] = r.cause_reply_code;
        j["cause_text"] = r.cause_text;
        j["cause_chain"] = r.cause_chain;
        j["patterns"] = r.patterns;
        j["remote_mta"] = r.remote_mta;
        j["remote_ip"] = r.remote_ip;
        j["diagnostic"] = r.diagnostic;
        j["last_attempt"] = r.last_attempt;
        nlohmann::ordered_json attempts = nlohmann::ordered_json::array();
        for (const auto& a : r.attempts)
            attempts.push_back(
                {{"time", a.time}, {"server", a.server}, {"ip", a.ip}, {"reply", a.reply}});
        j["attempts"] = std::move(attempts);
        j["rule_line"] = r.rule_line;
        j["original_message_id"] = report.original.message_id;
        lines.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return lines;
}

// Analyses each file and prints JSON lines or a table. Returns 0, or 1 when a file failed.
int run_analyze(const std::vector<std::string>& files, bool json, std::ostream& out,
                std::ostream& err) {
    int rc = 0;
    if (!json)
        out << cell("FILE", 28) << ' ' << cell("RECIPIENT", 32) << ' ' << cell("STATUS", 8) << ' '
            << cell("CODE", 4) << ' ' << cell("REASON", 15) << ' ' << cell("FAMILY", 14) << ' '
            << cell("CAUSE", 8) << " PATTERNS\n";
    for (const auto& file : files) {
        std::string data;
        if (!read_all(file, data)) {
            err << "mxpulsectl analyze: cannot read " << file << "\n";
            rc = 1;
            continue;
        }
        const Report report = parse(data);
        if (json) {
            for (const auto& line : report_json_lines(file, report))
                out << line << '\n';
        } else {
            print_table(file, report, out);
        }
    }
    return rc;
}

}  // namespace mxpulse::dsn
