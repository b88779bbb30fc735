// The milter protocol floor: a load generator that speaks the milter protocol directly to one
// milter over many concurrent connections, as Postfix's smtpd would (one milter connection per
// SMTP session, several messages per session), and reports messages/s and the time the milter
// added per message (MAIL to the end-of-message reply), p50 and p99, as one JSON line.
//
// Usage: milter_load --socket SPEC [--connections N] [--messages M] [--per-session K]
//                    [--size BYTES] [--rcpts R] [--mix mixed|outbound] [--bounces DIR]
// The mixed workload rotates sessions: outbound mail from an internal client to many domains,
// returning bounces (the .eml files of DIR, sent with MAIL FROM:<>) and inbound mail that is
// neither. --size and --rcpts shape the outbound and inbound messages.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "milter_client.hpp"

namespace {

using mxbench::Message;
using mxbench::MilterClient;
using mxbench::Verdict;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string socket;
    int connections = 8;
    long messages = 2000;
    int per_session = 5;
    std::size_t size = 2048;
    int rcpts = 1;
    bool mixed = true;
    std::string bounces;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--socket")
            o.socket = v;
        else if (k == "--connections")
            o.connections = std::stoi(v);
        else if (k == "--messages")
            o.messages = std::stol(v);
        else if (k == "--per-session")
            o.per_session = std::stoi(v);
        else if (k == "--size")
            o.size = std::stoul(v);
        else if (k == "--rcpts")
            o.rcpts = std::stoi(v);
        else if (k == "--mix")
            o.mixed = v == "mixed";
        else if (k == "--bounces")
            o.bounces = v;
        else
            throw std::runtime_error("unknown option " + k);
    }
    if (o.socket.empty() || o.connections < 1 || o.messages < 1 || o.per_session < 1 || o.rcpts < 1)
        throw std::runtime_error("usage: milter_load --socket SPEC [options]; see the source");
    return o;
}

// A body of about SIZE bytes in 78-character CRLF lines.
std::string make_body(std::size_t size) {
    std::string line =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tem\r\n";
    std::string b;
    b.reserve(size + line.size());
    while (b.size() < size)
        b += line;
    return b;
}

// Splits a stored message (LF or CRLF) into headers (folded lines kept) and a CRLF body.
Message parse_eml(const std::string& text) {
    Message m;
    std::istringstream in(text);
    std::string line;
    bool in_body = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (in_body) {
            m.body += line + "\r\n";
        } else if (line.empty()) {
            in_body = true;
        } else if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
            m.headers.back().second += "\r\n" + line;
        } else if (auto colon = line.find(':'); colon != std::string::npos) {
            m.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        }
    }
    return m;
}

std::vector<Message> load_bounces(const std::string& dir) {
    std::vector<Message> out;
    if (dir.empty()) return out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        Message m = parse_eml(ss.str());
        m.recipients = {"alice@example.test"};
        out.push_back(std::move(m));
    }
    return out;
}

// One session's role in the workload and the client it comes from.
struct Role {
    const char* client_ip;
    int kind;  // 0 outbound, 1 bounce, 2 inbound
};

Message generated(const Options& o, int kind, long n) {
    Message m;
    m.sender = kind == 0 ? "bench@example.test" : "news@sender.example";
    for (int r = 0; r < o.rcpts; ++r) {
        long d = (n * o.rcpts + r) % 997;
        m.recipients.push_back(kind == 0
                                   ? "u" + std::to_string(r) + "@d" + std::to_string(d) + ".test"
                                   : "alice@example.test");
    }
    m.headers = {{"From", kind == 0 ? " Bench <bench@example.test>" : " <news@sender.example>"},
                 {"To", " <" + m.recipients[0] + ">"},
                 {"Subject", " benchmark " + std::to_string(n)},
                 {"Date", " Mon, 23 Nov 2026 08:00:00 +0000"},
                 {"Message-ID", " <" + std::to_string(n) + ".bench@example.test>"},
                 {"MIME-Version", " 1.0"},
                 {"Content-Type", " text/plain"}};
    return m;
}

struct Shared {
    const Options& o;
    const std::vector<Message>& bounces;
    const std::string& body;
    std::atomic<long> next{0};
    std::atomic<long> errors{0};
};

// Runs sessions until the shared message budget is spent; returns per-message latencies (µs).
std::vector<uint32_t> worker(Shared& s, int id) {
    std::vector<uint32_t> lat;
    long session = id;
    static const Role roles[] = {{"127.0.0.1", 0}, {"198.51.100.7", 1}, {"198.51.100.8", 2}};
    while (s.next.load() < s.o.messages) {
        Role role = s.o.mixed ? roles[session++ % 3] : roles[0];
        if (role.kind == 1 && s.bounces.empty()) role = roles[2];
        try {
            MilterClient c(s.o.socket);
            bool open = c.open_session(role.client_ip, "client.example");
            for (int k = 0; k < s.o.per_session; ++k) {
                long n = s.next.fetch_add(1);
                if (n >= s.o.messages) break;
                Message gen;
                const Message* m = &gen;
                if (role.kind == 1) {
                    m = &s.bounces[static_cast<std::size_t>(n) % s.bounces.size()];
                } else {
                    gen = generated(s.o, role.kind, n);
                    gen.body = s.body;
                }
                auto t0 = Clock::now();
                if (open) {
                    char qid[24];
                    std::snprintf(qid, sizeof qid, "B%02X%08lX", id, n);
                    c.send_message(*m, qid);
                }
                lat.push_back(static_cast<uint32_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0)
                        .count()));
            }
            c.quit();
        } catch (const std::exception& e) {
            if (s.errors.fetch_add(1) < 3) std::fprintf(stderr, "milter_load: %s\n", e.what());
        }
    }
    return lat;
}

double percentile(std::vector<uint32_t>& v, double p) {
    if (v.empty()) return 0;
    std::size_t i =
        std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
    return v[i];
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Options o = parse(argc, argv);
        std::vector<Message> bounces = load_bounces(o.bounces);
        std::string body = make_body(o.size);
        Shared s{o, bounces, body};
        std::vector<std::vector<uint32_t>> parts(static_cast<std::size_t>(o.connections));
        std::vector<std::thread> threads;
        auto t0 = Clock::now();
        for (int i = 0; i < o.connections; ++i)
            threads.emplace_back([&, i] { parts[static_cast<std::size_t>(i)] = worker(s, i); });
        for (auto& t : threads)
            t.join();
        double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        std::vector<uint32_t> all;
        for (auto& p : parts)
            all.insert(all.end(), p.begin(), p.end());
        std::printf(
            "{\"messages\": %zu, \"seconds\": %.3f, \"msg_per_s\": %.1f, \"p50_us\": %.0f, "
            "\"p99_us\": %.0f, \"errors\": %ld}\n",
            all.size(), secs, static_cast<double>(all.size()) / secs, percentile(all, 0.50),
            percentile(all, 0.99), s.errors.load());
        return s.errors.load() == 0 && all.size() == static_cast<std::size_t>(o.messages) ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "milter_load: %s\n", e.what());
        return 2;
    }
}
