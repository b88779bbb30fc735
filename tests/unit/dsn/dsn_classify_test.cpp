// Classification: the rules table, status precedence and families.
#include <gtest/gtest.h>

#include "dsn/classify.hpp"
#include "dsn/rules.hpp"

namespace {

using namespace mxpulse::dsn;

TEST(Rules, EmbeddedTableParses) {
    const RuleSet& rules = default_rules();
    EXPECT_FALSE(rules.text.empty());
    EXPECT_FALSE(rules.status.empty());
    EXPECT_FALSE(rules.fallback.empty());
}

TEST(Rules, ParserSkipsBadLines) {
    const RuleSet r =
        parse_rules("# c\ntext\tFoo Bar\tblocked\nnonsense\nstatus\t5.1.1\tuserunknown\n");
    ASSERT_EQ(r.text.size(), 1u);
    EXPECT_EQ(r.text[0].key, "foo bar");
    ASSERT_EQ(r.status.size(), 1u);
}

TEST(Classify, ReasonsFromText) {
    const RuleSet& rules = default_rules();
    EXPECT_EQ(reason_for("550 5.7.1 Relay access denied", "5.7.1", rules), "norelaying");
    EXPECT_EQ(reason_for("552 5.2.2 Mailbox full", "5.2.2", rules), "mailboxfull");
    EXPECT_EQ(reason_for("550 Unauthenticated email from x is not accepted due to domain's DMARC",
                         "5.7.26", rules),
              "authfailure");
    EXPECT_EQ(reason_for("Host or domain name not found", "5.4.4", rules), "hostunknown");
    EXPECT_EQ(reason_for("gibberish", "", rules), "undefined");
    EXPECT_EQ(reason_for("gibberish", "5.7.1", rules), "blocked");
}

TEST(Classify, CommandAdjusts) {
    const RuleSet& rules = default_rules();
    EXPECT_EQ(reason_for("after end of data: 550 User unknown", "5.0.0", rules), "filtered");
    EXPECT_EQ(reason_for("after MAIL FROM:<a@b.org>: 550 User unknown", "5.0.0", rules),
              "rejected");
}

TEST(Classify, FillsFamilyAndCodes) {
    Recipient r;
    r.action = "failed";
    r.diagnostic = "host mx[192.0.2.1] said: 550 5.1.1 <a@b.org>: User unknown";
    classify(r, Kind::dsn);
    EXPECT_EQ(r.reason, "userunknown");
    EXPECT_EQ(r.family, "mailbox");
    EXPECT_EQ(r.status, "5.1.1");
    EXPECT_EQ(r.reply_code, "550");
    EXPECT_EQ(family_of("toomanyconn"), "transport");
    EXPECT_EQ(family_of("authfailure"), "authentication");
    EXPECT_EQ(family_of("spamdetected"), "content");
}

TEST(Classify, DeliveredAndFeedback) {
    Recipient d;
    d.action = "delivered";
    d.status = "2.0.0";
    classify(d, Kind::dsn);
    EXPECT_EQ(d.reason, "delivered");
    Recipient f;
    classify(f, Kind::feedback);
    EXPECT_EQ(f.reason, "feedback");
}

}  // namespace

