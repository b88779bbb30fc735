// Unit tests of lib/config: the option table, loading, errors with FILE:LINE, and generated docs.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config/loader.hpp"
#include "config/options.hpp"
#include "config/render.hpp"

using namespace mxpulse::config;

namespace {
// Returns the contents of a file in the source tree.
std::string read_source(const std::string& rel) {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) + "/" + rel);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST(Config, DefaultsPassTheirOwnChecks) {
    LoadResult r = load_defaults();
    ASSERT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_EQ(r.config->milter_socket, "unix:/var/spool/postfix/mxpulse/milter.sock");
    EXPECT_EQ(r.config->failure_action, "accept");
    EXPECT_EQ(r.config->milter_socket_mode, 0660);
    EXPECT_EQ(r.config->max_body_bytes, 1024 * 1024);
    EXPECT_EQ(r.config->internal_cidrs.size(), 2u);
}

TEST(Config, EveryOptionIsDeclaredOnce) {
    std::set<std::string> names;
    for (const Option& o : options())
        EXPECT_TRUE(names.insert(option_name(o)).second) << option_name(o);
}

TEST(Config, ValuesOverrideDefaults) {
    LoadResult r = load_string(
        "[milter]\nsocket = \"inet:8891@127.0.0.1\"\ntimeout = \"2m\"\n[limits]\nmax_body_bytes = "
        "\"64k\"\n"
        "[direction]\ninternal_networks = [\"10.0.0.0/8\"]\n",
        "t.conf");
    ASSERT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_EQ(r.config->milter_socket, "inet:8891@127.0.0.1");
    EXPECT_EQ(r.config->milter_timeout.count(), 120000);
    EXPECT_EQ(r.config->max_body_bytes, 65536);
    EXPECT_EQ(r.config->control_socket, "/run/mxpulse/control.sock");  // untouched default
    EXPECT_EQ(r.config->source, "t.conf");
}

TEST(Config, UnknownKeyIsAnErrorWithLineAndHint) {
    LoadResult r = load_string("[milter]\n\nsokcet = \"unix:/x\"\n", "bad.conf");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.config, nullptr);
    EXPECT_EQ(r.errors[0], "bad.conf:3: unknown option milter.sokcet; did you mean milter.socket?");
}

TEST(Config, UnknownSectionIsAnError) {
    LoadResult r = load_string("[milters]\nsocket = \"unix:/x\"\n", "bad.conf");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(r.errors[0].starts_with("bad.conf:1: unknown section [milters]")) << r.errors[0];
}

TEST(Config, BadValuesReportEveryProblem) {
    LoadResult r = load_string(
        "[milter]\nfailure_action = \"discard\"\nbacklog = 0\ntimeout = 30\n"
        "[direction]\ninternal_networks = [\"10.0.0.0/33\"]\n[control]\nsocket_mode = \"0999\"\n",
        "bad.conf");
    ASSERT_EQ(r.errors.size(), 5u);
    EXPECT_EQ(r.errors[0],
              "bad.conf:2: milter.failure_action: expected one of accept, tempfail, reject, got "
              "\"discard\"");
    EXPECT_EQ(r.errors[1], "bad.conf:3: milter.backlog: must be between 1 and 65535, got 0");
    EXPECT_TRUE(r.errors[2].starts_with("bad.conf:4: milter.timeout: expected a duration"))
        << r.errors[2];
    EXPECT_EQ(r.errors[3],
              "bad.conf:6: direction.internal_networks: not an address or network prefix: "
              "\"10.0.0.0/33\"");
    EXPECT_TRUE(r.errors[4].starts_with("bad.conf:8: control.socket_mode:")) << r.errors[4];
}

TEST(Config, SyntaxErrorHasLine) {
    LoadResult r = load_string("[milter]\nsocket = \n", "syntax.conf");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(r.errors[0].starts_with("syntax.conf:2: ")) << r.errors[0];
}

TEST(Config, MissingFileIsAnError) {
    LoadResult r = load_file("/nonexistent/mxpulse.conf");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("cannot open"), std::string::npos);
}

