// mxpulse-gendoc: prints the files derived from the option table (conf/mxpulse.conf,
// mxpulse.conf(5)).
#include <cstdio>
#include <cstring>
#include <iostream>

#include "config/render.hpp"
#include "version.hpp"

// Prints the requested document: "conf" or "man".
int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "conf") == 0) {
        std::cout << mxpulse::config::render_annotated();
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "man") == 0) {
        std::cout << mxpulse::config::render_man(mxpulse::kVersion);
        return 0;
    }
    std::fprintf(stderr, "usage: mxpulse-gendoc conf|man\n");
    return 2;
}
