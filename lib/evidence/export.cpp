// The kept NDRs of a bundle as the original messages: an mbox, or one .eml file each.
#include "evidence/export.hpp"

#include <filesystem>
#include <fstream>

namespace mxpulse::evidence {

namespace {

// Returns a string member, or "".
std::string str(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Returns true when line (without its end) is ">*From " and must be quoted in an mboxrd.
bool from_line(std::string_view line) {
    std::size_t i = line.find_first_not_of('>');
    return i != std::string_view::npos && line.substr(i).starts_with("From ");
}

// Returns "Mon Sep 15 02:00:00 2025" for the asctime form of an mbox "From " line, from an
// ISO 8601 time; a fixed date when it does not parse.
std::string asctime_of(const std::string& iso) {
    std::tm tm{};
    if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "Thu Jan  1 00:00:00 1970";
    char buf[64];
    std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
    return buf;
}

}  // namespace

std::string eml_of(const nlohmann::json& ndr) {
    std::string text = str(ndr, "text");
    std::string mark = ndr.value("truncated", false)
                           ? "cut: kept " + std::to_string(ndr.value("kept_bytes", 0ULL)) +
                                 " bytes of the file, the NDR had " +
                                 std::to_string(ndr.value("ndr_bytes", 0ULL))
                           : "whole";
    std::string eol = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    return "X-Mxpulse-Evidence: " + mark + "; queue id " + str(ndr, "queue_id") + eol + text;
}

std::string to_mbox(const nlohmann::json& bundle) {
    std::string out;
    for (const auto& n : bundle.value("ndrs", nlohmann::json::array())) {
        if (!n.contains("text")) continue;
        out += "From MAILER-DAEMON " + asctime_of(str(n, "seen_at_utc")) + "\n";
        std::string eml = eml_of(n);
        std::size_t pos = 0;
        while (pos < eml.size()) {
            std::size_t nl = eml.find('\n', pos);
            std::string_view line(eml.data() + pos,
                                  (nl == std::string::npos ? eml.size() : nl) - pos);
            if (from_line(line)) out += '>';
            out.append(line);
            out += '\n';
            pos = nl == std::string::npos ? eml.size() : nl + 1;
        }
        out += '\n';
    }
    return out;
}

long write_eml_dir(const nlohmann::json& bundle, const std::string& dir, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir + ": " + ec.message();
        return -1;
    }
    long n = 0;
    for (const auto& ndr : bundle.value("ndrs", nlohmann::json::array())) {
        if (!ndr.contains("text")) continue;
        std::string name = str(ndr, "file");
        if (name.empty() || name.find('/') != std::string::npos) continue;
        std::filesystem::path p =
            std::filesystem::path(dir) / (name.substr(0, name.size() - 4) + ".eml");
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << eml_of(ndr);
        if (!out) {
            error = "cannot write " + p.string();
            return -1;
        }
        ++n;
    }
    return n;
}

}  // namespace mxpulse::evidence
