// Providers' own error codes: finding them in replies and the reasons the rules give them.
#include <gtest/gtest.h>

#include "dsn/classify.hpp"
#include "dsn/host_rules.hpp"
#include "dsn/provider_codes.hpp"
#include "dsn/rules.hpp"

namespace {

using namespace mxpulse::dsn;

TEST(ProviderCodes, FindsOrangeAndLaPosteCodes) {
    auto codes = find_provider_codes("421 4.2.0 Service refused. OFR005_505 [505]");
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes[0].scheme, "orange");
    EXPECT_EQ(codes[0].code, "505");
    codes = find_provider_codes("Invalid recipient. OFR_416 [416]; lpn007_426");
    ASSERT_EQ(codes.size(), 2u);
    EXPECT_EQ(codes[0].code, "416");
    EXPECT_EQ(codes[1].code, "426");
}

TEST(ProviderCodes, IgnoresLookAlikes) {
    EXPECT_TRUE(find_provider_codes("XOFR005_505 LPN416 OFR005_5055 OFR12_505 wolf_123").empty());
}

TEST(ProviderCodes, FindsAcceptableUsePolicyCodes) {
    auto codes = find_provider_codes("sender rejected. AUP#In-1310");
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes[0].scheme, "aup");
    EXPECT_EQ(codes[0].code, "1310");
    codes = find_provider_codes("for more information. AUP#CDRBL (in reply to MAIL FROM)");
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes[0].code, "cdrbl");
}

TEST(ProviderCodes, RulesDecideByCodeAndRange) {
    const RuleSet r = parse_rules(
        "code\torange:505\tsystemerror\ncode\taup:1300-1340\ttoomanyconn\n"
        "code\taup:cdrbl\tblocked\n");
    EXPECT_EQ(provider_reason("OFR005_505", r.code), "systemerror");
    EXPECT_EQ(provider_reason("AUP#In-1310", r.code), "toomanyconn");
    EXPECT_EQ(provider_reason("AUP#In-1341", r.code), "");
    EXPECT_EQ(provider_reason("AUP#CDRBL", r.code), "blocked");
    // A code the rules leave open does not stop a later one from deciding.
    EXPECT_EQ(provider_reason("LPN006_107 then OFR_505", r.code), "systemerror");
}

TEST(ProviderCodes, CodeBeatsWording) {
    const RuleSet& rules = default_rules();
    EXPECT_EQ(reason_for("554 5.7.1 <x[192.0.2.1]:4930>: Client host rejected: #216 LPN000_630",
                         "5.7.1", rules, "RCPT"),
              "policyviolation");
    // An undecided code leaves the wording in charge.
    EXPECT_EQ(reason_for("refused to talk to me: 421 4.2.1 Service refuse. LPN006_107", "4.2.1",
                         rules, "HELO"),
              "blocked");
}

TEST(Classify, ExactFallbackCodeBeatsGenericRejected) {
    const RuleSet& rules = default_rules();
    EXPECT_EQ(reason_for("550 5.7.9 Rejected", "5.7.9", rules), "securityerror");
    EXPECT_EQ(reason_for("550 5.0.0 Rejected", "5.0.0", rules), "rejected");
}

TEST(Classify, StatedReasonOfTheWholeMessage) {
    EXPECT_EQ(stated_reason("Subject: x\n\nDuplicate header field: \"From\"\n"), "notcompliantrfc");
    EXPECT_EQ(stated_reason("The user(s) account is disabled.\n"), "suspend");
    EXPECT_EQ(stated_reason("550 5.1.1 User unknown"), "");
}

}  // namespace

namespace {

using namespace mxpulse::dsn;

TEST(HostRules, WordingMeansSomethingAtOneProvider) {
    const RuleSet r = parse_rules(
        "host\tezweb.ne.jp >: user unknown\tuserunknown\n"
        "host\tezweb.ne.jp 550 : user unknown\tfiltered\n");
    EXPECT_EQ(host_reason({"a@ezweb.ne.jp", "", "550 <a@ezweb.ne.jp>: User unknown"}, r),
              "userunknown");
    EXPECT_EQ(host_reason({"a@ezweb.ne.jp", "", "550 : User unknown"}, r), "filtered");
    // The remote MTA or a host named in the reply ties it to the provider too.
    EXPECT_EQ(host_reason({"a@example.jp", "lsean.ezweb.ne.jp", "550 : User unknown"}, r),
              "filtered");
    EXPECT_EQ(
        host_reason(
            {"a@x.example", "", "host lsean.ezweb.ne.jp[192.0.2.1] said: 550 : User unknown"}, r),
        "filtered");
    // Elsewhere the same words decide nothing here.
    EXPECT_EQ(host_reason({"a@notezweb.ne.jp", "", "550 <a@x>: User unknown"}, r), "");
    EXPECT_EQ(host_reason({"a@ezweb.ne.jp", "", "550 5.2.2 Mailbox full"}, r), "");
}

}  // namespace
