// The option table: the one place where each configuration option is declared.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace mxpulse::config {

// What a value looks like in the file, and so how it is checked and printed.
enum class Kind { string, integer, boolean, duration, size, mode, string_list, choice, list_map };

// A section whose keys are names chosen by the operator, each with a list of strings.
using ListMap = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Where the parsed value is stored in Config.
using Field = std::variant<std::string Config::*, std::int64_t Config::*, bool Config::*,
                           std::chrono::milliseconds Config::*, std::vector<std::string> Config::*,
                           ListMap Config::*>;

// Extra validation of a value already of the right kind; returns an error text or "".
using Check = std::string (*)(const Config& candidate);

// One configuration option. A list_map option has key "*": it takes every key of its section.
struct Option {
    std::string_view section;
    std::string_view key;
    Kind kind;
    std::string_view default_value;  // TOML literal, parsed exactly like the file
    std::string_view doc;
    Field field;
    std::span<const std::string_view> choices{};  // for Kind::choice
    std::int64_t min = 0;                         // for integer, size and duration (ms)
    std::int64_t max = INT64_MAX;
    Check check = nullptr;
    bool restart_only = false;  // a new value takes effect only after a restart
};

// Returns every option, grouped by section in documentation order.
std::span<const Option> options();

// Returns the sections in documentation order, each with its one-line description.
std::span<const std::pair<std::string_view, std::string_view>> sections();

// Returns the option with that section and key, or nullptr.
const Option* find_option(std::string_view section, std::string_view key);

// Returns "section.key" for messages.
std::string option_name(const Option& o);

}  // namespace mxpulse::config
