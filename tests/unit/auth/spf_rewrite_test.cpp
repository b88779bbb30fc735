// Unit tests of the SPF record rewrite that corrects libspf2's deviations from RFC 7208.
#include <gtest/gtest.h>

#include "auth/spf_rewrite.hpp"

using mxpulse::auth::spf_record_for_libspf2;

TEST(SpfRewrite, UnknownModifiersAreDroppedKnownOnesKept) {
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"),
              "v=spf1 ip4:1.2.3.4 -all");
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 ip4:1.2.3.4 exp=e.example.com redirect=r.example.com"),
              "v=spf1 ip4:1.2.3.4 exp=e.example.com redirect=r.example.com");
}

TEST(SpfRewrite, RedirectIsDroppedBesideAll) {
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 redirect=t5.example.com ~all"), "v=spf1 ~all");
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 ip4:1.2.3.4 redirect=t2.example.com"),
              "v=spf1 ip4:1.2.3.4 redirect=t2.example.com");
}

TEST(SpfRewrite, ZeroPrefixBecomesTwoHalves) {
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 -ip4:1.1.1.1/0 -all"),
              "v=spf1 -ip4:0.0.0.0/1 -ip4:128.0.0.0/1 -all");
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 ip6:::1.1.1.1/0 -all"),
              "v=spf1 ip6:::/1 ip6:8000::/1 -all");
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 ip4:1.1.1.0/24 -all"), "v=spf1 ip4:1.1.1.0/24 -all");
}

TEST(SpfRewrite, RecordsWithSyntaxErrorsAndOtherTextAreLeftAlone) {
    EXPECT_EQ(spf_record_for_libspf2("v=spf1 moo.cow/far_out=man:dog/cat ip4:1.2.3.4 -all"),
              "v=spf1 moo.cow/far_out=man:dog/cat ip4:1.2.3.4 -all");
    EXPECT_EQ(spf_record_for_libspf2("google-site-verification=abc"),
              "google-site-verification=abc");
}
