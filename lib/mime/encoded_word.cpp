// RFC 2047 encoded words in header values, decoded to UTF-8.
#include "mime/encoded_word.hpp"

#include "mime/charset.hpp"
#include "mime/transfer.hpp"
#include "util/strings.hpp"

namespace mxpulse::mime {

// Returns value with every encoded word decoded to UTF-8 (whitespace between words dropped).
std::string decode_encoded_words(std::string_view value) {
    if (value.find("=?") == std::string_view::npos) return std::string(value);
    std::string out;
    std::size_t pos = 0;
    bool last_was_word = false;
    while (pos < value.size()) {
        const std::size_t start = value.find("=?", pos);
        if (start == std::string_view::npos) {
            out.append(value.substr(pos));
            break;
        }
        const std::size_t q1 = value.find('?', start + 2);
        const std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
        const std::size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
        if (end == std::string_view::npos || q2 != q1 + 2) {
            out.append(value.substr(pos, start + 2 - pos));
            pos = start + 2;
            last_was_word = false;
            continue;
        }
        const std::string_view between = value.substr(pos, start - pos);
        if (!(last_was_word && util::trim(between).empty())) out.append(between);
        std::string_view charset = value.substr(start + 2, q1 - start - 2);
        if (const auto star = charset.find('*'); star != std::string_view::npos)
            charset = charset.substr(0, star);  // RFC 2231 language suffix
        const char enc = util::lower(value[q1 + 1]);
        const std::string_view text = value.substr(q2 + 1, end - q2 - 1);
        bool broken = false;
        const std::string raw = enc == 'b' ? decode_base64(text, broken) : decode_q_word(text);
        bool ok = true;
        out.append(to_utf8(raw, charset, ok));
        pos = end + 2;
        last_was_word = true;
    }
    return out;
}

}  // namespace mxpulse::mime
