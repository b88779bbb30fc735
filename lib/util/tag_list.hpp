// The tag=value list of RFC 6376 3.2, shared by DKIM, DomainKeys, DMARC and the record audit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxpulse::util {

// One tag-spec: NAME as written (case kept), VALUE without the whitespace around it (folding
// whitespace inside a value, as in b= or p=, is kept; see strip_fws).
struct Tag {
    std::string_view name;
    std::string_view value;
};

// A parsed tag-list; views point into the parsed text, which must outlive it.
struct TagList {
    std::vector<Tag> tags;  // in order of appearance
    std::string error;      // empty when the text is a valid tag-list

    // True when the text parsed.
    bool ok() const { return error.empty(); }
    // The tag named NAME (exact, as RFC 6376 3.2 compares names), or nullptr.
    const Tag* find(std::string_view name) const;
    // The tag named NAME ignoring ASCII case (DMARC, RFC 7489 6.4 ABNF strings), or nullptr.
    const Tag* ifind(std::string_view name) const;
    // The value of NAME, or FALLBACK when absent.
    std::string_view get(std::string_view name, std::string_view fallback = {}) const;
};

// Parses TEXT as an RFC 6376 3.2 tag-list:
//   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  = ALPHA *ALNUMPUNC            ; ALNUMPUNC = ALPHA / DIGIT / "_"
//   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
//   tval      = 1*VALCHAR                   ; VALCHAR = %x21-3A / %x3C-7E
// Tolerant where the RFC says so (whitespace around names, '=' and values, folded lines, an empty
// value, one trailing ';'); an error otherwise: an empty tag-spec (";;"), a tag without '=', a bad
// name, a byte outside VALCHAR in a value, or a repeated name ("the entire tag-list is invalid").
// Bounded: at most MAX_TAGS tags.
TagList parse_tag_list(std::string_view text, std::size_t max_tags = 64);

// Returns VALUE with every SP, HTAB, CR and LF removed (base64 and header-list values).
std::string strip_fws(std::string_view value);

}  // namespace mxpulse::util
