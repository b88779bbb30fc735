// DKIM unit tests: messages signed here with libopendkim, verified through mxpulse::auth.
#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "auth/auth_results.hpp"
#include "auth/evaluate.hpp"
#include "auth/spf.hpp"
#include "auth/verify.hpp"
#include "dkim_sign.hpp"
#include "dns_server.hpp"
#include "unit_zone_suite.hpp"
#include "util/barrier.hpp"

using namespace mxpulse::auth;

namespace {

// Signs HEADERS+BODY as d=good.test s=mx2048 and returns the DKIM-Signature value.
std::string sign(const std::vector<mxpulse::auth::Header>& headers, const std::string& body) {
    return mxpulse::testing::dkim_sign_good_test(headers, body);
}

// One unbound for the suite.
class DkimTest : public mxpulse::testing::UnitZoneSuite {
  protected:
    // Builds a resolver and an evaluator whose egress is NOT in good.test's SPF.
    void SetUp() override {
        if (server_ == nullptr) GTEST_SKIP() << "NO TEST DNS SERVER: " << start_error_;
        mxpulse::dns::ResolverConfig rc;
        rc.nameservers = {server_->nameserver()};
        std::string err;
        resolver_ = mxpulse::dns::Resolver::create(rc, err);
        ASSERT_NE(resolver_, nullptr) << err;
        cfg_.spf.egress_addresses = {"203.0.113.50"};
        evaluator_ = Evaluator::create(*resolver_, cfg_, err);
        ASSERT_NE(evaluator_, nullptr) << err;
    }
    // A signed message from user@good.test.
    Message signed_message(int signatures) {
        Message m;
        m.envelope_sender = "user@good.test";
        m.helo = "gw.good.test";
        m.headers = {{"From", " User <user@good.test>"},
                     {"To", " someone@example.net"},
                     {"Subject", " signed"},
                     {"Date", " Mon, 23 Nov 2026 06:00:00 +0000"}};
        std::string body = "Hello,\r\nthis body is signed.\r\n";
        std::string sig = sign(m.headers, body);
        for (int i = 0; i < signatures; ++i)
            m.headers.insert(m.headers.begin(), {"DKIM-Signature", sig});
        m.body_chunks = {body.substr(0, 7), body.substr(7)};
        return m;
    }
    AuthConfig cfg_;
    std::unique_ptr<mxpulse::dns::Resolver> resolver_;
    std::unique_ptr<Evaluator> evaluator_;
};

TEST_F(DkimTest, SignedMessagePassesAndAlignsDespiteSpfFail) {
    Message m = signed_message(1);
    ASSERT_FALSE(m.headers.front().value.empty());
    Verdict v = evaluator_->evaluate(m);
    ASSERT_EQ(v.dkim.size(), 1u);
    EXPECT_EQ(v.dkim[0].result, Result::pass) << v.dkim[0].error;
    EXPECT_EQ(v.dkim[0].domain, "good.test");
    EXPECT_EQ(v.dkim[0].selector, "mx2048");
    EXPECT_EQ(v.dkim[0].algorithm, "rsa-sha256");
    EXPECT_EQ(v.dkim[0].key_bits, 2048u);
    EXPECT_EQ(v.spf_result, Result::fail);
    EXPECT_EQ(v.dmarc.result, Result::pass);
    EXPECT_TRUE(v.dmarc.dkim_aligned);
    std::string ar = format_authentication_results("gw", v);
    EXPECT_NE(ar.find("dkim=pass header.d=good.test header.s=mx2048"), std::string::npos) << ar;
}

TEST_F(DkimTest, AlteredBodyFails) {
    Message m = signed_message(1);
    m.body_chunks.back() = "this body was changed.\r\n";
    Verdict v = evaluator_->evaluate(m);
    ASSERT_EQ(v.dkim.size(), 1u);
    EXPECT_EQ(v.dkim[0].result, Result::fail);
    EXPECT_EQ(v.dmarc.result, Result::fail);
}

TEST_F(DkimTest, SignatureCapIsEnforced) {
    Message m = signed_message(7);
    Verdict v = evaluator_->evaluate(m);
    ASSERT_EQ(v.dkim.size(), 7u);
    int checked = 0, skipped = 0;
    for (const auto& s : v.dkim) {
        if (s.result == Result::policy) ++skipped;
        if (s.result == Result::pass) ++checked;
    }
    EXPECT_EQ(checked, 5);
    EXPECT_EQ(skipped, 2);
}

TEST_F(DkimTest, StreamingSessionMatchesWholeMessage) {
    Message m = signed_message(1);
    auto session = evaluator_->start_dkim();
    for (const auto& h : m.headers)
        session->header(h.name, h.value);
    session->end_of_headers();
    for (const auto& c : m.body_chunks) {
        for (char ch : c)
            session->body(std::string_view(&ch, 1));
    }
    Verdict v = evaluator_->evaluate(m, session->finish());
    EXPECT_EQ(v.dkim_result, Result::pass);
}

TEST_F(DkimTest, ConcurrentEvaluationsAgree) {
    Message m = signed_message(1);
    std::atomic<int> passes{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                Verdict v = evaluator_->evaluate(m);
                if (v.dkim_result == Result::pass && v.dmarc.result == Result::pass) ++passes;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(passes.load(), 120);
}

// The results of V's DKIM signatures, in header order.
std::vector<Result> dkim_results(const Verdict& v) {
    std::vector<Result> out;
    for (const auto& s : v.dkim) {
        if (s.kind == SignatureKind::dkim) out.push_back(s.result);
    }
    return out;
}

TEST_F(DkimTest, JunkSignatureBeforeOrAfterAValidOneIsIgnored) {
    // RFC 6376 6.1: a malformed DKIM-Signature is that signature's PERMFAIL, not the message's.
    const std::vector<std::string> junk = {
        " v=1; a=rsa-sha256; d=good.test; s=mx2048; junk; bh=AAAA; b=AAAA; h=from",  // no '='
        " d=good.test; s=mx2048; a=rsa-sha256; h=from; bh=AAAA; b=AAAA",             // no v=
        " v=1; v=1; a=rsa-sha256; d=good.test; s=mx2048; h=from; bh=AAAA; b=AAAA",   // repeated
        " garbage",
    };
    for (const auto& j : junk) {
        for (bool before : {true, false}) {
            Message m = signed_message(1);
            // The signed headers sit below the signature; junk goes above it or below them.
            auto at = before ? m.headers.begin() : m.headers.end();
            m.headers.insert(at, {"DKIM-Signature", j});
            Verdict v = evaluator_->evaluate(m);
            std::vector<Result> want = before
                                           ? std::vector<Result>{Result::permerror, Result::pass}
                                           : std::vector<Result>{Result::pass, Result::permerror};
            EXPECT_EQ(dkim_results(v), want) << j << (before ? " before" : " after");
            EXPECT_EQ(v.dkim_result, Result::pass) << j;
            EXPECT_EQ(v.dmarc.result, Result::pass) << j;
            const auto& bad = v.dkim[before ? 0 : 1];
            EXPECT_NE(bad.error.find("DKIM-Signature"), std::string::npos) << bad.error;
        }
    }
}

TEST_F(DkimTest, OneBrokenAmongSeveralSignatures) {
    Message m = signed_message(3);
    // Break the middle signature's syntax after its b= (libopendkim could still verify it).
    m.headers[1].value += "; broken";
    Verdict v = evaluator_->evaluate(m);
    EXPECT_EQ(dkim_results(v),
              (std::vector<Result>{Result::pass, Result::permerror, Result::pass}));
    EXPECT_EQ(v.dkim[1].domain, "good.test");
    EXPECT_EQ(v.dkim[1].selector, "mx2048");
    EXPECT_NE(v.dkim[1].error.find("tag without '='"), std::string::npos) << v.dkim[1].error;
    EXPECT_EQ(v.dkim_result, Result::pass);
    std::string ar = format_authentication_results("gw", v);
    EXPECT_NE(ar.find("dkim=permerror"), std::string::npos) << ar;
}

TEST_F(DkimTest, VerifyCommandReportsEachSignatureAndAlignment) {
    Message m = signed_message(1);
    m.headers.insert(m.headers.begin(), {"DKIM-Signature", " v=1; junk"});
    m.headers.push_back(
        {"Authentication-Results", " mx.example.net; dkim=fail header.d=good.test"});
    std::string raw;
    for (const auto& h : m.headers)
        raw += h.name + ":" + h.value + "\n";
    raw += "\n";
    for (const auto& c : m.body_chunks)
        raw += c;
    char path[] = "/tmp/mxpulse-verify-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, raw.data(), raw.size()), static_cast<ssize_t>(raw.size()));
    ::close(fd);
    VerifyCommandOptions o;
    o.files = {path, "/nonexistent/mxpulse-verify"};
    o.json = true;
    o.auth = cfg_;
    o.resolver.nameservers = {server_->nameserver()};
    o.envelope.mail_from = "user@good.test";
    o.envelope.mail_from_given = true;
    std::ostringstream out, err;
    int rc = run_verify(o, out, err);
    ::unlink(path);
    EXPECT_EQ(rc, 2);  // the second file cannot be read
    auto doc = nlohmann::json::parse(out.str());
    ASSERT_EQ(doc["messages"].size(), 2u);
    const auto& j = doc["messages"][0];
    EXPECT_TRUE(j["error"].is_null());
    EXPECT_EQ(j["envelope"]["mail_from_source"], "option");
    ASSERT_EQ(j["dkim"]["signatures"].size(), 2u);
    EXPECT_EQ(j["dkim"]["signatures"][0]["result"], "permerror");
    EXPECT_EQ(j["dkim"]["signatures"][1]["result"], "pass");
    EXPECT_EQ(j["dkim"]["signatures"][1]["key_bits"], 2048);
    EXPECT_EQ(j["dkim"]["signatures"][1]["aligned"], true);
    EXPECT_EQ(j["spf"]["checks"][0]["egress"], "203.0.113.50");
    EXPECT_EQ(j["spf"]["result"], "fail");
    EXPECT_EQ(j["dmarc"]["result"], "pass");
    EXPECT_EQ(j["dmarc"]["alignment"]["spf"]["aligned"], false);
    EXPECT_EQ(j["dmarc"]["alignment"]["dkim"][1]["aligned"], true);
    EXPECT_NE(j["authentication_results"].get<std::string>().find("dkim=pass"), std::string::npos);
    EXPECT_EQ(j["received_authentication_results"][0]["results"][0]["result"], "fail");
    EXPECT_FALSE(doc["messages"][1]["error"].is_null());
    EXPECT_NE(err.str().find("cannot open"), std::string::npos);
}

TEST_F(DkimTest, MissingKeyIsPermerrorDeadServerIsTemperror) {
    Message m = signed_message(1);
    for (auto& h : m.headers) {
        if (h.name == "DKIM-Signature") {
            auto pos = h.value.find("s=mx2048");
            ASSERT_NE(pos, std::string::npos);
            h.value.replace(pos, 8, "s=nokey1");
        }
    }
    Verdict v = evaluator_->evaluate(m);
    ASSERT_EQ(v.dkim.size(), 1u);
    EXPECT_EQ(v.dkim[0].result, Result::permerror) << v.dkim[0].error;

    int port = 0;
    int fd = mxpulse::testing::black_hole_socket(port);
    mxpulse::dns::ResolverConfig rc;
    rc.nameservers = {"127.0.0.1@" + std::to_string(port)};
    rc.timeout = std::chrono::milliseconds(400);
    std::string err;
    auto dead = mxpulse::dns::Resolver::create(rc, err);
    ASSERT_NE(dead, nullptr);
    auto ev = Evaluator::create(*dead, cfg_, err);
    ASSERT_NE(ev, nullptr);
    auto t0 = std::chrono::steady_clock::now();
    Verdict t = ev->evaluate(signed_message(1));
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(t.dkim_result, Result::temperror);
    EXPECT_EQ(t.spf_result, Result::temperror);
    EXPECT_EQ(t.dmarc.result, Result::temperror);
    // SPF (1 record lookup), DKIM (1 key) and DMARC (1 record): three bounded waits.
    EXPECT_LT(took, std::chrono::milliseconds(3 * 400 + 500));
    ::close(fd);
}

// An exception thrown inside the resolver path stops at the libspf2 and libopendkim DNS hooks:
// SPF and DKIM are temperror, and each stopped exception is counted.
TEST_F(DkimTest, ExceptionInResolverPathIsTemperrorAndCounted) {
    mxpulse::dns::ResolverConfig rc;
    rc.nameservers = {server_->nameserver()};
    std::atomic<int> thrown{0};
    // The DMARC lookup is plain C++ under the milter's own barrier: it is left alone here.
    rc.on_answer = [&thrown](std::string_view name, std::uint16_t, const mxpulse::dns::Answer&) {
        if (name.rfind("_dmarc.", 0) == 0) return;
        ++thrown;
        throw std::runtime_error("injected resolver failure");
    };
    std::string err;
    auto resolver = mxpulse::dns::Resolver::create(rc, err);
    ASSERT_NE(resolver, nullptr) << err;
    std::uint64_t before = mxpulse::util::barrier_stops();
    SpfCheck spf = spf_check(*resolver, "203.0.113.50", "user@good.test", "gw.good.test");
    EXPECT_EQ(spf.result, Result::temperror) << spf.reason;
    std::uint64_t after_spf = mxpulse::util::barrier_stops();
    EXPECT_GE(after_spf, before + 1);
    auto evaluator = Evaluator::create(*resolver, cfg_, err);
    ASSERT_NE(evaluator, nullptr) << err;
    Verdict v = evaluator->evaluate(signed_message(1));
    ASSERT_EQ(v.dkim.size(), 1u);
    EXPECT_EQ(v.dkim[0].result, Result::temperror) << v.dkim[0].error;
    EXPECT_EQ(v.spf_result, Result::temperror);
    EXPECT_GT(mxpulse::util::barrier_stops(), after_spf);
    // Every exception thrown was stopped and counted by a barrier.
    EXPECT_EQ(mxpulse::util::barrier_stops() - before, static_cast<std::uint64_t>(thrown.load()));
}

}  // namespace
