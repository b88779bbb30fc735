// mxpulsectl's output: tables for people, JSON for scripts.
#include "ctl/output.hpp"

#include "evidence/bundle.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace mxpulse::ctl {

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out << line << "\n";
    }
}

namespace {
// Collects "dotted.key value" rows from a JSON object.
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::vector<std::string>>& rows) {
    for (auto it = j.begin(); it != j.end(); ++it) {
        std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it->is_object())
            flatten(*it, key, rows);
        else
            rows.push_back({key, it->is_string() ? it->get<std::string>() : it->dump()});
    }
}
}  // namespace

void print_fields(std::ostream& out, const nlohmann::json& object) {
    std::vector<std::vector<std::string>> rows;
    flatten(object, "", rows);
    print_table(out, rows);
}

std::string format_uptime(std::int64_t s) {
    std::string out;
    if (s >= 86400) out += std::to_string(s / 86400) + "d ";
    if (s >= 3600) out += std::to_string(s % 86400 / 3600) + "h ";
    if (s >= 60) out += std::to_string(s % 3600 / 60) + "m ";
    return out + std::to_string(s % 60) + "s";
}

std::string format_time(std::int64_t unix_time) {
    return evidence::iso_time(unix_time);
}

std::string format_percent(double ratio) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100.0);
    return buf;
}

}  // namespace mxpulse::ctl
