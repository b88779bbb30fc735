// Offline verification of whole messages: the entry point of `mxpulsectl verify` and of the
// DKIM corpus test, so that what the test measures is what an operator gets.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_results_parse.hpp"
#include "auth/evaluate.hpp"
#include "dns/resolver.hpp"

namespace mxpulse::auth {

// The envelope of a message read from a file, which the file itself does not carry.
struct VerifyEnvelope {
    std::string mail_from;  // MAIL FROM; empty = take Return-Path
    bool mail_from_given = false;
    std::string helo;  // HELO/EHLO name (SPF's HELO identity)
};

// The verdict on one message and what it was computed from.
struct VerifyReport {
    std::string source;  // file name, "-" for standard input
    std::string error;   // the message could not be read (nothing else is set)
    std::string message_id;
    std::string mail_from;         // the envelope sender used
    std::string mail_from_source;  // "option", "return-path" or "none"
    std::string helo;
    Verdict verdict;
    std::string authentication_results;       // the header mxpulse would add (name included)
    std::vector<ParsedAuthResults> received;  // Authentication-Results already on the message
};

// Splits RAW (an RFC 5322 message with LF or CRLF line ends) into headers (folding kept, CRLF)
// and a CRLF body; false and ERROR when it has no header.
bool read_message(std::string_view raw, Message& out, std::string& error);

// Reads RAW and evaluates SPF, DKIM, DomainKeys and DMARC exactly as the milter does. DKIM,
// when given, stands for the message's own signatures (the milter's streamed verdicts; the
// DMARC vectors, which state DKIM results rather than carry signatures).
VerifyReport verify_message(const Evaluator& evaluator, std::string_view raw,
                            const VerifyEnvelope& envelope, std::string source = "-",
                            const std::vector<DkimSignature>* dkim = nullptr);

// The reports as the documented JSON document (mxpulsectl(8), VERIFY JSON).
std::string verify_reports_json(const Evaluator& evaluator,
                                const std::vector<VerifyReport>& reports);

// One report as text for people.
void print_verify_report(const Evaluator& evaluator, const VerifyReport& report, std::ostream& out);

// Options of `mxpulsectl verify` (CLI flags map one to one).
struct VerifyCommandOptions {
    std::vector<std::string> files;  // FILE... or "-"
    bool json = false;
    VerifyEnvelope envelope;
    AuthConfig auth;               // from the daemon config; --egress replaces the egress list
    dns::ResolverConfig resolver;  // from the daemon config or --resolver
};

// Runs verify; prints to OUT, errors to ERR. Returns 0 when every message was evaluated, 2 when
// a file could not be read or the evaluator could not be built.
int run_verify(const VerifyCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mxpulse::auth
