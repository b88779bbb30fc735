// Unit tests of the metrics endpoint's HTTP: request heads judged, responses written.
#include <gtest/gtest.h>

#include <string>

#include "metrics/http.hpp"

namespace {

using mxpulse::metrics::judge_request;
using mxpulse::metrics::Request;

constexpr std::size_t kMax = 8192;

TEST(MetricsHttp, ScrapesAreRecognised) {
    EXPECT_EQ(judge_request("GET /metrics HTTP/1.1\r\nHost: gw:9477\r\n\r\n", kMax), Request::get);
    EXPECT_EQ(judge_request("HEAD /metrics HTTP/1.0\r\n\r\n", kMax), Request::head);
    EXPECT_EQ(judge_request("GET /metrics?x=1 HTTP/1.1\r\n\r\n", kMax), Request::get);
    EXPECT_EQ(judge_request("GET http://gw:9477/metrics HTTP/1.1\r\n\r\n", kMax), Request::get);
    EXPECT_EQ(judge_request("GET /metrics HTTP/1.1\n\n", kMax), Request::get);  // bare LF
}

TEST(MetricsHttp, EverythingElseHasItsAnswer) {
    EXPECT_EQ(judge_request("GET /metrics HTTP/1.1\r\nHost: x\r\n", kMax), Request::incomplete);
    EXPECT_EQ(judge_request("", kMax), Request::incomplete);
    EXPECT_EQ(judge_request("GET / HTTP/1.1\r\n\r\n", kMax), Request::not_found);
    EXPECT_EQ(judge_request("GET /metricsx HTTP/1.1\r\n\r\n", kMax), Request::not_found);
    EXPECT_EQ(judge_request("GET http://gw HTTP/1.1\r\n\r\n", kMax), Request::not_found);
    EXPECT_EQ(judge_request("POST /metrics HTTP/1.1\r\n\r\n", kMax), Request::bad_method);
    EXPECT_EQ(judge_request("get /metrics HTTP/1.1\r\n\r\n", kMax), Request::bad_method);
    EXPECT_EQ(judge_request("GET /metrics HTTP/2.0\r\n\r\n", kMax), Request::bad_request);
    EXPECT_EQ(judge_request("GET /metrics\r\n\r\n", kMax), Request::bad_request);
    EXPECT_EQ(judge_request("GET  /metrics HTTP/1.1\r\n\r\n", kMax), Request::bad_request);
    EXPECT_EQ(judge_request("\r\n\r\n", kMax), Request::bad_request);
    EXPECT_EQ(judge_request("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", kMax),
              Request::incomplete);  // a TLS hello waits for the timeout
}

TEST(MetricsHttp, HeadsPastTheBoundAreRefused) {
    std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(kMax, 'a');
    EXPECT_EQ(judge_request(big, kMax), Request::too_large);
    EXPECT_EQ(judge_request(big + "\r\n\r\n", kMax), Request::too_large);
    std::string fits = "GET /metrics HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
    EXPECT_EQ(judge_request(fits + std::string(kMax, 'b'), kMax), Request::get);  // body ignored
}

TEST(MetricsHttp, ResponsesCloseAndCountTheirBody) {
    std::string r = mxpulse::metrics::http_response(200, "OK", "text/plain", "abc\n", false);
    EXPECT_EQ(r,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
              "Connection: close\r\n\r\nabc\n");
    std::string h = mxpulse::metrics::http_response(405, "Method Not Allowed", "text/plain", "no\n",
                                                    true, "Allow: GET, HEAD\r\n");
    EXPECT_EQ(h,
              "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\nContent-Length: "
              "3\r\nConnection: close\r\nAllow: GET, HEAD\r\n\r\n");
}

}  // namespace
