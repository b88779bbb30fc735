// Printing the configuration: the effective values, the annotated conf file and the man page.
#include "config/render.hpp"

#include <cstdio>
#include <sstream>

#include "config/alert_rules.hpp"
#include "config/loader.hpp"
#include "util/units.hpp"

namespace mxpulse::config {

namespace {

// Quotes a string as a TOML basic string.
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\')
            out += '\\', out += ch;
        else if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
            out += buf;
        } else
            out += ch;
    }
    return out + "\"";
}

// Formats a list of strings as a TOML array.
std::string quote_list(const std::vector<std::string>& values) {
    std::string out = "[";
    for (const std::string& s : values)
        out += (out.size() > 1 ? ", " : "") + quote(s);
    return out + "]";
}

// Formats a byte count with the largest exact suffix.
std::string format_size(std::int64_t v) {
    if (v != 0 && v % (1024 * 1024 * 1024) == 0)
        return quote(std::to_string(v / (1024 * 1024 * 1024)) + "G");
    if (v != 0 && v % (1024 * 1024) == 0) return quote(std::to_string(v / (1024 * 1024)) + "M");
    if (v != 0 && v % 1024 == 0) return quote(std::to_string(v / 1024) + "k");
    return std::to_string(v);
}

// Escapes text for roff: backslashes, and leading dots or quotes.
std::string roff(std::string_view s) {
    std::string out;
    for (char ch : s) {
        if (ch == '\\')
            out += "\\e";
        else if (ch == '-')
            out += "\\-";
        else
            out += ch;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

// Word-wraps a documentation line into "# " comment lines of at most 78 columns.
std::string comment(std::string_view text) {
    std::string out, line = "#";
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view word = text.substr(start, end - start);
        if (line.size() + 1 + word.size() > 78 && line != "#") out += line + "\n", line = "#";
        line += " " + std::string(word);
        start = end + 1;
    }
    return out + line + "\n";
}

// Names the kind of value an option takes, for the man page.
std::string_view kind_name(const Option& o) {
    switch (o.kind) {
        case Kind::string:
            return "string";
        case Kind::integer:
            return "integer";
        case Kind::boolean:
            return "boolean";
        case Kind::duration:
            return "duration";
        case Kind::size:
            return "size";
        case Kind::mode:
            return "octal mode";
        case Kind::string_list:
            return "list of strings";
        case Kind::choice:
            return "one of";
        case Kind::list_map:
            return "NAME = list of strings";
    }
    return "";
}

}  // namespace

std::string format_value(const Option& o, const Config& c) {
    switch (o.kind) {
        case Kind::string:
        case Kind::choice:
            return quote(c.*std::get<std::string Config::*>(o.field));
        case Kind::integer:
            return std::to_string(c.*std::get<std::int64_t Config::*>(o.field));
        case Kind::boolean:
            return c.*std::get<bool Config::*>(o.field) ? "true" : "false";
        case Kind::duration:
            return quote(
                util::format_duration(c.*std::get<std::chrono::milliseconds Config::*>(o.field)));
        case Kind::size:
            return format_size(c.*std::get<std::int64_t Config::*>(o.field));
        case Kind::mode: {
            char buf[16];
            std::snprintf(
                buf, sizeof buf, "\"%04llo\"",
                static_cast<unsigned long long>(c.*std::get<std::int64_t Config::*>(o.field)));
            return buf;
        }
        case Kind::string_list:
            return quote_list(c.*std::get<std::vector<std::string> Config::*>(o.field));
        case Kind::list_map: {
            std::string out;
            for (const auto& [name, values] : c.*std::get<ListMap Config::*>(o.field)) {
                out += (out.empty() ? "" : "\n") + quote(name) + " = " + quote_list(values);
            }
            return out;
        }
    }
    return "";
}

std::string render_effective(const Config& c) {
    std::ostringstream out;
    out << "# effective configuration, loaded from " << c.source << "\n";
    for (auto& [section, about] : sections()) {
        out << "\n[" << section << "]\n";
        for (const Option& o : options()) {
            if (o.section != section) continue;
            if (o.kind == Kind::list_map) {
                std::string v = format_value(o, c);
                if (!v.empty()) out << v << "\n";
            } else {
                out << o.key << " = " << format_value(o, c) << "\n";
            }
        }
    }
    return out.str();
}

