// Reading the bounce fixtures of tests/fixtures/bounces/ in the DSN unit tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "dsn/parse.hpp"

namespace mxpulse::dsn::testing {

// Parses one fixture from tests/fixtures/bounces/.
inline Report fixture(const std::string& name) {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) + "/tests/fixtures/bounces/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in) << name;
    const std::string raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse(raw);
}

// Returns true when r carries the pattern tag.
inline bool tagged(const Recipient& r, const std::string& tag) {
    return std::find(r.patterns.begin(), r.patterns.end(), tag) != r.patterns.end();
}

}  // namespace mxpulse::dsn::testing
