// The Runtime swap: a configuration that fails late leaves the Runtime in force whole.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "pipeline/reload.hpp"

namespace mxpulse::pipeline {
namespace {

// Returns a configuration from TOML, failing the test when it is refused.
std::shared_ptr<const config::Config> conf(const std::string& toml) {
    config::LoadResult r = config::load_string("[auth]\nenabled = false\n" + toml, "t.conf");
    EXPECT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
    return r.config;
}

TEST(PipelineReload, UnopenableLogFileLeavesTheOldRuntimeWhole) {
    RuntimeHolder holder;
    holder.set(build_runtime(conf("[milter]\nmax_sessions = 7\n"), {}, nullptr).runtime, 100);
    std::shared_ptr<const Runtime> before = holder.get();
    before->providers->learn("yahoo.com", "mta5.am0.yahoodns.net", true, 10'000);
    int opened = 0;
    ReloadResult r =
        reload_runtime(holder,
                       conf("[milter]\nmax_sessions = 9\n[log]\nsink = \"file\"\n"
                            "file = \"/nonexistent-dir/mxpulse.log\"\n"),
                       {}, 200, [&](const log::Settings& s) -> std::string {
                           ++opened;
                           return s.file.empty() ? "" : "log.file " + s.file + ": cannot open";
                       });
    EXPECT_EQ(opened, 1);
    EXPECT_EQ(r.error, "log.file /nonexistent-dir/mxpulse.log: cannot open");
    EXPECT_EQ(holder.get(), before);  // the same object: settings, evaluator, providers
    EXPECT_EQ(holder.get()->config->max_sessions, 7);
    EXPECT_EQ(holder.loaded_at(), 100);
}

TEST(PipelineReload, GoodConfigurationIsSwappedAndLearnedProvidersCarryOver) {
    std::string error;
    std::shared_ptr<const auth::PublicSuffixList> psl = auth::PublicSuffixList::load("", error);
    ASSERT_TRUE(psl) << error;
    RuntimeHolder holder;
    holder.set(build_runtime(conf(""), {nullptr, psl}, nullptr).runtime, 100);
    holder.get()->providers->learn("yahoo.com", "mta5.am0.yahoodns.net", true, 10'000);
    ReloadResult r = reload_runtime(
        holder,
        conf("[milter]\nmax_sessions = 9\nsocket = \"unix:/tmp/other.sock\"\n[metrics]\n"
             "listen = \"127.0.0.1:19999\"\n"),
        {nullptr, psl}, 200, [](const log::Settings&) { return std::string(); });
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.restart_needed, "milter.socket,metrics.listen");
    EXPECT_EQ(holder.get()->config->max_sessions, 9);
    EXPECT_EQ(holder.get()->providers->lookup("yahoo.com", 500), "yahoodns.net");
    EXPECT_EQ(holder.loaded_at(), 200);
}

TEST(PipelineReload, RestartOnlyOptionsComeFromTheOptionTable) {
    auto a = conf(""), b = conf("[stats]\nmax_destinations = 5000\n[dns]\ntimeout = \"3s\"\n");
    EXPECT_EQ(restart_only_changes(*a, *b), "stats.max_destinations,dns.timeout");
    EXPECT_EQ(restart_only_changes(*a, *conf("[milter]\nmax_sessions = 3\n")), "");
}

}  // namespace
}  // namespace mxpulse::pipeline