namespace {

using namespace mxpulse::dsn;

// Returns r classified as a DSN recipient with the given fields.
Recipient classified(const std::string& diagnostic, const std::string& status,
                     const std::string& type = "smtp", const std::string& command = "") {
    Recipient r;
    r.action = "failed";
    r.diagnostic = diagnostic;
    r.status = status;
    r.reported_status = status;
    r.diagnostic_type = type;
    r.smtp_command = command;
    classify(r, Kind::dsn);
    return r;
}

TEST(Classify, CommandAndStatusClassDecideUserUnknown) {
    EXPECT_EQ(classified("550 User unknown", "", "smtp", "RCPT").reason, "userunknown");
    EXPECT_EQ(classified("550 User unknown", "", "smtp", "DATA").reason, "filtered");
    EXPECT_EQ(classified("550 5.2.1 <a@b.org>... User Unknown", "5.2.1").reason, "suspend");
    EXPECT_EQ(classified("550 5.7.1 User unknown", "5.7.1").reason, "filtered");
    EXPECT_EQ(classified("550 Rejected", "", "smtp", "EHLO").reason, "blocked");
}

TEST(Classify, TransientErrorReportedAsPermanentExpired) {
    Recipient r;
    r.action = "failed";
    r.diagnostic = "This is a permanent error. Error, ERROR_CODE :421, Host not reachable.";
    classify(r, Kind::vendor);
    EXPECT_EQ(r.status, "4.0.0");
    EXPECT_EQ(r.reason, "expired");
}

TEST(Classify, ExitStatusOfALocalMailer) {
    EXPECT_EQ(classified("255", "5.0.0", "x-unix").reason, "mailererror");
    EXPECT_EQ(classified("Disk quota exceeded", "4.3.0", "x-unix").reason, "mailboxfull");
}

TEST(Classify, AddressDigitsAreNoSuccessCode) {
    const Recipient r = classified(
        "did not accept our requests to connect [(0) example.com. "
        "[2606:2800:220:6d:26bf:1447:1097:aa7]:25: socket error]",
        "");
    EXPECT_EQ(r.reply_code, "");
    EXPECT_NE(r.reason, "delivered");
}

TEST(Classify, RemoteServersStatusBeatsARelaysSummary) {
    Recipient r;
    r.action = "failed";
    r.status = "5.0.0";
    r.diagnostic = "5.1.0 - Unknown address error 550-'5.2.2 <a@b.org>... Mailbox Full'";
    classify(r, Kind::dsn);
    EXPECT_EQ(r.status, "5.2.2");
    EXPECT_EQ(r.reason, "mailboxfull");
    // Without a reply code in front, the first status code stands.
    Recipient plain;
    plain.action = "failed";
    plain.diagnostic = "5.1.1 unknown, see also 5.2.2";
    classify(plain, Kind::dsn);
    EXPECT_EQ(plain.status, "5.1.1");
}

TEST(Classify, CommandFromTheMtasWording) {
    EXPECT_EQ(smtp_command_of("host mx.example.net[192.0.2.1] refused to talk to me: 421 Service "
                              "not available"),
              "CONN");
    EXPECT_EQ(smtp_command_of("Connected to 192.0.2.1 but greeting failed."), "CONN");
    EXPECT_EQ(smtp_command_of("Connected to 192.0.2.1 but sender was rejected."), "MAIL");
    EXPECT_EQ(smtp_command_of("550 5.1.1 User unknown (in reply to RCPT TO command)"), "RCPT");
    // A vague refusal before the envelope is the client's block.
    Recipient r;
    r.action = "failed";
    r.status = "4.0.0";
    r.diagnostic =
        "host mx.example.net[192.0.2.1] refused to talk to me: 421 Service not available";
    classify(r, Kind::dsn);
    EXPECT_EQ(r.reason, "blocked");
}

TEST(Classify, EachRuleLineCarriesItsReasonAndComment) {
    const RuleSet rules = parse_rules("text\tno such user\tuserunknown\t# family\n");
    ASSERT_EQ(rules.text.size(), 1u);
    EXPECT_EQ(rules.text[0].reason, "userunknown");
    EXPECT_EQ(rules.text[0].line, 1u);
    Recipient r;
    r.action = "failed";
    r.status = "5.0.0";
    r.diagnostic = "550 No such user here (in reply to RCPT TO command)";
    classify(r, Kind::dsn, rules);
    EXPECT_EQ(r.reason, "userunknown");
    EXPECT_EQ(r.rule_line, 1u);
}

TEST(Classify, EveryRuleSaysWhatItRestsOn) {
    const std::string_view text = embedded_rules();
    std::size_t pos = 0, number = 0, rules = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++number;
        if (line.empty() || line[0] == '#') continue;
        ++rules;
        const std::size_t why = line.find("\t# ");
        ASSERT_NE(why, std::string_view::npos) << "line " << number << ": " << line;
        const std::string_view basis = line.substr(why + 3);
        EXPECT_TRUE(basis.starts_with("family") || basis.starts_with("rfc3463") ||
                    basis.starts_with("doc: ") || basis.starts_with("samples: "))
            << "line " << number << ": " << line;
    }
    EXPECT_GT(rules, 100u);
}

}  // namespace