TEST(Config, EffectiveConfigParsesBackToTheSameValues) {
    LoadResult a = load_string("[limits]\nmax_headers = 77\n[log]\nformat = \"json\"\n", "a.conf");
    ASSERT_TRUE(a.config);
    LoadResult b = load_string(render_effective(*a.config), "b.conf");
    ASSERT_TRUE(b.errors.empty()) << b.errors.front();
    for (const Option& o : options())
        EXPECT_EQ(format_value(o, *a.config), format_value(o, *b.config)) << option_name(o);
}

TEST(Config, AnnotatedConfFileIsGeneratedFromTheTable) {
    EXPECT_EQ(read_source("conf/mxpulse.conf"), render_annotated())
        << "conf/mxpulse.conf drifted from the option table; regenerate it with: cmake --build "
           "build --target docs";
}

TEST(Config, ManPageIsGeneratedFromTheTable) {
    EXPECT_EQ(read_source("man/mxpulse.conf.5"), render_man(MXPULSE_VERSION_FOR_TESTS))
        << "man/mxpulse.conf.5 drifted from the option table; regenerate it with: cmake --build "
           "build --target docs";
}

TEST(Config, AnnotatedConfLoadsAsTheDefaults) {
    LoadResult r = load_string(render_annotated(), "annotated.conf");
    ASSERT_TRUE(r.errors.empty()) << r.errors.front();
    for (const Option& o : options())
        EXPECT_EQ(format_value(o, *r.config), format_value(o, *defaults()));
}

TEST(Config, ProvidersSectionTakesOperatorNamedLists) {
    LoadResult r = load_string(
        "[providers]\nyahoo = [\"yahoo.com\", \"aol.com\"]\nbt = [\"btinternet.com\"]\n", "p.conf");
    ASSERT_TRUE(r.errors.empty()) << r.errors.front();
    ASSERT_EQ(r.config->providers.size(), 2u);
    EXPECT_EQ(r.config->providers[1].first, "yahoo");
    EXPECT_EQ(r.config->providers[1].second[1], "aol.com");
    LoadResult bad = load_string("[providers]\nyahoo = \"yahoo.com\"\n", "p.conf");
    ASSERT_EQ(bad.errors.size(), 1u);
    EXPECT_EQ(bad.errors[0],
              "p.conf:2: providers.yahoo: expected an array of strings, got a string");
}

TEST(Config, ControlAccessAndMetricsOptions) {
    LoadResult ok = load_string(
        "[control]\nallow_users = [\"monitor\", \"1001\"]\nallow_groups = [\"adm\"]\n"
        "admin_group = \"mxpulse-admin\"\n[metrics]\nlisten = \"[::1]:9477\"\n"
        "top_destinations = 5\n",
        "ok.conf");
    ASSERT_TRUE(ok.errors.empty()) << ok.errors.front();
    EXPECT_EQ(ok.config->control_allow_users, (std::vector<std::string>{"monitor", "1001"}));
    EXPECT_EQ(ok.config->control_admin_group, "mxpulse-admin");
    EXPECT_EQ(ok.config->metrics_listen, "[::1]:9477");
    EXPECT_EQ(defaults()->metrics_listen, "127.0.0.1:9477");
    EXPECT_TRUE(load_string("[metrics]\nlisten = \"\"\n", "off.conf").errors.empty());
    LoadResult bad = load_string(
        "[control]\nallow_users = [\"bad user\"]\n[metrics]\nlisten = \"localhost:9477\"\n",
        "bad.conf");
    ASSERT_EQ(bad.errors.size(), 2u);
    EXPECT_TRUE(bad.errors[0].starts_with("bad.conf:2: control.allow_users:")) << bad.errors[0];
    EXPECT_TRUE(bad.errors[1].starts_with("bad.conf:4: metrics.listen:")) << bad.errors[1];
    EXPECT_FALSE(load_string("[metrics]\nlisten = \"127.0.0.1:0\"\n", "p.conf").errors.empty());
}
