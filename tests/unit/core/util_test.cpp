// Unit tests of lib/util: strings, network prefixes, durations and sizes.
#include <gtest/gtest.h>

#include "util/base64.hpp"
#include "util/cidr.hpp"
#include "util/strings.hpp"
#include "util/units.hpp"
#include "util/utf8.hpp"

using namespace mxpulse::util;

TEST(Strings, AddressDomainLowercasesAndStripsBrackets) {
    EXPECT_EQ(address_domain("<User@Yahoo.COM>"), "yahoo.com");
    EXPECT_EQ(address_domain("a@b.example."), "b.example");
    EXPECT_EQ(address_domain("<>"), "");
    EXPECT_EQ(address_domain("nodomain"), "");
    EXPECT_EQ(address_domain("x@"), "");
}

TEST(Strings, SplitDropsEmptyPieces) {
    auto v = split(",a,,b c,", ", ");
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0], "a");
    EXPECT_EQ(v[2], "c");
}

TEST(Strings, CaseInsensitiveFind) {
    EXPECT_EQ(ifind("550 User Unknown", "user unknown"), 4u);
    EXPECT_EQ(ifind("aXbxc", "XC"), 3u);
    EXPECT_EQ(ifind("abc", "abcd"), std::string_view::npos);
    EXPECT_EQ(ifind("abcabc", "ABC", 1), 3u);
    EXPECT_EQ(ifind("abc", "", 2), 2u);
}

TEST(Strings, SquashSpacesFoldsRunsAndTrims) {
    EXPECT_EQ(squash_spaces("  550\r\n\t 5.1.1   unknown \n"), "550 5.1.1 unknown");
    EXPECT_EQ(squash_spaces(" \t\r\n"), "");
    EXPECT_EQ(lower('Q'), 'q');
    EXPECT_EQ(lower('@'), '@');
}

TEST(Cidr, MatchesIpv4AndIpv6Prefixes) {
    std::vector<Cidr> nets{*parse_cidr("10.0.0.0/8"), *parse_cidr("2001:db8::/32"),
                           *parse_cidr("192.0.2.7")};
    EXPECT_TRUE(address_in(*parse_address("10.200.1.1"), nets));
    EXPECT_FALSE(address_in(*parse_address("11.0.0.1"), nets));
    EXPECT_TRUE(address_in(*parse_address("[IPv6:2001:db8::5]"), nets));
    EXPECT_FALSE(address_in(*parse_address("2001:db9::5"), nets));
    EXPECT_TRUE(address_in(*parse_address("192.0.2.7"), nets));
    EXPECT_FALSE(address_in(*parse_address("192.0.2.8"), nets));
}

TEST(Cidr, HostBitsAreClearedAndOddPrefixesWork) {
    auto c = parse_cidr("172.16.5.4/12");
    ASSERT_TRUE(c);
    EXPECT_TRUE(address_in(*parse_address("172.31.255.255"), {*c}));
    EXPECT_FALSE(address_in(*parse_address("172.32.0.0"), {*c}));
}

TEST(Cidr, RejectsMalformed) {
    EXPECT_FALSE(parse_cidr("10.0.0.0/33"));
    EXPECT_FALSE(parse_cidr("10.0.0/8"));
    EXPECT_FALSE(parse_cidr("::1/129"));
    EXPECT_FALSE(parse_cidr("host.example"));
    EXPECT_FALSE(parse_cidr("10.0.0.0/-1"));
}

TEST(Units, DurationsRoundTrip) {
    EXPECT_EQ(parse_duration("30s")->count(), 30000);
    EXPECT_EQ(parse_duration("250ms")->count(), 250);
    EXPECT_EQ(parse_duration("5m")->count(), 300000);
    EXPECT_FALSE(parse_duration("5"));
    EXPECT_FALSE(parse_duration("5 parsecs"));
    EXPECT_FALSE(parse_duration("-1s"));
    EXPECT_FALSE(parse_duration("99999999999999999d"));
    EXPECT_EQ(format_duration(std::chrono::milliseconds(90000)), "90s");
    EXPECT_EQ(format_duration(std::chrono::milliseconds(3600000)), "1h");
    EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1500ms");
}

