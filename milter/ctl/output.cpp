// mxpulsectl's output: tables for people, JSON for scripts.
#include "ctl/output.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace mxpulse::ctl {

size_t display_width(std::string_view text) {
    return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a UTF-8 continuation byte
    }));
}

std::string fit_width(std::string_view text, size_t width) {
    if (display_width(text) <= width) return std::string(text);
    if (width == 0) return {};
    std::string out;
    size_t chars = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        if (starts_char && ++chars == width) break;
        out += text[i];
    }
    return out + kTruncated;
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    }
    // Narrow the widest column, one character at a time, until the table fits kTableWidth.
    auto total = [&width] {
        size_t sum = 0;
        for (size_t w : width)
            sum += w + 2;
        return sum == 0 ? 0 : sum - 2;
    };
    while (total() > kTableWidth) {
        auto widest = std::max_element(width.begin(), width.end());
        if (*widest <= kMinColumnWidth) break;
        --*widest;
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            std::string cell = fit_width(row[i], width[i]);
            line += cell;
            if (i + 1 < row.size()) line += std::string(width[i] - display_width(cell) + 2, ' ');
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

std::string format_percent(double ratio) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100.0);
    return buf;
}

std::string format_rate(const nlohmann::json& row) {
    auto it = row.find("failure_rate");
    if (it == row.end() || !it->is_number()) return "n/a";
    return format_percent(it->get<double>());
}

}  // namespace mxpulse::ctl
