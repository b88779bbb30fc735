// Conversion of text in a declared charset to UTF-8 (glibc iconv).
#include "mime/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "util/strings.hpp"

namespace mxpulse::mime {
namespace {

// Returns true when every byte of text is 7-bit ASCII without ESC (ISO-2022 needs conversion).
// Eight bytes at a time: a high bit set, or a byte equal to ESC, ends the fast path.
bool plain_ascii(std::string_view text) {
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kEsc = 0x1B1B1B1B1B1B1B1Bull;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        const std::uint64_t esc = w ^ kEsc;  // a zero byte where the byte was ESC
        if ((w & kHigh) || ((esc - kOnes) & ~esc & kHigh)) return false;
    }
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80 || c == 0x1B) return false;
    }
    return true;
}

// Returns text with every byte >= 0x80 replaced by '?', for charsets iconv cannot handle.
std::string ascii_only(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    return out;
}

// Conversion descriptors kept per thread, one per charset (opening one loads a gconv module),
// at most kCachedCharsets of them; a charset iconv cannot handle is remembered as such.
class Converters {
  public:
    static constexpr std::size_t kCachedCharsets = 16;

    ~Converters() {
        for (auto& [name, cd] : open_)
            if (cd != kInvalid) iconv_close(cd);
    }

    // Returns a descriptor from charset to UTF-8 in its initial state, or kInvalid.
    iconv_t get(const std::string& charset) {
        for (auto& [name, cd] : open_)
            if (name == charset) {
                if (cd != kInvalid) iconv(cd, nullptr, nullptr, nullptr, nullptr);
                return cd;
            }
        iconv_t cd = iconv_open("UTF-8", charset.c_str());
        if (open_.size() >= kCachedCharsets) {
            if (open_.front().second != kInvalid) iconv_close(open_.front().second);
            open_.erase(open_.begin());
        }
        open_.emplace_back(charset, cd);
        return cd;
    }

    static inline const iconv_t kInvalid = reinterpret_cast<iconv_t>(-1);

  private:
    std::vector<std::pair<std::string, iconv_t>> open_;
};

}  // namespace

// Converts text from charset to UTF-8; unknown charsets and bad bytes are replaced, ok=false.
std::string to_utf8(std::string_view text, std::string_view charset, bool& ok) {
    if (plain_ascii(text)) return std::string(text);
    std::string cs = util::to_lower(util::trim(charset));
    if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii") return std::string(text);
    if (cs == "ks_c_5601-1987") cs = "cp949";
    if (cs == "iso-2022-jp" || cs == "iso-2022-jp-2") cs = "iso-2022-jp-3";
    thread_local Converters converters;
    iconv_t cd = converters.get(cs);
    if (cd == Converters::kInvalid) {
        ok = false;
        return ascii_only(text);
    }
    std::string out;
    out.resize(text.size() * 4 + 16);
    char* in_ptr = const_cast<char*>(text.data());
    std::size_t in_left = text.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    while (in_left > 0) {
        const std::size_t r = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
        if (r != static_cast<std::size_t>(-1)) break;
        if (errno == E2BIG) break;  // cannot happen with 4x room; stop rather than loop
        ok = false;                 // EILSEQ / EINVAL: skip one byte and go on
        if (out_left > 0) {
            *out_ptr++ = '?';
            --out_left;
        }
        ++in_ptr;
        --in_left;
    }
    out.resize(out.size() - out_left);
    return out;
}

// Converts text in place; nothing is copied when no conversion is needed.
void convert_to_utf8(std::string& text, std::string_view charset, bool& ok) {
    if (plain_ascii(text)) return;
    text = to_utf8(text, charset, ok);
}

}  // namespace mxpulse::mime
