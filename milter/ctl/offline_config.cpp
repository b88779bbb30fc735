// The daemon's configuration as the offline commands (check-domain, verify) read it.
#include "ctl/offline_config.hpp"

#include <unistd.h>

#include <iostream>

#include "config/loader.hpp"
#include "version.hpp"

namespace mxpulse::ctl {

std::shared_ptr<const config::Config> offline_config(const Options& o) {
    std::string file = o.config.empty() ? kDefaultConfigFile : o.config;
    config::LoadResult loaded = o.config.empty() && access(file.c_str(), F_OK) != 0
                                    ? config::LoadResult{config::defaults(), {}}
                                    : config::load_file(file);
    for (const std::string& e : loaded.errors)
        std::cerr << e << "\n";
    return loaded.config;
}

}  // namespace mxpulse::ctl
