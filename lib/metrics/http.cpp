// The little HTTP/1.1 the metrics endpoint speaks: a request head judged, a response written.
#include "metrics/http.hpp"

namespace mxpulse::metrics {

namespace {

// The path of an origin-form ("/metrics?x") or absolute-form ("http://h:1/metrics") target.
std::string_view target_path(std::string_view target) {
    if (auto scheme = target.find("://"); scheme != std::string_view::npos && target[0] != '/') {
        auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    return target.substr(0, target.find_first_of("?#"));
}

}  // namespace

// Finds the empty line ending the head, then reads the request line (RFC 9112 3).
Request judge_request(std::string_view received, std::size_t max_head) {
    std::size_t end = received.find("\r\n\r\n");
    std::size_t lf_end = received.find("\n\n");
    if (lf_end != std::string_view::npos && (end == std::string_view::npos || lf_end < end)) {
        end = lf_end;
    }
    if (end == std::string_view::npos) {
        return received.size() > max_head ? Request::too_large : Request::incomplete;
    }
    if (end > max_head) return Request::too_large;
    std::string_view line = received.substr(0, received.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) return Request::bad_request;
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.") return Request::bad_request;
    bool get = method == "GET", head = method == "HEAD";
    if (!get && !head) return Request::bad_method;
    if (target_path(target) != "/metrics") return Request::not_found;
    return get ? Request::get : Request::head;
}

// Builds the response bytes.
std::string http_response(int status, std::string_view reason, std::string_view content_type,
                          std::string_view body, bool head_only, std::string_view extra) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
    out += reason;
    out += "\r\nContent-Type: ";
    out += content_type;
    out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
    out += extra;
    out += "\r\n";
    if (!head_only) out += body;
    return out;
}

}  // namespace mxpulse::metrics
