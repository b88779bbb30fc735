// The little HTTP/1.1 the metrics endpoint speaks: a request head judged, a response written.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mxpulse::metrics {

// What to do with the bytes a client has sent so far.
enum class Request {
    incomplete,   // no empty line yet: read more
    get,          // GET /metrics
    head,         // HEAD /metrics
    not_found,    // another path
    bad_method,   // a method other than GET and HEAD
    bad_request,  // not an HTTP/1.x request line
    too_large,    // the head passed the bound before it ended
};

// Judges the request head in RECEIVED (which may hold more than the head); heads longer than
// MAX_HEAD bytes are too_large.
Request judge_request(std::string_view received, std::size_t max_head);

// A complete response closing the connection: status line, Content-Type and Content-Length
// (of BODY, sent unless HEAD_ONLY), and EXTRA header lines (each ending in CRLF).
std::string http_response(int status, std::string_view reason, std::string_view content_type,
                          std::string_view body, bool head_only, std::string_view extra = "");

}  // namespace mxpulse::metrics
