// A connection's intake: bounded session buffers and DKIM verification as the message streams.
#include "pipeline/intake.hpp"

#include "session/direction.hpp"

namespace mxpulse::pipeline {

Intake::Intake(std::shared_ptr<const Runtime> runtime)
    : runtime_(std::move(runtime)), session_(runtime_->config) {}

void Intake::begin_message(std::shared_ptr<const Runtime> runtime, std::string_view sender) {
    if (runtime) runtime_ = std::move(runtime);
    session_.use_config(runtime_->config);
    session_.begin_message(sender);
    dkim_.reset();
    failure_.clear();
    failed_ = false;
    decided_ = false;
}

void Intake::decide_streaming() {
    decided_ = true;
    if (!runtime_->evaluator) return;
    if (session::classify(session_, false) != stats::Direction::outbound) return;
    dkim_ = runtime_->evaluator->start_dkim();
}

void Intake::header(std::string_view name, std::string_view value) {
    std::string_view stored = value;
    if (leading_space_ && !stored.empty() && stored.front() == ' ') stored.remove_prefix(1);
    session_.add_header(name, stored);
    if (!decided_) decide_streaming();
    if (!dkim_) return;
    // DKIM hashes the header as sent: leading space kept, folds as CRLF (the MTA passes LF).
    std::string wire = leading_space_ ? std::string() : std::string(" ");
    wire.reserve(value.size() + 8);
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r')) wire += '\r';
        wire += value[i];
    }
    dkim_->header(name, wire);
}

void Intake::end_of_headers() {
    if (dkim_) dkim_->end_of_headers();
}

void Intake::body(std::string_view chunk) {
    session_.append_body(chunk);
    if (dkim_) dkim_->body(chunk);
}

void Intake::note_failure(std::string_view what) noexcept {
    failed_ = true;
    try {
        if (failure_.empty()) failure_ = what.empty() ? "unknown error" : std::string(what);
    } catch (...) {
        // The flag alone still applies the failure action.
    }
}

std::vector<auth::DkimSignature> Intake::finish_dkim() {
    std::vector<auth::DkimSignature> out;
    if (dkim_) out = dkim_->finish();
    dkim_.reset();
    return out;
}

void Intake::end_message() {
    session_.end_message();
    dkim_.reset();
    decided_ = false;
}

}  // namespace mxpulse::pipeline