std::string render_annotated() {
    const Config& d = *defaults();
    std::ostringstream out;
    out << "# mxpulse.conf: configuration of the mxpulse milter (TOML).\n"
           "#\n"
           "# Every option is shown with its built-in default, commented out. Uncomment and\n"
           "# change what you need; an unknown option or a bad value stops mxpulse with\n"
           "# FILE:LINE and what is wrong. Check a file with: mxpulse -t -c FILE\n"
           "# This file is generated from the option table (see mxpulse.conf(5)).\n";
    for (auto& [section, about] : sections()) {
        out << "\n" << comment(about) << "[" << section << "]\n";
        for (const Option& o : options()) {
            if (o.section != section) continue;
            if (o.kind == Kind::list_map) {
                out << "\n" << comment(o.doc) << "#yahoo = [\"yahoo.com\", \"aol.com\"]\n";
            } else {
                out << "\n" << comment(o.doc);
                if (o.restart_only) out << "# (takes effect after a restart, not a reload)\n";
                out << "#" << o.key << " = " << format_value(o, d) << "\n";
            }
        }
    }
    out << "\n"
        << comment(
               "Alert rules: one [[alert]] table each; see mxpulse.conf(5) for every key. "
               "The shipped rules (alerts.default_rules) are:")
        << "#\n";
    for (const AlertRule& r : default_alert_rules()) {
        out << "#[[alert]]\n#name = " << quote(r.name) << "\n#metric = " << quote(r.metric)
            << "\n#scope = " << quote(r.scope) << "\n#window = " << quote(r.window) << "\n";
        if (!r.pattern.empty()) out << "#pattern = " << quote(r.pattern) << "\n";
        out << "#raise = " << r.raise << "\n#clear = " << r.clear
            << "\n#min_events = " << r.min_events
            << "\n#for = " << quote(util::format_duration(r.sustain))
            << "\n#severity = " << quote(r.severity) << "\n#\n";
    }
    return out.str();
}

std::string render_man(const std::string& version) {
    const Config& d = *defaults();
    std::ostringstream out;
    out << ".\\\" Generated from the option table in lib/config/options.cpp; do not edit.\n"
        << ".TH MXPULSE.CONF 5 \"\" \"mxpulse " << version << "\" \"File Formats\"\n"
        << ".SH NAME\nmxpulse.conf \\- configuration file of the mxpulse milter\n"
        << ".SH SYNOPSIS\n/etc/mxpulse/mxpulse.conf\n"
        << ".SH DESCRIPTION\n"
           "The file is TOML. Options are grouped in sections; every option has a built\\-in "
           "default, so\n"
           "an empty file (or none) is a valid configuration.\n"
           "An unknown section or option, or a value of the wrong kind or out of range, is an "
           "error\n"
           "reported as\n.IR FILE : LINE :\nfollowed by what is wrong;\n"
           ".B mxpulse\nthen refuses to start, and a reload keeps the previous configuration.\n"
           ".PP\nDurations are strings with a unit: ms, s, m, h or d (\"30s\").\n"
           "Sizes are integers in bytes or strings with a k, M or G suffix (\"64k\").\n"
           "Modes are octal strings (\"0660\").\n";
    for (auto& [section, about] : sections()) {
        out << ".SH [" << section << "]\n" << roff(about) << "\n";
        for (const Option& o : options()) {
            if (o.section != section) continue;
            out << ".TP\n.B " << (o.key == "*" ? "NAME" : o.key) << "\n(" << kind_name(o);
            if (o.kind == Kind::choice) {
                std::string list;
                for (std::string_view ch : o.choices)
                    list += (list.empty() ? " " : ", ") + std::string(ch);
                out << list;
            }
            std::string def = o.kind == Kind::list_map ? "none" : format_value(o, d);
            out << "; default: " << roff(def) << ")\n" << roff(o.doc) << "\n";
            if (o.restart_only) out << "A new value takes effect after a restart, not a reload.\n";
        }
    }
    out << ".SH [[alert]]\nEach [[alert]] table declares one rule, evaluated every alerts.interval "
           "on the "
           "counters.\nA rule logs alert.raised once when its value reaches raise (with at least "
           "min_events "
           "events, for at least the for duration) for a scope key, and alert.cleared once when "
           "the value falls "
           "below clear.\n";
    for (const AlertRuleKey& k : alert_rule_keys()) {
        out << ".TP\n.B " << k.key << "\n(" << k.kind << (k.required ? "; required" : "") << ")\n"
            << roff(k.doc) << "\n";
    }
    out << ".PP\nThe shipped rules:\n";
    for (const AlertRule& r : default_alert_rules()) {
        out << ".TP\n.B " << roff(r.name) << "\n"
            << roff(r.metric) << " per " << roff(r.scope) << " over " << roff(r.window)
            << (r.pattern.empty() ? "" : " (" + roff(r.pattern) + ")") << ": raise " << r.raise
            << ", clear " << r.clear << ", min_events " << r.min_events << ", for "
            << roff(util::format_duration(r.sustain)) << ", " << roff(r.severity) << ".\n";
    }
    out << ".SH FILES\n.TP\n.I /etc/mxpulse/mxpulse.conf\nThe default configuration file.\n"
        << ".SH SEE ALSO\n.BR mxpulse (8),\n.BR mxpulsectl (8)\n";
    return out.str();
}

}  // namespace mxpulse::config
