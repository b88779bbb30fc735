// Decoders: base64, quoted-printable, RFC 2047 encoded words and charsets.
#include <gtest/gtest.h>

#include "mime/charset.hpp"
#include "mime/encoded_word.hpp"
#include "mime/header.hpp"
#include "mime/transfer.hpp"

namespace {

using namespace mxpulse::mime;

TEST(Transfer, Base64) {
    bool broken = false;
    EXPECT_EQ(decode_base64("aGVs\r\nbG8=", broken), "hello");
    EXPECT_FALSE(broken);
    decode_base64("aGVs*bG8=x", broken);
    EXPECT_TRUE(broken);
}

TEST(Transfer, QuotedPrintable) {
    EXPECT_EQ(decode_quoted_printable("Socket=\nError =3D x=\r\ny"), "SocketError = xy");
    EXPECT_EQ(decode_quoted_printable("bad =ZZ end="), "bad =ZZ end");
}

TEST(EncodedWords, BAndQAndAdjacency) {
    EXPECT_EQ(decode_encoded_words("=?UTF-8?B?w6l0w6k=?="), "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(decode_encoded_words("=?iso-8859-1?Q?caf=E9_noir?= ok"), "caf\xC3\xA9 noir ok");
    EXPECT_EQ(decode_encoded_words("=?US-ASCII?Q?a?= =?US-ASCII?Q?b?="), "ab");
    EXPECT_EQ(decode_encoded_words("=?broken"), "=?broken");
}

TEST(Charset, ConvertsAndReportsBadCharsets) {
    bool ok = true;
    EXPECT_EQ(to_utf8("caf\xE9", "iso-8859-1", ok), "caf\xC3\xA9");
    EXPECT_TRUE(ok);
    EXPECT_EQ(to_utf8("\x1B$B$3$s$K$A$O\x1B(B", "iso-2022-jp", ok),
              "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");
    EXPECT_EQ(to_utf8("x\xFF", "no-such-charset", ok), "x?");
    EXPECT_FALSE(ok);
}

TEST(Charset, EscapeOrHighByteAnywhereNeedsConversion) {
    // The ASCII check reads eight bytes at a time: try every position of the special byte.
    const std::string ascii = "0123456789abcdefghij";
    for (std::size_t at = 0; at < ascii.size(); ++at) {
        bool ok = true;
        std::string latin = ascii;
        latin[at] = '\xE9';
        EXPECT_EQ(to_utf8(latin, "iso-8859-1", ok).size(), ascii.size() + 1) << at;
        std::string jis = ascii.substr(0, at) + "\x1B$B$3\x1B(B" + ascii.substr(at);
        EXPECT_NE(to_utf8(jis, "iso-2022-jp", ok).find("\xE3\x81\x93"), std::string::npos) << at;
    }
    bool ok = true;
    EXPECT_EQ(to_utf8(ascii, "iso-2022-jp", ok), ascii);
}

TEST(Header, UnfoldsAndReadsParams) {
    HeaderBlock h;
    std::vector<LimitHit> hits;
    const std::string text =
        "Content-Type: multipart/report;\r\n\treport-type=delivery-status;\r\n"
        " boundary=\"abc def\"\r\nSubject : hi\r\n\r\nbody";
    const std::size_t body = parse_header_block(text, Limits{}, h, hits);
    EXPECT_EQ(text.substr(body), "body");
    EXPECT_EQ(media_type(h.get("content-type")), "multipart/report");
    EXPECT_EQ(header_param(h.get("Content-Type"), "boundary"), "abc def");
    EXPECT_EQ(header_param(h.get("Content-Type"), "report-type"), "delivery-status");
    EXPECT_EQ(h.get("Subject"), "hi");
    EXPECT_TRUE(hits.empty());
}

}  // namespace
