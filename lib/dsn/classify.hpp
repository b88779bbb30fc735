// Classification of one recipient: reason (Sisimai vocabulary), family and derived codes.
#pragma once

#include <string>
#include <string_view>

#include "dsn/report.hpp"
#include "dsn/rules.hpp"

namespace mxpulse::dsn {

// Returns the coarse family of a reason: transport, mailbox, policy, authentication, content,
// system or other.
std::string_view family_of(std::string_view reason);

// Returns the SMTP command a diagnostic names (MAIL, RCPT, DATA, CONN, EHLO, HELO), or "".
std::string smtp_command_of(std::string_view diagnostic);

// A reason and the rule that decided it (nullptr: no rule, a default).
struct Decision {
    std::string reason;
    const Rule* rule = nullptr;
};

// Returns the reason for a diagnostic and status using rules (no report-kind logic); command is
// the SMTP command that failed when known elsewhere, else it is read from the diagnostic.
std::string reason_for(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                       std::string_view command = {});

// As reason_for, with the deciding rule.
Decision decide_for(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                    std::string_view command = {});

// Returns the reason for a diagnostic, status and failed SMTP command (empty: none known).
std::string decide_reason(std::string_view diagnostic, std::string_view status,
                          const RuleSet& rules, std::string_view command);

// As decide_reason, with the deciding rule.
Decision decide(std::string_view diagnostic, std::string_view status, const RuleSet& rules,
                std::string_view command);

// Returns the reason a bounce's human text states for all of its recipients (a message-level
// problem such as a malformed header), or "" when it states none. Looks at its first 8 KiB.
std::string stated_reason(std::string_view human, const RuleSet& rules = default_rules());

// As stated_reason, returning the deciding message rule (nullptr: none).
const Rule* stated_rule(std::string_view human, const RuleSet& rules);

// Fills reason, family, reply code and status defaults of r for a report of kind.
void classify(Recipient& r, Kind kind, const RuleSet& rules = default_rules());

// As classify, for a caller that has already looked for the failed SMTP command and stored it
// in r.smtp_command (empty: none found): the diagnostic is not searched for it again.
void classify_with_command(Recipient& r, Kind kind, const RuleSet& rules = default_rules());

}  // namespace mxpulse::dsn
