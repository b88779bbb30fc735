// The milter protocol client of the benchmarks (see milter_client.hpp).
#include "milter_client.hpp"

#include <arpa/inet.h>
#include <libmilter/mfdef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mxbench {

namespace {

constexpr uint32_t kVersion = 6;
constexpr uint32_t kAllActions = 0x1ff;   // what Postfix 3 offers (SMFI_V6_ACTS)
constexpr uint32_t kAllSteps = 0x1fffff;  // every step and no-reply flag up to HDR_LEADSPC
constexpr std::size_t kChunk = MILTER_CHUNK_SIZE;

void put_u32(std::string& s, uint32_t v) {
    uint32_t n = htonl(v);
    s.append(reinterpret_cast<const char*>(&n), 4);
}

uint32_t get_u32(const char* p) {
    uint32_t n;
    std::memcpy(&n, p, 4);
    return ntohl(n);
}

void read_all(int fd, char* p, std::size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) throw std::runtime_error("milter closed the connection");
        p += r;
        n -= static_cast<std::size_t>(r);
    }
}

int connect_unix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long");
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
    }
    return fd;
}

int connect_inet(const std::string& port_at_host) {
    auto at = port_at_host.find('@');
    std::string host = at == std::string::npos ? "127.0.0.1" : port_at_host.substr(at + 1);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(port_at_host.substr(0, at))));
    if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to " + port_at_host + ": " + std::strerror(errno));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

std::string strings0(std::initializer_list<std::string> parts) {
    std::string s;
    for (const auto& p : parts) {
        s += p;
        s += '\0';
    }
    return s;
}

bool is_final(char r) {
    return r == SMFIR_CONTINUE || r == SMFIR_ACCEPT || r == SMFIR_REJECT || r == SMFIR_TEMPFAIL ||
           r == SMFIR_DISCARD || r == SMFIR_SKIP || r == SMFIR_REPLYCODE || r == SMFIR_CONN_FAIL ||
           r == SMFIR_SHUTDOWN;
}

Verdict verdict_of(char r) {
    switch (r) {
        case SMFIR_ACCEPT:
            return Verdict::accepted;
        case SMFIR_REJECT:
            return Verdict::rejected;
        case SMFIR_DISCARD:
            return Verdict::discarded;
        case SMFIR_TEMPFAIL:
        case SMFIR_REPLYCODE:
        case SMFIR_CONN_FAIL:
        case SMFIR_SHUTDOWN:
            return Verdict::tempfailed;
        default:
            return Verdict::continued;
    }
}

}  // namespace

MilterClient::MilterClient(const std::string& spec) {
    auto colon = spec.find(':');
    std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
    if (colon == std::string::npos) throw std::runtime_error("bad socket " + spec);
    fd_ = (kind == "inet") ? connect_inet(rest) : connect_unix(rest);
    std::string o;
    put_u32(o, kVersion);
    put_u32(o, kAllActions);
    put_u32(o, kAllSteps);
    put(SMFIC_OPTNEG, o);
    flush();
    char hdr[5];
    read_all(fd_, hdr, 5);
    std::string data(get_u32(hdr) - 1, '\0');
    read_all(fd_, data.data(), data.size());
    if (hdr[4] != SMFIC_OPTNEG || data.size() < 12) throw std::runtime_error("bad negotiation");
    protocol_ = get_u32(data.data() + 8);  // the macro lists after it are ignored: all are sent
}

MilterClient::~MilterClient() {
    if (fd_ >= 0) ::close(fd_);
}

void MilterClient::put(char cmd, const std::string& data) {
    put_u32(out_, static_cast<uint32_t>(data.size() + 1));
    out_ += cmd;
    out_ += data;
}

void MilterClient::flush() {
    const char* p = out_.data();
    std::size_t n = out_.size();
    while (n > 0) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw std::runtime_error("write to milter failed");
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    out_.clear();
}

void MilterClient::macros(char stage, const std::vector<std::pair<std::string, std::string>>& v) {
    std::string d(1, stage);
    for (const auto& [k, val] : v)
        d += strings0({k, val});
    put(SMFIC_MACRO, d);
}