TEST(Units, Sizes) {
    EXPECT_EQ(*parse_size("4096"), 4096);
    EXPECT_EQ(*parse_size("64k"), 65536);
    EXPECT_EQ(*parse_size("1M"), 1048576);
    EXPECT_FALSE(parse_size("1T"));
    EXPECT_FALSE(parse_size("k"));
}

TEST(Util, Base64MatchesRfc4648Vectors) {
    const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, coded] : vectors) {
        EXPECT_EQ(mxpulse::util::base64_encode(plain), coded);
        auto back = mxpulse::util::base64_decode(coded);
        ASSERT_TRUE(back.has_value()) << coded;
        EXPECT_EQ(*back, plain);
    }
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    EXPECT_EQ(mxpulse::util::base64_decode(mxpulse::util::base64_encode(all)), all);
}

TEST(Util, Base64DecodeSkipsFoldingAndRefusesTheRest) {
    EXPECT_EQ(mxpulse::util::base64_decode(" Zm9v\r\n\tYmFy "), "foobar");
    EXPECT_FALSE(mxpulse::util::base64_decode("Zm9v*YmFy").has_value());
    EXPECT_FALSE(mxpulse::util::base64_decode("Zg==Zg==").has_value());  // data after padding
    EXPECT_FALSE(mxpulse::util::base64_decode("Z===").has_value());
    EXPECT_FALSE(mxpulse::util::base64_decode("Z").has_value());  // a lone sextet
}

TEST(Util, StripQuotesAndCommentsLeavesStructure) {
    using mxpulse::util::strip_quotes_and_comments;
    EXPECT_EQ(strip_quotes_and_comments("\"Doe, John\" <j@x.test>"), " <j@x.test>");
    EXPECT_EQ(strip_quotes_and_comments("j@x.test (a (nested, comment) here)"), "j@x.test ");
    EXPECT_EQ(strip_quotes_and_comments("\"a\\\"<b>\" <c@d>"), " <c@d>");
    EXPECT_EQ(strip_quotes_and_comments("(unclosed <x@y>"), "");
}

TEST(Util, Utf8SequencesFollowRfc3629) {
    using mxpulse::util::utf8_sequence;
    using mxpulse::util::valid_utf8;
    EXPECT_EQ(utf8_sequence("a"), 1u);
    EXPECT_EQ(utf8_sequence("\xc3\xa9"), 2u);
    EXPECT_EQ(utf8_sequence("\xe2\x82\xac"), 3u);
    EXPECT_EQ(utf8_sequence("\xf0\x9f\x98\x80"), 4u);
    EXPECT_EQ(utf8_sequence("\xf4\x8f\xbf\xbf"), 4u);  // U+10FFFF
    EXPECT_EQ(utf8_sequence(""), 0u);
    EXPECT_EQ(utf8_sequence("\x80"), 0u);              // lone continuation
    EXPECT_EQ(utf8_sequence("\xc0\xaf"), 0u);          // overlong '/'
    EXPECT_EQ(utf8_sequence("\xe0\x80\xaf"), 0u);      // overlong
    EXPECT_EQ(utf8_sequence("\xed\xa0\x80"), 0u);      // surrogate U+D800
    EXPECT_EQ(utf8_sequence("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
    EXPECT_EQ(utf8_sequence("\xe2\x82"), 0u);          // truncated
    EXPECT_EQ(utf8_sequence("\xff"), 0u);
    EXPECT_TRUE(valid_utf8("plain ascii and \xc3\xa9t\xc3\xa9"));
    EXPECT_FALSE(valid_utf8("caf\xe9"));
    std::string out = "x";
    mxpulse::util::append_utf8_replacing(out,
                                         "a\xe2\x82"
                                         "b\xc3\xa9");
    EXPECT_EQ(out,
              "xa\xef\xbf\xbd\xef\xbf\xbd"
              "b\xc3\xa9");
}

TEST(Util, DomainWithinNeedsALabelBoundary) {
    using mxpulse::util::domain_within;
    EXPECT_TRUE(domain_within("example.com", "example.com"));
    EXPECT_TRUE(domain_within("mail.Example.COM", "example.com"));
    EXPECT_FALSE(domain_within("badexample.com", "example.com"));
    EXPECT_FALSE(domain_within("example.com", "mail.example.com"));
    EXPECT_FALSE(domain_within("com", "example.com"));
}
