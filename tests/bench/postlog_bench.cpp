// Benchmark of following Postfix's log: CPU per line read, parsed, classified, counted and traced
// (lib/postlog Reader + Ingest), on a file of a gateway's line mix; and what 1,000 lines/s costs.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "postlog/ingest.hpp"
#include "postlog/reader.hpp"

using namespace mxpulse;

namespace {

// Returns the process CPU time in seconds.
double cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Writes n lines of one message's life per 8 lines: smtpd, cleanup, qmgr, two deferrals, a
// sent, removed, and an unrelated line. Returns the path.
std::string write_log(std::size_t messages) {
    std::string path = "/tmp/postlog_bench." + std::to_string(getpid());
    std::FILE* f = std::fopen(path.c_str(), "w");
    for (std::size_t i = 0; i < messages; ++i) {
        char q[24];  // "4Q" and up to 16 hex digits
        std::snprintf(q, sizeof q, "4Q%08zX", i);
        const char* d = (i % 3 == 0) ? "yahoo.com" : (i % 3 == 1) ? "gmail.com" : "corp.example";
        std::fprintf(f,
                     "Dec  2 11:00:00 gw postfix/smtpd[100]: %s: client=app1[10.0.0.5]\n"
                     "Dec  2 11:00:00 gw postfix/cleanup[101]: %s: message-id=<%zu@corp.example>\n"
                     "Dec  2 11:00:00 gw postfix/qmgr[102]: %s: from=<app@corp.example>, "
                     "size=4211, nrcpt=1 (queue active)\n",
                     q, q, i, q);
        for (int k = 0; k < 2; ++k)
            std::fprintf(f,
                         "Dec  2 11:00:0%d gw postfix/smtp[103]: %s: to=<u%zu@%s>, "
                         "relay=mta7.am0.yahoodns.net[67.195.228.94]:25, delay=%d, "
                         "delays=0.01/0/0.5/0.2, dsn=4.7.0, status=deferred (host "
                         "mta7.am0.yahoodns.net[67.195.228.94] said: 421 4.7.0 [TSS04] Messages "
                         "from 192.0.2.7 temporarily deferred due to unexpected volume or user "
                         "complaints - 4.16.55.1 (in reply to MAIL FROM command))\n",
                         k + 1, q, i, d, k);
        std::fprintf(f,
                     "Dec  2 11:00:05 gw postfix/smtp[103]: %s: to=<u%zu@%s>, "
                     "relay=mx.%s[192.0.2.9]:25, delay=5, delays=0.01/4/0.5/0.4, dsn=2.0.0, "
                     "status=sent (250 2.0.0 OK 1701 - gsmtp)\n"
                     "Dec  2 11:00:05 gw postfix/qmgr[102]: %s: removed\n"
                     "Dec  2 11:00:05 gw postfix/smtpd[100]: disconnect from app1[10.0.0.5] "
                     "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n",
                     q, i, d, d, q);
    }
    std::fclose(f);
    return path;
}

}  // namespace

int main() {
    const std::size_t messages = 50'000;  // 400,000 lines
    std::string path = write_log(messages);
    postlog::Tracker tracker({100'000, 32});
    postlog::Outcomes outcomes(100'000);
    postlog::Ingest ingest(tracker, outcomes,
                           [](const std::string& d, const std::string&, std::int64_t) {
                               return d == "yahoo.com" ? std::string("yahoo") : std::string();
                           });
    postlog::Reader reader(path, 8192);
    reader.open({1, 0});  // another inode than the file's: read it from the start
    std::int64_t now = 1796212800;
    double t0 = cpu_s();
    std::size_t lines = 0;
    for (;;) {
        auto r = reader.poll(1'000'000, [&](std::string_view l) { ingest.line(l, now, 8192); });
        lines += r.lines;
        if (r.lines == 0) break;
    }
    double cpu = cpu_s() - t0;
    unlink(path.c_str());
    double us = cpu / static_cast<double>(lines) * 1e6;
    std::printf("lines %zu, deliveries %llu, CPU %.3f s: %.2f us per line\n", lines,
                static_cast<unsigned long long>(ingest.counts().deliveries.load()), cpu, us);
    std::printf("at 1,000 lines/s: %.2f ms CPU per second (%.2f %% of one core)\n", us, us / 10);
    std::printf("trace store: %zu queue ids; outcomes: %zu domains\n", tracker.size(),
                outcomes.tracked());
    return lines == messages * 8 ? 0 : 1;
}
