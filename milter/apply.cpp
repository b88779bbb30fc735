// Applying a pipeline Outcome through libmilter: checked calls, each refusal counted and logged.
#include "apply.hpp"

#include "log/logger.hpp"

namespace mxpulse::milter {

namespace {

// Counts and logs a libmilter call the MTA refused; the message itself goes on.
void refused(App& app, const std::string& qid, const char* call) {
    app.counters.count_failure();
    log::emit_message(log::events::milter_failure, qid,
                      {log::Field("stage", "apply"),
                       log::Field("error", std::string(call) + " refused by the MTA"),
                       log::Field("action", "continue")});
}

// Logs a bounce action that was applied.
void applied(const std::string& qid, const std::string& action, const std::string& matched) {
    if (action.empty()) return;
    log::emit_message(log::events::bounce_action, qid,
                      {log::Field("action", action), log::Field("matched", matched)});
}

// Applies one header edit; returns the name of the refused call, or nullptr.
const char* edit_header(SMFICTX* ctx, bool leading_space, const pipeline::HeaderEdit& h) {
    std::string v = header_for_mta(leading_space, h.value);
    char* name = const_cast<char*>(h.name.c_str());
    switch (h.op) {
        case pipeline::HeaderEdit::Op::insert_first:
            return smfi_insheader(ctx, 0, name, v.data()) == MI_SUCCESS ? nullptr
                                                                        : "smfi_insheader";
        case pipeline::HeaderEdit::Op::change:
            return smfi_chgheader(ctx, name, h.index, v.data()) == MI_SUCCESS ? nullptr
                                                                              : "smfi_chgheader";
        default:
            return smfi_addheader(ctx, name, v.data()) == MI_SUCCESS ? nullptr : "smfi_addheader";
    }
}

// Applies the header edits, added recipients and quarantine of an Outcome.
void apply_edits(SMFICTX* ctx, App& app, bool leading_space, const pipeline::Outcome& out) {
    for (const pipeline::HeaderEdit& h : out.headers) {
        if (const char* call = edit_header(ctx, leading_space, h))
            refused(app, out.queue_id, call);
        else
            applied(out.queue_id, h.action, h.matched);
    }
    for (const std::string& r : out.add_recipients) {
        std::string rcpt = "<" + r + ">";
        if (smfi_addrcpt(ctx, rcpt.data()) != MI_SUCCESS)
            refused(app, out.queue_id, "smfi_addrcpt");
        else
            applied(out.queue_id, "copy", out.add_recipients_matched);
    }
    if (!out.quarantine.empty()) {
        std::string reason = out.quarantine;
        if (smfi_quarantine(ctx, reason.data()) != MI_SUCCESS)
            refused(app, out.queue_id, "smfi_quarantine");
        else
            applied(out.queue_id, "quarantine", out.quarantine_matched);
    }
}

}  // namespace

std::string header_for_mta(bool leading_space, std::string value) {
    if (leading_space && (value.empty() || (value[0] != ' ' && value[0] != '\t')))
        return " " + value;
    return value;
}

sfsistat to_sfsistat(const pipeline::Reply& reply) {
    switch (reply.kind) {
        case pipeline::Reply::Kind::accept:
            return SMFIS_ACCEPT;
        case pipeline::Reply::Kind::tempfail:
            return SMFIS_TEMPFAIL;
        case pipeline::Reply::Kind::reject:
            return SMFIS_REJECT;
        default:
            return SMFIS_CONTINUE;
    }
}

sfsistat apply_outcome(SMFICTX* ctx, App& app, bool leading_space, const pipeline::Outcome& out) {
    // message.seen comes last, after the actions it summarises.
    for (std::size_t i = 0; i + 1 < out.events.size(); ++i)
        pipeline::emit(out.events[i], out.queue_id);
    apply_edits(ctx, app, leading_space, out);
    const pipeline::Reply& r = out.reply;
    if (!r.code.empty() &&
        smfi_setreply(ctx, const_cast<char*>(r.code.c_str()), const_cast<char*>(r.enhanced.c_str()),
                      const_cast<char*>(r.text.c_str())) != MI_SUCCESS)
        refused(app, out.queue_id, "smfi_setreply");
    if (!out.events.empty()) pipeline::emit(out.events.back(), out.queue_id);
    return to_sfsistat(r);
}

}  // namespace mxpulse::milter