TEST(Classify, UnspecificCodesGiveWayToASpecificOne) {
    // X.0.0 first in the text, a specific code after it: the specific one decides.
    Recipient r;
    r.action = "failed";
    r.diagnostic = "550 5.0.0 <a@b.org>... 550 5.1.1 <a@b.org>: User unknown";
    classify(r, Kind::dsn);
    EXPECT_EQ(r.status, "5.1.1");
    EXPECT_EQ(r.reason, "userunknown");
    // A Status field 4.4.7 gives way to the throttling code of the reply.
    Recipient d;
    d.action = "failed";
    d.status = "4.4.7";
    d.diagnostic = "421 4.7.28 Our system has detected an unusual rate of mail from your IP";
    classify(d, Kind::dsn);
    EXPECT_EQ(d.status, "4.7.28");
    EXPECT_EQ(d.reason, "speeding");
    // An X.0.0 in the text never replaces a specific Status field.
    Recipient f;
    f.action = "failed";
    f.status = "5.2.2";
    f.diagnostic = "550 5.0.0 Requested action not taken";
    classify(f, Kind::dsn);
    EXPECT_EQ(f.status, "5.2.2");
    EXPECT_EQ(f.reason, "mailboxfull");
    // Only an X.0.0 in the text: it stands.
    Recipient g;
    g.action = "failed";
    g.diagnostic = "554 5.0.0 Service unavailable";
    classify(g, Kind::dsn);
    EXPECT_EQ(g.status, "5.0.0");
}

// Tier 4 of the order of precedence (README.md): the command a reply answered decides a generic
// outcome, read from the transcript or the MTA's wording; a specific code still decides first.
TEST(Precedence, CommandDecidesGenericOutcomes) {
    const RuleSet& rules = default_rules();
    // The same vague 550 at each command.
    EXPECT_EQ(reason_for("host mx[192.0.2.1] said: 550 Rejected (in reply to MAIL FROM command)",
                         "5.0.0", rules),
              "rejected");
    EXPECT_EQ(reason_for("host mx[192.0.2.1] refused to talk to me: 554 Rejected", "5.0.0", rules),
              "blocked");
    EXPECT_EQ(
        reason_for("SMTP error from remote mail server after EHLO: 550 Go away", "5.0.0", rules),
        "blocked");
    EXPECT_EQ(reason_for("host mx[192.0.2.1] said: 550 Requested action not taken (in reply to "
                         "RCPT TO command)",
                         "5.0.0", rules),
              "userunknown");
    EXPECT_EQ(reason_for(">>> RCPT To:<a@b.org>\n<<< 551 Not here", "5.0.0", rules), "hasmoved");
    // "User unknown": the recipient at RCPT, the sender at MAIL, a filter after DATA.
    EXPECT_EQ(reason_for("550 User unknown (in reply to RCPT TO command)", "5.0.0", rules),
              "userunknown");
    EXPECT_EQ(reason_for("SMTP error after MAIL FROM:<a@b.org>: 550 User unknown", "5.0.0", rules),
              "rejected");
    EXPECT_EQ(reason_for("550 User unknown (in reply to end of DATA command)", "5.0.0", rules),
              "filtered");
    // A 552 to MAIL is the SIZE limit (RFC 1870); to DATA it decides nothing on its own.
    EXPECT_EQ(reason_for("SMTP error after MAIL FROM:<a@b.org> SIZE=99999999: 552 Not now", "5.0.0",
                         rules),
              "mesgtoobig");
    EXPECT_NE(reason_for("552 Not now (in reply to end of DATA command)", "5.0.0", rules),
              "mesgtoobig");
    // A specific code is tier 2: the command does not change it.
    EXPECT_EQ(reason_for("550 5.2.2 Mailbox full (in reply to MAIL FROM command)", "5.2.2", rules),
              "mailboxfull");
    EXPECT_EQ(
        reason_for("550 5.1.1 User unknown (in reply to end of DATA command)", "5.1.1", rules),
        "userunknown");
    // Reply codes that state the cause whatever the command (RFC 4954, RFC 7504, RFC 5321).
    EXPECT_EQ(reason_for("530 Must see you first", "5.0.0", rules), "securityerror");
    EXPECT_EQ(reason_for("556 example.org", "5.0.0", rules), "notaccept");
    EXPECT_EQ(reason_for("555 SMTPUTF8 unknown", "5.0.0", rules), "syntaxerror");
    // A phrase that decides is not overridden by the reply code.
    EXPECT_EQ(reason_for("550 Mailbox is full (in reply to RCPT TO command)", "5.0.0", rules),
              "mailboxfull");
}

