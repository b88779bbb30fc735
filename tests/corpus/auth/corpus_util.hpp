// Helpers shared by the auth corpus tests: locating ../shared, running the YAML converter.
#pragma once

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace mxpulse::testing {

// The shared corpus directory, or empty when it is absent.
inline std::string shared_corpus_dir() {
    std::filesystem::path p = std::filesystem::path(MXPULSE_SHARED_DIR) / "corpus";
    std::error_code ec;
    return std::filesystem::is_directory(p, ec) ? p.string() : std::string();
}

// Runs a command and returns its stdout (bounded to 64 MiB); empty on failure.
inline std::string capture_command(const std::string& cmd) {
    std::string out;
    std::FILE* f = ::popen(cmd.c_str(), "r");
    if (f == nullptr) return out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() < (64u << 20)) {
        out.append(buf, n);
    }
    if (::pclose(f) != 0) out.clear();
    return out;
}

// Converts a YAML stream to JSON with python3-yaml; discarded (null) when unavailable.
inline nlohmann::json yaml_file_as_json(const std::string& path) {
    std::string py = MXPULSE_PYTHON3;
    if (py.empty()) return nullptr;
    std::string text =
        capture_command("'" + py + "' '" MXPULSE_CORPUS_TOOLS "/yaml_to_json.py' '" + path + "'");
    if (text.empty()) return nullptr;
    return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace mxpulse::testing
