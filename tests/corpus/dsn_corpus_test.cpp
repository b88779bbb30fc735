// Runs the bounce parser over the shared corpus: in-sample and leave-one-format-out agreement.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dsn/parse.hpp"
#include "dsn/provider_codes.hpp"
#include "dsn/rules.hpp"
#include "util/strings.hpp"

namespace {

// Agreement floors (the ratchet): raise them when the parser improves, never lower them. The
// reason floor is on the cross-validated figure only: an in-sample figure rewards rules written
// for one sample.
constexpr double kCrossValidatedReasonFloor = 0.934;  // a phrase family line is the unit
constexpr double kCrossValidatedPhraseFloor = 0.773;  // each phrase of a family on its own
// The same, with the rules that rest on a document (RFC 3463, a provider's codes) always kept.
constexpr double kCrossValidatedDocumentedFloor = 0.80;
constexpr double kStatusFloor = 0.987;
constexpr double kRecipientFloor = 0.984;
constexpr double kBounceFloor = 0.997;

// Counts of one agreement figure.
struct Tally {
    int hit = 0;
    int total = 0;
    // Returns the agreement as a fraction (1 when nothing was compared).
    double rate() const { return total == 0 ? 1.0 : static_cast<double>(hit) / total; }
};

// Reads a whole file into a string; returns false when it cannot be read.
bool slurp(const std::filesystem::path& p, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// Returns the string value of key in j, or "" for null / missing.
std::string str(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return {};
    return j[key].get<std::string>();
}

// One corpus file with its expectations.
struct Sample {
    std::string id;
    std::string format;
    std::string raw;
    nlohmann::json e;
};

// An expectation mxpulse deliberately does not follow: sample id, recipient index, the label
// the expectation gives, the reason mxpulse gives instead, and why.
struct Deviation {
    std::string id;
    std::size_t index = 0;
    std::string expected;
    std::string reading;
    std::string why;
};

// Reads the named deviations (TAB-separated: id, index, expected, reading, why; # comments).
std::vector<Deviation> read_deviations(const std::filesystem::path& p) {
    std::vector<Deviation> out;
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, '\t'))
            f.push_back(cell);
        if (f.size() != 5) {
            ADD_FAILURE() << "bad deviation line: " << line;
            continue;
        }
        out.push_back({f[0], std::stoul(f[1]), f[2], f[3], f[4]});
    }
    return out;
}

// Returns true when rule (of section) speaks about the recipient got of a message raw: its phrase
// occurs in the diagnostic (message rules: in the message), its code is the status or the
// provider code in the diagnostic.
bool rule_applies(const mxpulse::dsn::Rule& rule, std::string_view section,
                  const mxpulse::dsn::Recipient& got, std::string_view raw) {
    using mxpulse::util::ifind;
    if (section == "status" || section == "fallback")
        return got.status == rule.key ||
               (section == "fallback" && got.status.starts_with(rule.key + "."));
    if (section == "code") return mxpulse::dsn::provider_rule(got.diagnostic, {rule}) != nullptr;
    if (section == "message") return ifind(raw.substr(0, 16384), rule.key) != std::string::npos;
    std::string_view phrase = rule.key;
    if (section == "host") {
        const std::string_view domain = phrase.substr(0, phrase.find(' '));
        phrase = phrase.substr(phrase.find(' ') + 1);
        if (ifind(got.recipient, domain) == std::string::npos &&
            ifind(got.remote_mta, domain) == std::string::npos &&
            ifind(got.diagnostic, domain) == std::string::npos)
            return false;
    }
    return ifind(got.diagnostic, phrase) != std::string::npos;
}

