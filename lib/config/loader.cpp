// Loading and validating a configuration file against the option table.
#include "config/loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/alert_rules.hpp"
#include "config/options.hpp"
#include "util/units.hpp"

namespace mxpulse::config {

namespace {

// Describes a TOML node's type for error messages.
std::string type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        default:
            return "a date or time";
    }
}

// Stores an integer-like value after range checking; returns an error or "".
std::string store_int(const Option& o, std::int64_t v, Config& c) {
    if (v < o.min || v > o.max) {
        return "must be between " + std::to_string(o.min) + " and " + std::to_string(o.max) +
               ", got " + std::to_string(v);
    }
    c.*std::get<std::int64_t Config::*>(o.field) = v;
    return {};
}

// Converts one TOML value into the option's field; returns an error text or "".
std::string apply(const Option& o, const toml::node& n, Config& c) {
    switch (o.kind) {
        case Kind::string:
        case Kind::choice: {
            auto s = n.value<std::string>();
            if (!n.is_string() || !s) return "expected a string, got " + type_name(n);
            if (o.kind == Kind::choice) {
                bool ok = false;
                std::string list;
                for (std::string_view ch : o.choices) {
                    ok = ok || ch == *s;
                    list += (list.empty() ? "" : ", ") + std::string(ch);
                }
                if (!ok) return "expected one of " + list + ", got \"" + *s + "\"";
            }
            c.*std::get<std::string Config::*>(o.field) = *s;
            return {};
        }
        case Kind::integer: {
            if (!n.is_integer()) return "expected an integer, got " + type_name(n);
            return store_int(o, *n.value<std::int64_t>(), c);
        }
        case Kind::boolean: {
            if (!n.is_boolean()) return "expected true or false, got " + type_name(n);
            c.*std::get<bool Config::*>(o.field) = *n.value<bool>();
            return {};
        }
        case Kind::duration: {
            auto s = n.value<std::string>();
            if (!n.is_string() || !s)
                return "expected a duration such as \"30s\", got " + type_name(n);
            auto d = util::parse_duration(*s);
            if (!d)
                return "expected a duration such as \"30s\" (units ms, s, m, h, d), got \"" + *s +
                       "\"";
            if (d->count() < o.min || d->count() > o.max) {
                return "must be between " +
                       util::format_duration(std::chrono::milliseconds(o.min)) + " and " +
                       util::format_duration(std::chrono::milliseconds(o.max)) + ", got \"" + *s +
                       "\"";
            }
            c.*std::get<std::chrono::milliseconds Config::*>(o.field) = *d;
            return {};
        }
        case Kind::size: {
            if (n.is_integer()) return store_int(o, *n.value<std::int64_t>(), c);
            auto s = n.value<std::string>();
            if (!n.is_string() || !s)
                return "expected a size such as 65536 or \"64k\", got " + type_name(n);
            auto v = util::parse_size(*s);
            if (!v)
                return "expected a size such as 65536 or \"64k\" (suffixes k, M, G), got \"" + *s +
                       "\"";
            return store_int(o, *v, c);
        }
        case Kind::mode: {
            auto s = n.value<std::string>();
            if (!n.is_string() || !s || s->empty() || s->size() > 4 ||
                s->find_first_not_of("01234567") != std::string::npos) {
                return "expected an octal mode in quotes such as \"0660\"";
            }
            c.*std::get<std::int64_t Config::*>(o.field) = std::stoll(*s, nullptr, 8);
            return {};
        }
        case Kind::list_map:
            return "internal: list_map handled by its section";
        case Kind::string_list: {
            const toml::array* a = n.as_array();
            if (!a) return "expected an array of strings, got " + type_name(n);
            std::vector<std::string> out;
            for (const toml::node& e : *a) {
                auto s = e.value<std::string>();
                if (!e.is_string() || !s)
                    return "expected an array of strings, found " + type_name(e);
                out.push_back(*s);
            }
            c.*std::get<std::vector<std::string> Config::*>(o.field) = std::move(out);
            return {};
        }
    }
    return "unsupported option kind";
}

// Adds one operator-named entry of a list_map section; returns an error text or "".
std::string apply_list_map(const Option& o, std::string_view key, const toml::node& n, Config& c) {
    const toml::array* a = n.as_array();
    if (!a) return "expected an array of strings, got " + type_name(n);
    std::vector<std::string> values;
    for (const toml::node& e : *a) {
        auto s = e.value<std::string>();
        if (!e.is_string() || !s) return "expected an array of strings, found " + type_name(e);
        values.push_back(*s);
    }
    (c.*std::get<ListMap Config::*>(o.field)).emplace_back(std::string(key), std::move(values));
    return {};
}

// Returns the Levenshtein distance between two short strings, for "did you mean" hints.
size_t distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

// Suggests the closest known option name for an unknown one, or "".
std::string suggestion(std::string_view name) {
    std::string best;
    size_t best_d = 3;
    for (const Option& o : options()) {
        if (o.key == "*") continue;
        std::string full = option_name(o);
        size_t d = distance(name, full);
        if (d < best_d) best_d = d, best = full;
    }
    return best.empty() ? "" : "; did you mean " + best + "?";
}

