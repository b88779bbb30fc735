// mxpulse-gendoc: prints the files derived from the option table (conf/mxpulse.conf,
// mxpulse.conf(5)), and the event and command catalogues the man pages are checked against.
#include <cstdio>
#include <cstring>
#include <iostream>

#include "config/render.hpp"
#include "control/commands.hpp"
#include "log/events.hpp"
#include "version.hpp"

namespace {

// Prints one line per log event: "name<TAB>level<TAB>keys<TAB>flood key" ("-": not limited,
// "event": limited by name alone).
void print_events() {
    for (const mxpulse::log::EventSpec* e : mxpulse::log::catalogue()) {
        std::string_view flood = e->flood_key.empty() ? "-"
                                 : e->flood_key == "*" ? "event"
                                                       : e->flood_key;
        std::cout << e->name << '\t' << mxpulse::log::level_name(e->level) << '\t' << e->keys
                  << '\t' << flood << '\n';
    }
}

// Prints one line per control command: "name<TAB>access<TAB>usage".
void print_commands() {
    using mxpulse::control::Access;
    for (const mxpulse::control::Command& c : mxpulse::control::commands())
        std::cout << c.name << '\t' << (c.access == Access::admin ? "admin" : "read") << '\t'
                  << c.usage << '\n';
}

}  // namespace

// Prints the requested document: "conf", "man", "events" or "commands".
int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "conf") == 0) {
        std::cout << mxpulse::config::render_annotated();
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "man") == 0) {
        std::cout << mxpulse::config::render_man(mxpulse::kVersion);
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "events") == 0) {
        print_events();
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "commands") == 0) {
        print_commands();
        return 0;
    }
    std::fprintf(stderr, "usage: mxpulse-gendoc conf|man|events|commands\n");
    return 2;
}