// Returns the rules text with every rule (a line, or one phrase of a "a; b" family line) not in
// keep blanked; line numbers stay as they were, so that the rules keep their identity. A line
// is kept whole when keep holds it with an empty phrase.
std::string rules_subset(std::string_view text,
                         const std::set<std::pair<std::size_t, std::string>>& keep) {
    std::string out;
    std::size_t number = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++number;
        const bool rule = !line.empty() && line[0] != '#';
        if (!rule || keep.count({number, ""}) != 0) {
            out += line;
        } else {
            const std::size_t t1 = line.find('\t');
            const std::size_t t2 = line.find('\t', t1 + 1);
            std::string keys;
            std::string_view rest = line.substr(t1 + 1, t2 - t1 - 1);
            while (!rest.empty()) {
                const std::size_t semi = rest.find(';');
                const std::string_view one = rest.substr(0, semi);
                rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
                if (rest.starts_with(' ')) rest.remove_prefix(1);
                if (keep.count({number, mxpulse::util::to_lower(one)}) == 0) continue;
                if (!keys.empty()) keys += "; ";
                keys += one;
            }
            if (!keys.empty()) {
                out += line.substr(0, t1 + 1);
                out += keys;
                out += line.substr(t2);
            }
        }
        out += '\n';
    }
    return out;
}

// Returns the lines whose rule rests on a document (RFC 3463 / IANA, a provider's published
// codes), not on wording: no sample can have been fitted by them.
std::set<std::size_t> documented_lines(std::string_view text) {
    std::set<std::size_t> out;
    std::size_t number = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++number;
        if (!line.empty() && line[0] != '#' &&
            (line.find("# rfc3463") != std::string_view::npos ||
             line.find("# doc: ") != std::string_view::npos))
            out.insert(number);
    }
    return out;
}

}  // namespace