char MilterClient::read_reply() {
    flush();
    for (;;) {
        char hdr[5];
        read_all(fd_, hdr, 5);
        uint32_t len = get_u32(hdr);
        if (len == 0 || len > (1u << 24)) throw std::runtime_error("bad reply length");
        std::string data(len - 1, '\0');
        read_all(fd_, data.data(), data.size());
        if (is_final(hdr[4])) return hdr[4];
    }
}

char MilterClient::step(char cmd, const std::string& data, unsigned long nr_flag) {
    put(cmd, data);
    if (protocol_ & nr_flag) return SMFIR_CONTINUE;
    return read_reply();
}

bool MilterClient::open_session(const std::string& client_ip, const std::string& helo) {
    macros(SMFIC_CONNECT, {{"j", "gw.example.test"},
                           {"{daemon_name}", "smtpd"},
                           {"{client_addr}", client_ip},
                           {"{client_name}", "client.example"}});
    if (wants(SMFIP_NOCONNECT)) {
        std::string c = strings0({"client.example"});
        c += SMFIA_INET;
        c += std::string("\x00\x19", 2);  // port 25
        c += strings0({client_ip});
        if (step(SMFIC_CONNECT, c, SMFIP_NR_CONN) == SMFIR_ACCEPT) return false;
    }
    if (wants(SMFIP_NOHELO) && step(SMFIC_HELO, strings0({helo}), SMFIP_NR_HELO) == SMFIR_ACCEPT)
        return false;
    return true;
}

char MilterClient::envelope(const Message& m, const std::string& queue_id) {
    macros(SMFIC_MAIL, {{"i", queue_id}, {"{mail_addr}", m.sender}});
    if (wants(SMFIP_NOMAIL)) {
        char r = step(SMFIC_MAIL, strings0({"<" + m.sender + ">"}), SMFIP_NR_MAIL);
        if (r != SMFIR_CONTINUE) return r;
    }
    bool any = false;
    for (const auto& rcpt : m.recipients) {
        macros(SMFIC_RCPT, {{"{rcpt_addr}", rcpt}});
        char r = wants(SMFIP_NORCPT) ? step(SMFIC_RCPT, strings0({"<" + rcpt + ">"}), SMFIP_NR_RCPT)
                                     : SMFIR_CONTINUE;
        if (r == SMFIR_ACCEPT) return r;
        any = any || r == SMFIR_CONTINUE;
    }
    if (!any) return SMFIR_REJECT;
    if (wants(SMFIP_NODATA)) return step(SMFIC_DATA, {}, SMFIP_NR_DATA);
    return SMFIR_CONTINUE;
}

char MilterClient::body(const Message& m, const std::string& queue_id) {
    if (wants(SMFIP_NOBODY)) {
        for (std::size_t off = 0; off < m.body.size(); off += kChunk) {
            char r = step(SMFIC_BODY, m.body.substr(off, kChunk), SMFIP_NR_BODY);
            if (r == SMFIR_SKIP) break;
            if (r != SMFIR_CONTINUE) return r;
        }
    }
    macros(SMFIC_BODYEOB, {{"i", queue_id}});
    return step(SMFIC_BODYEOB, {}, 0);
}

Verdict MilterClient::send_message(const Message& m, const std::string& queue_id) {
    char r = envelope(m, queue_id);
    if (r == SMFIR_CONTINUE && wants(SMFIP_NOHDRS)) {
        bool lead = protocol_ & SMFIP_HDR_LEADSPC;
        for (const auto& [name, value] : m.headers) {
            std::string v =
                lead ? value : value.substr(std::min(value.find_first_not_of(" \t"), value.size()));
            r = step(SMFIC_HEADER, strings0({name, v}), SMFIP_NR_HDR);
            if (r != SMFIR_CONTINUE) break;
        }
    }
    if (r == SMFIR_CONTINUE && wants(SMFIP_NOEOH)) r = step(SMFIC_EOH, {}, SMFIP_NR_EOH);
    if (r == SMFIR_CONTINUE) r = body(m, queue_id);
    if (r != SMFIR_CONTINUE && r != SMFIR_ACCEPT) {
        put(SMFIC_ABORT, {});  // the MTA resets the milter's message state; no reply is due
    }
    return verdict_of(r);
}

void MilterClient::quit() {
    put(SMFIC_QUIT, {});
    try {
        flush();
    } catch (const std::exception&) {
    }
}

}  // namespace mxbench