// Tier 5: generic wording many MTAs use decides a 5.0.0, 550 or 554 that no code explains. None
// of these replies is in the corpus: they are the held-out kind.
TEST(Precedence, PhraseFamiliesDecideGenericReplies) {
    const RuleSet& rules = default_rules();
    const std::pair<const char*, const char*> cases[] = {
        {"554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org",
         "blocked"},
        {"550 5.0.0 Mail from 192.0.2.9 refused, listed by bl.example.net", "blocked"},
        {"550 5.0.0 example.org: no MX records, cannot deliver", "notaccept"},
        {"550 5.0.0 <a@b.org>... malformed recipient address (in reply to RCPT TO command)",
         "userunknown"},
        {"550 5.0.0 Sorry, no mailbox here by that name (in reply to RCPT TO command)",
         "userunknown"},
        {"550 5.0.0 The email account that you tried to reach has been disabled", "suspend"},
        {"552 5.0.0 Quota exceeded for this mailbox", "mailboxfull"},
        {"554 5.0.0 Relaying prohibited", "norelaying"},
        {"504 5.0.0 Command parameter not implemented", "syntaxerror"},
        {"550 5.0.0 Retry timeout exceeded", "expired"},
        {"554 5.0.0 Too many hops", "networkerror"},
        {"552 5.0.0 Message size exceeds the limit", "mesgtoobig"},
        {"550 5.0.0 Address couldn't be found (in reply to RCPT TO command)", "userunknown"},
    };
    for (const auto& [reply, want] : cases)
        EXPECT_EQ(reason_for(reply, "5.0.0", rules), want) << reply;
    // An exact status code says more than Postfix's bare "Recipient address rejected:" prefix.
    EXPECT_EQ(reason_for("550 5.6.0 <a@b.org>: Recipient address rejected: see the policy", "5.6.0",
                         rules),
              "contenterror");
    EXPECT_EQ(reason_for("550 5.0.0 <a@b.org>: Recipient address rejected (in reply to RCPT TO "
                         "command)",
                         "5.0.0", rules),
              "userunknown");
    // Without the RCPT command, an unknown user with no addressing code is the recipient
    // side's filter (the corpus reading, e.g. lhost-mcafee-04).
    EXPECT_EQ(reason_for("550 5.0.0 <a@b.org>... No such user", "5.0.0", rules), "filtered");
    // The decoder's own statement beats the code: a local pipe that failed.
    EXPECT_EQ(reason_for("pipe to |/usr/bin/x a@b.org generated by a@b.org", "5.0.0", rules),
              "mailererror");
}
