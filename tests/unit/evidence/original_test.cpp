// Unit tests of the original's headers read from an NDR: Received chain, Microsoft 365 hops, IPs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "evidence/original.hpp"

using namespace mxpulse;

namespace {
std::string fixture(const std::string& name) {
    std::ifstream in(std::string(MXPULSE_SOURCE_DIR) + "/tests/fixtures/bounces/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST(EvidenceOriginal, M365NdrGivesTheReceivedChainAndTheMicrosoftHops) {
    auto o = evidence::original_headers(fixture("m365-socketerror-received.eml"),
                                        "AM9PR01MB0002.eurprd01.prod.outlook.com");
    ASSERT_TRUE(o.present);
    EXPECT_EQ(o.message_id, "<original-m365-socketerror-received@contoso.example>");
    EXPECT_EQ(o.from, "Sender <sender@contoso.example>");
    EXPECT_EQ(o.sender, "sender@contoso.example");
    EXPECT_EQ(o.sent_at, "2025-09-15T01:59:00+00:00");
    ASSERT_EQ(o.received.size(), 4u);
    ASSERT_EQ(o.hops.size(), 4u);
    EXPECT_EQ(o.hops[2].from, "mail.contoso.example");
    EXPECT_EQ(o.hops[2].ip, "203.0.113.25");
    EXPECT_EQ(o.hops[2].by, "db8eur05ft012.mail.protection.outlook.com");
    EXPECT_EQ(o.hops[3].ip, "192.168.10.17");
    EXPECT_EQ(o.m365_hosts.size(), 3u);
    EXPECT_EQ(o.m365_hosts[1].ip, "2603:10a6:10:1a5:cafe::12");
    EXPECT_EQ(o.sending_ip, "");  // the message never reached a server outside Microsoft 365
}

TEST(EvidenceOriginal, RemoteNdrGivesTheAddressTheRemoteServerSaw) {
    auto o = evidence::original_headers(fixture("yahoo-received-from-m365.eml"),
                                        "mta5.am0.yahoodns.net");
    ASSERT_TRUE(o.present);
    EXPECT_EQ(o.message_id, "<original-yahoo-received-from-m365@contoso.example>");
    EXPECT_EQ(o.sending_ip, "40.107.92.59");
    EXPECT_EQ(o.m365_hosts.size(), 2u);
}

TEST(EvidenceOriginal, NoOriginalPartMeansNotPresent) {
    auto o = evidence::original_headers("From: a@b\nSubject: x\n\nhello\n", "");
    EXPECT_FALSE(o.present);
    EXPECT_TRUE(o.received.empty());
}

TEST(EvidenceOriginal, ReceivedFieldsParse) {
    auto h =
        evidence::parse_received("from x.example ([IPv6:2001:db8::1]) by y.example with ESMTP");
    EXPECT_EQ(h.from, "x.example");
    EXPECT_EQ(h.by, "y.example");
    EXPECT_EQ(h.ip, "2001:db8::1");
    EXPECT_EQ(evidence::parse_received("by y.example; Mon").ip, "");
}