// Derives the fields computed from validated options.
void finish(Config& c) {
    c.internal_cidrs.clear();
    for (const std::string& n : c.internal_networks)
        c.internal_cidrs.push_back(*util::parse_cidr(n));
}

// Parses text into a fresh Config on top of the defaults, collecting every error.
LoadResult load(std::string_view text, const std::string& source, bool is_defaults) {
    LoadResult r;
    auto c = is_defaults ? std::make_shared<Config>() : std::make_shared<Config>(*defaults());
    c->source = is_defaults ? "(built-in defaults)" : source;
    c->alert_rules.clear();  // rebuilt below from the file and the shipped rules
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        r.errors.push_back(source + ":" + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
        return r;
    }
    // Errors are collected with their line and reported in file order.
    std::vector<std::pair<std::uint32_t, std::string>> errors;
    auto add = [&](const toml::source_region& at, const std::string& what) {
        errors.emplace_back(at.begin.line,
                            source + ":" + std::to_string(at.begin.line) + ": " + what);
    };
    std::map<const Option*, toml::source_region> seen;
    for (auto&& [section, node] : root) {
        if (section.str() == "alert") {
            if (const toml::array* rules = node.as_array())
                parse_alert_rules(*rules, source, *c, errors);
            else
                add(section.source(), "alert rules are written as [[alert]] tables");
            continue;
        }
        const toml::table* t = node.as_table();
        bool known = false;
        for (auto& s : sections())
            known = known || s.first == section.str();
        if (!known) {
            add(section.source(), "unknown section [" + std::string(section.str()) + "]" +
                                      suggestion(std::string(section.str()) + "."));
            continue;
        }
        if (!t) {
            add(section.source(), "\"" + std::string(section.str()) + "\" must be a section ([" +
                                      std::string(section.str()) + "])");
            continue;
        }
        for (auto&& [key, value] : *t) {
            const Option* o = find_option(section.str(), key.str());
            std::string name = std::string(section.str()) + "." + std::string(key.str());
            if (!o) {
                add(key.source(), "unknown option " + name + suggestion(name));
                continue;
            }
            if (o->kind == Kind::list_map) {
                if (std::string e = apply_list_map(*o, key.str(), value, *c); !e.empty())
                    add(key.source(), name + ": " + e);
                continue;
            }
            if (std::string e = apply(*o, value, *c); !e.empty()) {
                add(key.source(), name + ": " + e);
                continue;
            }
            seen[o] = key.source();
        }
    }
    for (const Option& o : options()) {
        if (!o.check) continue;
        if (std::string e = o.check(*c); !e.empty()) {
            auto it = seen.find(&o);
            if (it != seen.end())
                add(it->second, option_name(o) + ": " + e);
            else
                errors.emplace_back(UINT32_MAX,
                                    source + ": (default) " + option_name(o) + ": " + e);
        }
    }
    // Shipped rules apply unless switched off; a rule of the same name in the file replaces one.
    if (c->default_alert_rules) {
        for (AlertRule& d : default_alert_rules()) {
            bool replaced = false;
            for (const AlertRule& r : c->alert_rules)
                replaced = replaced || r.name == d.name;
            if (!replaced) c->alert_rules.push_back(std::move(d));
        }
    }
    std::stable_sort(errors.begin(), errors.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& e : errors)
        r.errors.push_back(std::move(e.second));
    if (!r.errors.empty()) return r;
    finish(*c);
    r.config = std::move(c);
    return r;
}

// Builds the defaults by parsing every option's default literal exactly like a file.
LoadResult build_defaults() {
    std::ostringstream text;
    std::string_view current;
    for (const Option& o : options()) {
        if (o.section != current) text << "[" << o.section << "]\n", current = o.section;
        if (o.kind != Kind::list_map) text << o.key << " = " << o.default_value << "\n";
    }
    return load(text.str(), "(built-in defaults)", true);
}

}  // namespace

LoadResult load_defaults() {
    return build_defaults();
}

std::shared_ptr<const Config> defaults() {
    // A broken default is a programming error that the unit tests catch; fall back to zeros.
    static const std::shared_ptr<const Config> d = [] {
        LoadResult r = build_defaults();
        return r.config ? r.config : std::make_shared<const Config>();
    }();
    return d;
}

LoadResult load_string(std::string_view text, const std::string& source_name) {
    return load(text, source_name, false);
}

LoadResult load_file(const std::string& path) {
    // A directory opens and reads as empty on Linux: it would pass as "all defaults".
    if (std::filesystem::is_directory(path))
        return LoadResult{nullptr, {path + ": is a directory, not a configuration file"}};
    std::ifstream in(path, std::ios::binary);
    if (!in) return LoadResult{nullptr, {path + ": cannot open: " + std::strerror(errno)}};
    std::ostringstream buf;
    buf << in.rdbuf();
    if (buf.str().size() > 4 * 1024 * 1024)
        return LoadResult{nullptr, {path + ": larger than 4 MiB"}};
    return load(buf.str(), path, false);
}

}  // namespace mxpulse::config
