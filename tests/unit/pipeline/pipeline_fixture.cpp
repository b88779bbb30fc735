// A pipeline under test: a Runtime from TOML text, in-memory state, messages fed as an MTA would.
#include "pipeline_fixture.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "config/loader.hpp"

namespace mxpulse::pipeline::testing {

Pipeline::Pipeline(const std::string& toml) {
    config::LoadResult r = config::load_string("[auth]\nenabled = false\n" + toml, "test.conf");
    if (!r.config) {
        std::string all;
        for (const std::string& e : r.errors)
            all += e + "\n";
        throw std::runtime_error("test configuration refused: " + all);
    }
    std::string error;
    std::shared_ptr<const auth::PublicSuffixList> psl = auth::PublicSuffixList::load("", error);
    if (!psl) throw std::runtime_error("system Public Suffix List: " + error);
    runtime = build_runtime(r.config, {nullptr, psl}, nullptr).runtime;
}

Outcome Pipeline::run(const Mail& mail, std::int64_t now) {
    Intake intake(runtime);
    session::Session& s = intake.session();
    s.on_connect("client.example", mail.client);
    intake.begin_message(runtime, mail.sender == "<>" ? "<>" : "<" + mail.sender + ">");
    s.set_macro("i", mail.queue_id);
    for (const std::string& r : mail.recipients)
        s.add_recipient("<" + r + ">");
    // Headers are unfolded by the MTA into name and value; continuation lines keep their LF.
    std::istringstream in(mail.text);
    std::string line, name, value, body;
    bool in_body = false;
    auto flush = [&] {
        if (!name.empty()) intake.header(name, value);
        name.clear();
        value.clear();
    };
    while (std::getline(in, line)) {
        if (in_body) {
            body += line + "\r\n";
        } else if (line.empty()) {
            flush();
            intake.end_of_headers();
            in_body = true;
        } else if (line[0] == ' ' || line[0] == '\t') {
            value += "\n" + line;
        } else {
            flush();
            auto colon = line.find(':');
            name = line.substr(0, colon);
            value = colon + 1 < line.size() && line[colon + 1] == ' ' ? line.substr(colon + 2)
                                                                      : line.substr(colon + 1);
        }
    }
    intake.body(body);
    State st = state();
    Outcome out = process(intake, st, now);
    intake.end_message();
    return out;
}

}  // namespace mxpulse::pipeline::testing