TEST(DsnCorpus, AgreesWithExpectations) {
    const std::filesystem::path dir =
        std::filesystem::path(MXPULSE_SHARED_DIR) / "corpus" / "bounces";
    const auto expectations = dir / "expectations.jsonl";
    if (!std::filesystem::exists(expectations))
        GTEST_SKIP() << "CORPUS ABSENT: " << expectations
                     << " not found; set MXPULSE_SHARED_DIR. The corpus test did NOT run.";
    const std::vector<Deviation> deviations =
        read_deviations(std::filesystem::path(MXPULSE_SOURCE_DIR) / "tests" / "corpus" /
                        "dsn_reason_deviations.tsv");
    std::map<std::pair<std::string, std::size_t>, const Deviation*> deviation_of;
    for (const auto& d : deviations)
        deviation_of[{d.id, d.index}] = &d;
    std::vector<Sample> samples;
    {
        std::ifstream in(expectations);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            Sample s;
            s.e = nlohmann::json::parse(line);
            s.id = str(s.e, "id");
            s.format = str(s.e, "format");
            ASSERT_TRUE(slurp(dir / str(s.e, "file"), s.raw)) << str(s.e, "file");
            samples.push_back(std::move(s));
        }
    }
    Tally reason, status, recipient, bounce;
    std::map<std::string, int> misses_by_format;
    // Formats in whose files each rule (by line) decided, or applied to, a recipient whose
    // expected reason is the rule's.
    std::map<std::size_t, std::set<std::string>> credit;
    // The same per phrase of a family line (line, phrase): what a single phrase has earned.
    std::map<std::pair<std::size_t, std::string>, std::set<std::string>> phrase_credit;
    const mxpulse::dsn::RuleSet all = mxpulse::dsn::parse_rules(mxpulse::dsn::embedded_rules());
    const std::pair<const char*, const std::vector<mxpulse::dsn::Rule>*> sections[] = {
        {"code", &all.code},       {"host", &all.host},
        {"message", &all.message}, {"override", &all.override_text},
        {"status", &all.status},   {"text", &all.text},
        {"weak", &all.weak},       {"fallback", &all.fallback},
        {"bare", &all.bare}};
    std::set<std::pair<std::string, std::size_t>> deviations_seen;
    const bool verbose = std::getenv("MXPULSE_CORPUS_VERBOSE") != nullptr;
    for (const auto& s : samples) {
        const auto report = mxpulse::dsn::parse(s.raw);
        const auto& e = s.e;
        const bool want_bounce = e.value("is_bounce", true);
        ++bounce.total;
        if (report.is_bounce == want_bounce)
            ++bounce.hit;
        else
            ++misses_by_format[s.format + " (bounce)"];
        const auto& want = e["recipients"];
        for (std::size_t i = 0; i < want.size(); ++i) {
            const auto& w = want[i];
            const bool have = i < report.recipients.size();
            const mxpulse::dsn::Recipient empty;
            const auto& got = have ? report.recipients[i] : empty;
            ++recipient.total;
            if (got.recipient == mxpulse::util::to_lower(str(w, "recipient")) ||
                got.final_recipient == mxpulse::util::to_lower(str(w, "recipient")))
                ++recipient.hit;
            else
                ++misses_by_format[s.format + " (recipient)"];
            if (!w["reason"].is_null()) {
                ++reason.total;
                const auto dev = deviation_of.find({s.id, i});
                if (dev != deviation_of.end()) {
                    deviations_seen.insert({s.id, i});
                    EXPECT_NE(dev->second->expected, dev->second->reading)
                        << s.id << " #" << i << ": a deviation must name a different reading";
                    EXPECT_EQ(dev->second->expected, str(w, "reason"))
                        << s.id << " #" << i << ": the deviation list is out of date";
                    EXPECT_EQ(got.reason, dev->second->reading)
                        << s.id << " #" << i << " is a named deviation (" << dev->second->why
                        << ") but the reason is no longer the reading given there";
                }
                for (const auto& [section, rules] : sections)
                    for (const auto& rule : *rules)
                        if (rule.reason == str(w, "reason") &&
                            rule_applies(rule, section, got, s.raw)) {
                            credit[rule.line].insert(s.format);
                            phrase_credit[{rule.line, rule.key}].insert(s.format);
                        }
                if (got.reason == str(w, "reason")) {
                    ++reason.hit;
                    if (got.rule_line != 0) {
                        credit[got.rule_line].insert(s.format);
                        // The deciding phrase is one of its line's that applies (or the line's
                        // only rule, for a code or a status).
                        for (const auto& [section, rules] : sections)
                            for (const auto& rule : *rules)
                                if (rule.line == got.rule_line &&
                                    (rules->size() == 1 || section == std::string_view("status") ||
                                     section == std::string_view("fallback") ||
                                     section == std::string_view("code") ||
                                     rule_applies(rule, section, got, s.raw)))
                                    phrase_credit[{rule.line, rule.key}].insert(s.format);
                    }
                } else {
                    ++misses_by_format[s.format + " (reason)"];
                    if (verbose)
                        std::cout << "REASON " << s.id << " [" << s.format
                                  << "] want=" << str(w, "reason") << " got=" << got.reason
                                  << " rule=" << got.rule_line << " status=" << got.status
                                  << " diag=" << got.diagnostic.substr(0, 200) << "\n";
                }
            }
            if (!w.value("status_is_sisimai_pseudo", false)) {
                ++status.total;
                if (got.status == str(w, "status"))
                    ++status.hit;
                else {
                    ++misses_by_format[s.format + " (status)"];
                    if (verbose)
                        std::cout << "STATUS " << s.id << " want=" << str(w, "status")
                                  << " got=" << got.status << "\n";
                }
            }
        }
    }
    for (const auto& d : deviations)
        EXPECT_TRUE(deviations_seen.count({d.id, d.index}) != 0)
            << "named deviation " << d.id << " #" << d.index << " names no corpus recipient";

    // Leave one format out: the files of each format are classified with only the rules that
    // decided or applied to a recipient with the rule's reason in some file of another format.
    // A rule written for the samples of one format cannot raise this figure.
    const std::string_view text = mxpulse::dsn::embedded_rules();
    std::size_t rules_total = 0;
    for (const auto& [section, rules] : sections)
        rules_total += rules->size();
    std::size_t one_format = 0;
    for (const auto& [line, formats] : credit) {
        if (formats.size() == 1) ++one_format;
        if (verbose) {
            std::cout << "RULE " << line << " " << formats.size();
            for (const auto& f : formats)
                std::cout << " " << f;
            std::cout << "\n";
        }
    }
    std::set<std::string> formats;
    for (const auto& s : samples)
        formats.insert(s.format);
    const std::set<std::size_t> documented = documented_lines(text);
    // Runs the held-out classification with, for each format, the rules (whole family lines when
    // by_family, else single phrases) that earned credit in some other format; with
    // keep_documented, the documented rules stay whatever their credit.
    const auto leave_one_out = [&](bool by_family, bool keep_documented = false) {
        Tally cross;
        for (const auto& held_out : formats) {
            std::set<std::pair<std::size_t, std::string>> keep;
            if (by_family) {
                for (const auto& [line, credited] : credit)
                    if (credited.size() > 1 || credited.count(held_out) == 0)
                        keep.insert({line, ""});
            } else {
                for (const auto& [key, credited] : phrase_credit)
                    if (credited.size() > 1 || credited.count(held_out) == 0) keep.insert(key);
            }
            if (keep_documented)
                for (const std::size_t line : documented)
                    keep.insert({line, ""});
            const mxpulse::dsn::RuleSet rules = mxpulse::dsn::parse_rules(rules_subset(text, keep));
            for (const auto& s : samples) {
                if (s.format != held_out) continue;
                const auto report = mxpulse::dsn::parse(s.raw, {}, rules);
                const auto& want = s.e["recipients"];
                for (std::size_t i = 0; i < want.size(); ++i) {
                    if (want[i]["reason"].is_null()) continue;
                    ++cross.total;
                    if (i < report.recipients.size() &&
                        report.recipients[i].reason == str(want[i], "reason"))
                        ++cross.hit;
                    else if (verbose && i < report.recipients.size())
                        std::cout << (by_family ? "CROSS " : "CROSSP ") << s.id
                                  << " want=" << str(want[i], "reason")
                                  << " got=" << report.recipients[i].reason
                                  << " rule=" << report.recipients[i].rule_line
                                  << " status=" << report.recipients[i].status
                                  << " diag=" << report.recipients[i].diagnostic.substr(0, 240)
                                  << "\n";
                }
            }
        }
        return cross;
    };
    const Tally cross = leave_one_out(true);
    const Tally cross_phrase = leave_one_out(false);
    const Tally cross_phrase_documented = leave_one_out(false, true);
    std::size_t onhold = 0;
    for (const auto& s : samples)
        for (const auto& r : mxpulse::dsn::parse(s.raw).recipients)
            if (r.reason == "onhold") ++onhold;

    std::cout << "corpus: reason (in-sample) " << reason.hit << "/" << reason.total << " = "
              << 100.0 * reason.rate() << "%\n"
              << "corpus: reason (leave-one-format-out, " << formats.size() << " formats) "
              << cross.hit << "/" << cross.total << " = " << 100.0 * cross.rate() << "%\n"
              << "corpus: reason (leave-one-format-out, single phrases) " << cross_phrase.hit << "/"
              << cross_phrase.total << " = " << 100.0 * cross_phrase.rate() << "%\n"
              << "corpus: reason (leave-one-format-out, single phrases, documented codes kept) "
              << cross_phrase_documented.hit << "/" << cross_phrase_documented.total << " = "
              << 100.0 * cross_phrase_documented.rate() << "%\n"
              << "corpus: onhold answers (in-sample) " << onhold << "\n"
              << "corpus: rules " << rules_total << ", with corpus evidence: " << credit.size()
              << ", in one format only: " << one_format << "\n"
              << "corpus: named reason deviations " << deviations.size() << "\n"
              << "corpus: status " << status.hit << "/" << status.total << " = "
              << 100.0 * status.rate() << "%\n"
              << "corpus: recipient " << recipient.hit << "/" << recipient.total << " = "
              << 100.0 * recipient.rate() << "%\n"
              << "corpus: bounce " << bounce.hit << "/" << bounce.total << " = "
              << 100.0 * bounce.rate() << "%\n"
              << "misses by format:\n";
    for (const auto& [format, n] : misses_by_format)
        std::cout << "  " << format << ": " << n << "\n";
    EXPECT_GE(cross.rate(), kCrossValidatedReasonFloor);
    EXPECT_GE(cross_phrase.rate(), kCrossValidatedPhraseFloor);
    EXPECT_GE(cross_phrase_documented.rate(), kCrossValidatedDocumentedFloor);
    EXPECT_GE(status.rate(), kStatusFloor);
    EXPECT_GE(recipient.rate(), kRecipientFloor);
    EXPECT_GE(bounce.rate(), kBounceFloor);
}
