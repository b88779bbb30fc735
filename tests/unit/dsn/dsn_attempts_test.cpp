// The attempt timeline of Exchange NDRs: English and localised administrators' sections.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "bounce_fixture.hpp"
#include "dsn/attempts.hpp"
#include "dsn/parse.hpp"

namespace {

using mxpulse::dsn::history_section;
using mxpulse::dsn::read_attempts;

using mxpulse::dsn::testing::fixture;

TEST(Attempts, EnglishHistoryNewestFirst) {
    const auto report = fixture("m365-chain-3hop-socketerror.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& a = report.recipients[0].attempts;
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].time, "2025-09-16T02:03:41Z");
    EXPECT_EQ(a[0].server, "mta5.am0.yahoodns.net");
    EXPECT_EQ(a[0].ip, "198.51.100.45");
    EXPECT_EQ(a[0].reply.substr(0, 27), "550 5.4.300 Message expired");
    EXPECT_EQ(a[1].time, "2025-09-15T20:41:07Z");  // 8:41:07 PM
    EXPECT_EQ(a[2].time, "2025-09-15T02:05:12Z");
    EXPECT_NE(a[2].reply.find("[TSS04]"), std::string::npos);
}

TEST(Attempts, SpanishNdrDayFirst) {
    const auto report = fixture("m365-attempts-es.eml");
    ASSERT_EQ(report.recipients.size(), 1u);
    const auto& a = report.recipients[0].attempts;
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].time, "2025-09-16T02:03:41Z");
    EXPECT_EQ(a[1].time, "2025-09-15T20:41:07Z");
    EXPECT_EQ(a[1].server, "mta7.am0.yahoodns.net");
    EXPECT_EQ(a[1].ip, "198.51.100.47");
    EXPECT_EQ(a[1].reply, "421 4.4.2 Connection dropped due to SocketError");
}

TEST(Attempts, GermanDottedDates) {
    const std::string text =
        "Diagnoseinformationen f\xC3\xBCr Administratoren:\n\n"
        "02.09.2025 12:34:56 - Server unter mx-eu.mail.yahoo.com (192.0.2.5) hat '421 4.4.2 "
        "Connection dropped due to SocketError' zur\xC3\xBC"
        "ckgegeben\n";
    const auto a = read_attempts(history_section(text));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].time, "2025-09-02T12:34:56Z");
    EXPECT_EQ(a[0].server, "mx-eu.mail.yahoo.com");
    EXPECT_EQ(a[0].ip, "192.0.2.5");
    EXPECT_EQ(a[0].reply, "421 4.4.2 Connection dropped due to SocketError");
}

TEST(Attempts, PortugueseAndFrenchForms) {
    const std::string pt =
        "Informa\xC3\xA7\xC3\xB5"
        "es de diagn\xC3\xB3stico para administradores:\n"
        "03/09/2025 07:00:01 - Servidor em mx.example.com.br (192.0.2.6) retornou '451 4.4.0 "
        "DNS query failed'\n";
    const auto p = read_attempts(history_section(pt));
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].time, "2025-09-03T07:00:01Z");
    EXPECT_EQ(p[0].server, "mx.example.com.br");
    const std::string fr =
        "Informations de diagnostic pour les administrateurs :\n"
        "04/09/2025 23:59:59 - Le serveur sur smtp-in.orange.fr (192.0.2.7) a renvoy\xC3\xA9 "
        "\xC2\xAB 421 4.2.0 Service refuse \xC2\xBB\n";
    const auto f = read_attempts(history_section(fr));
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].time, "2025-09-04T23:59:59Z");
    EXPECT_EQ(f[0].server, "smtp-in.orange.fr");
    EXPECT_EQ(f[0].reply, "421 4.2.0 Service refuse");
}

TEST(Attempts, NoSectionNoAttemptsAndBadStampsSkipped) {
    EXPECT_TRUE(read_attempts(history_section("Remote server returned '550 5.1.1'")).empty());
    const std::string bad =
        "Diagnostic information for administrators:\n"
        "13/45/2025 25:00:00 PM - Server at mx.example.com (192.0.2.1) "
        "returned '421'\n";
    EXPECT_TRUE(read_attempts(history_section(bad)).empty());
}

}  // namespace
