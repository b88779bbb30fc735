// The offline analyser behind `mxpulsectl analyze`: files in, JSON lines or a table out.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dsn/report.hpp"

namespace mxpulse::dsn {

// Analyses each file ("-" = stdin) and prints one JSON object per recipient per line (json) or a
// table. Unreadable files are reported on err and skipped. Returns 0, or 1 when a file failed.
int run_analyze(const std::vector<std::string>& files, bool json, std::ostream& out,
                std::ostream& err);

// Returns the JSON lines (without newline) run_analyze prints for one parsed report.
std::vector<std::string> report_json_lines(const std::string& file, const Report& report);

}  // namespace mxpulse::dsn
