// Cheap checks on the top-level headers: is this message a bounce, and of which kind.
#include "dsn/detect.hpp"

#include <array>
#include <string_view>

#include "dsn/fields.hpp"
#include "mime/encoded_word.hpp"
#include "util/strings.hpp"

namespace mxpulse::dsn {
namespace {

// Returns true when the lowered text contains one of the phrases.
template <std::size_t N>
bool contains_any(std::string_view lowered, const std::array<std::string_view, N>& phrases) {
    for (auto p : phrases)
        if (lowered.find(p) != std::string_view::npos) return true;
    return false;
}

// Subject phrases of bounces in the languages seen in the field.
constexpr std::array<std::string_view, 30> kBounceSubjects{"undeliver",
                                                           "delivery status",
                                                           "returned mail",
                                                           "delivery fail",
                                                           "failure notice",
                                                           "mail delivery",
                                                           "undelivered",
                                                           "non remis",
                                                           "could not be delivered",
                                                           "nondeliverable",
                                                           "delivery notification",
                                                           "returned to sender",
                                                           "not delivered",
                                                           "delivery problem",
                                                           "mail system error",
                                                           "warning: could not",
                                                           "delayed mail",
                                                           "delivery report",
                                                           "bounce",
                                                           "message delivery",
                                                           "failed delivery",
                                                           "error sending",
                                                           "mail failure",
                                                           "rejected",
                                                           "delivery has failed",
                                                           "could not send",
                                                           "unzustellbar",
                                                           "nicht zugestellt",
                                                           "entrega",
                                                           "delivery final"};

// From phrases of daemons that send bounces.
constexpr std::array<std::string_view, 9> kDaemonFrom{
    "mailer-daemon", "postmaster",    "mail delivery", "mail administrator", "mail-daemon",
    "mailer daemon", "mail.delivery", "bounce",        "post_master"};

// Subject phrases of auto-replies (RFC 3834).
constexpr std::array<std::string_view, 7> kAutoReplySubjects{
    "auto reply", "automatic reply", "autoreply", "out of office", "autorespon", "away", "auto:"};

// Body phrases of bounces, used when the headers say nothing but an original is returned.
constexpr std::array<std::string_view, 8> kBounceBody{
    "could not be delivered", "undeliverable",     "delivery failed",   "delivery has failed",
    "permanent error",        "was not delivered", "unable to deliver", "could not deliver"};

// Subject phrases of abuse complaints that carry no machine-readable feedback report.
constexpr std::array<std::string_view, 2> kComplaintSubjects{"complaint about message",
                                                             "abuse report"};

// Returns true when a mailing-list manager (fml) returns an error to the poster: its own
// server header, an "-admin" sender and a message id the manager made.
bool mailing_list_error(const mime::HeaderBlock& h, std::string_view lowered_from) {
    return h.has("X-MLServer") && lowered_from.find("-admin@") != std::string_view::npos &&
           util::ifind(h.get("Message-ID"), ".fml") != std::string_view::npos;
}

}  // namespace

// Returns true when the top-level headers alone say "bounce".
bool looks_like_bounce(const TopHeaders& h, Envelope envelope) {
    const std::string ct = util::to_lower(h.content_type);
    if (ct.find("multipart/report") != std::string::npos) {
        if (ct.find("delivery-status") != std::string::npos) return true;
        if (envelope != Envelope::sender) return true;
    }
    if (envelope == Envelope::sender) return false;
    if (contains_any(util::to_lower(h.from), kDaemonFrom)) return true;
    const std::string subject = util::to_lower(mime::decode_encoded_words(h.subject));
    if (contains_any(subject, kBounceSubjects)) return true;
    return h.failed_recipients;
}

// The same check on a parsed header block.
bool looks_like_bounce(const mime::HeaderBlock& h, Envelope envelope) {
    return looks_like_bounce(TopHeaders{h.get("Content-Type"), h.get("From"), h.get("Subject"),
                                        h.has("X-Failed-Recipients")},
                             envelope);
}

// Returns the kind of report a parsed message is (Kind::none when it is no bounce).
Kind detect_kind(const mime::Message& msg) {
    bool status_part = false;
    for (const auto& p : msg.parts) {
        if (p.attached) continue;
        if (p.media_type == "message/feedback-report") return Kind::feedback;
        if (p.media_type == "message/delivery-status" ||
            p.media_type == "message/global-delivery-status")
            status_part = true;
    }
    const std::string ct = util::to_lower(msg.headers.get("Content-Type"));
    if (ct.find("feedback-report") != std::string::npos) return Kind::feedback;
    if (status_part) return Kind::dsn;
    // An unsubscribe request sent by a mail client is an opt-out complaint.
    if (util::iequals(util::trim(msg.headers.get("X-Apple-Unsubscribe")), "true"))
        return Kind::feedback;
    const std::string subject =
        util::to_lower(mime::decode_encoded_words(msg.headers.get("Subject")));
    const std::string from = util::to_lower(msg.headers.get("From"));
    // An abuse complaint without a machine-readable report still returns the message.
    if (contains_any(subject, kComplaintSubjects))
        for (const auto& p : msg.parts)
            if (p.media_type == "message/rfc822" && !p.attached) return Kind::feedback;
    const bool bounce_headers = looks_like_bounce(msg.headers);
    const std::string auto_submitted = util::to_lower(msg.headers.get("Auto-Submitted"));
    const bool auto_reply = auto_submitted.starts_with("auto-replied") ||
                            msg.headers.has("X-Autoreply") || msg.headers.has("X-Autorespond") ||
                            contains_any(subject, kAutoReplySubjects);
    if (auto_reply && !contains_any(from, kDaemonFrom) && !contains_any(subject, kBounceSubjects))
        return Kind::autoreply;
    if (bounce_headers || mailing_list_error(msg.headers, from)) return Kind::vendor;
    // A text part carrying RFC 3464 fields or typical bounce wording makes it a bounce too.
    for (const auto& p : msg.parts) {
        if (p.attached || !p.media_type.starts_with("text/")) continue;
        if (has_status_fields(p.body)) return Kind::vendor;
    }
    // A returned original plus bounce wording in the text part.
    bool returned = false;
    for (const auto& p : msg.parts)
        if (p.media_type == "message/rfc822" || p.media_type == "text/rfc822-headers")
            returned = true;
    if (!returned) return Kind::none;
    for (const auto& p : msg.parts) {
        if (p.attached || p.media_type != "text/plain") continue;
        if (contains_any(util::to_lower(p.body), kBounceBody)) return Kind::vendor;
    }
    return Kind::none;
}

}  // namespace mxpulse::dsn
