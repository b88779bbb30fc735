// Message structure: nesting, attached messages, line endings and wrong boundaries.
#include <gtest/gtest.h>

#include "mime/message.hpp"

namespace {

using namespace mxpulse::mime;

TEST(Structure, NestedMultipartAndAttachedMessage) {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=outer\n\n"
        "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
        "--inner\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "aGVsbG8=\n--inner--\n"
        "--outer\nContent-Type: message/rfc822\n\nFrom: x@y.org\nMessage-ID: <1@y>\n\nold body\n"
        "--outer--\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.limits_hit.empty());
    ASSERT_EQ(m.parts.size(), 5u);
    EXPECT_EQ(m.parts[2].body, "hello");
    EXPECT_EQ(m.parts[2].depth, 2u);
    EXPECT_EQ(m.parts[3].media_type, "message/rfc822");
    EXPECT_EQ(m.parts[4].headers.get("Message-ID"), "<1@y>");
    EXPECT_TRUE(m.parts[4].attached);
    // The top-level header block is the message's; the top-level part carries no copy.
    EXPECT_EQ(m.headers.get("Content-Type"), "multipart/mixed; boundary=outer");
    EXPECT_TRUE(m.parts[0].headers.fields.empty());
    EXPECT_EQ(m.parts[0].media_type, "multipart/mixed");
}

TEST(Structure, SinglePartBodyUsesTheTopLevelHeaders) {
    const Message m = parse(
        "Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n");
    ASSERT_EQ(m.parts.size(), 1u);
    EXPECT_EQ(m.parts[0].body, "caf\xc3\xa9\n");
    EXPECT_EQ(m.headers.get("Subject"), "x");
}

TEST(Structure, CrlfAndLfGiveTheSameText) {
    const std::string lf = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nline\n--b--\n";
    std::string crlf;
    for (char c : lf) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    EXPECT_EQ(parse(lf).parts.back().body, "line");
    EXPECT_EQ(parse(crlf).parts.back().body, "line");
}

TEST(Structure, WrongBoundaryIsGuessed) {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=declared\n\n--actual\n\nfirst\n--actual\n"
        "Content-Type: message/delivery-status\n\nStatus: 5.1.1\n--actual--\n";
    const Message m = parse(raw);
    EXPECT_TRUE(m.hit(LimitHit::missing_boundary));
    ASSERT_EQ(m.parts.size(), 3u);
    EXPECT_EQ(m.parts[2].media_type, "message/delivery-status");
}

}  // namespace
