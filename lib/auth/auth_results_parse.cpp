// Reader for Authentication-Results header fields (RFC 8601 2.2) found on a message.
#include "auth/auth_results_parse.hpp"

#include "util/strings.hpp"

namespace mxpulse::auth {

namespace {

constexpr std::size_t kMaxResults = 32;
constexpr std::size_t kMaxProperties = 16;
constexpr std::size_t kMaxDepth = 16;  // nested comments

// A lexical item: a word (token, dot-atom or quoted string) or one of ';' '=' '/'.
struct Item {
    char punct = 0;  // ';', '=', '/' or 0 for a word
    std::string word;
};

// Splits VALUE into items, dropping CFWS; false and ERROR on an unterminated comment or string.
bool lex(std::string_view v, std::vector<Item>& out, std::string& error) {
    std::size_t i = 0;
    while (i < v.size()) {
        char c = v[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
        } else if (c == '(') {
            std::size_t depth = 0;
            for (; i < v.size(); ++i) {
                if (v[i] == '\\') {
                    ++i;
                } else if (v[i] == '(') {
                    if (++depth > kMaxDepth) {
                        error = "comments nested too deep";
                        return false;
                    }
                } else if (v[i] == ')' && --depth == 0) {
                    break;
                }
            }
            if (i >= v.size()) {
                error = "unterminated comment";
                return false;
            }
            ++i;
        } else if (c == '"') {
            std::string w;
            for (++i; i < v.size() && v[i] != '"'; ++i) {
                if (v[i] == '\\' && i + 1 < v.size()) ++i;
                w += v[i];
            }
            if (i >= v.size()) {
                error = "unterminated quoted string";
                return false;
            }
            ++i;
            out.push_back({0, std::move(w)});
        } else if (c == ';' || c == '=' || c == '/') {
            out.push_back({c, {}});
            ++i;
        } else {
            std::size_t start = i;
            while (i < v.size() &&
                   std::string_view(" \t\r\n();=/\"").find(v[i]) == std::string_view::npos)
                ++i;
            if (i == start) {
                error = "unexpected ')'";  // the only delimiter no branch above takes
                return false;
            }
            out.push_back({0, std::string(v.substr(start, i - start))});
        }
    }
    return true;
}

// True when ITEMS[I] is a word.
bool word_at(const std::vector<Item>& items, std::size_t i) {
    return i < items.size() && items[i].punct == 0;
}

// True when ITEMS[I] is the punctuation P.
bool punct_at(const std::vector<Item>& items, std::size_t i, char p) {
    return i < items.size() && items[i].punct == p;
}

}  // namespace

// authserv-id [version] ( *( ";" resinfo ) / ";" "none" ), resinfo = methodspec [reasonspec]
// *propspec.
ParsedAuthResults parse_authentication_results(std::string_view value) {
    ParsedAuthResults out;
    std::vector<Item> items;
    if (!lex(value, items, out.error)) return out;
    std::size_t i = 0;
    if (!word_at(items, i)) {
        out.error = "no authserv-id";
        return out;
    }
    out.authserv_id = items[i++].word;
    if (word_at(items, i)) ++i;  // version
    while (i < items.size()) {
        if (!punct_at(items, i, ';')) {
            out.error = "expected ';' before \"" + items[i].word.substr(0, 40) + "\"";
            return out;
        }
        ++i;
        if (i >= items.size()) break;  // a trailing ';'
        if (word_at(items, i) && util::iequals(items[i].word, "none") && i + 1 == items.size())
            return out;
        // methodspec = method [ "/" version ] "=" result
        if (!word_at(items, i)) {
            out.error = "expected a method";
            return out;
        }
        AuthResultEntry e;
        e.method = util::to_lower(items[i++].word);
        if (punct_at(items, i, '/')) {
            if (!word_at(items, i + 1)) {
                out.error = "bad method version";
                return out;
            }
            i += 2;
        }
        if (!punct_at(items, i, '=') || !word_at(items, i + 1)) {
            out.error = "method " + e.method + " without a result";
            return out;
        }
        e.result = util::to_lower(items[i + 1].word);
        i += 2;
        // reasonspec and propspecs: name "=" value until the next ';'.
        while (i < items.size() && !punct_at(items, i, ';')) {
            if (!word_at(items, i) || !punct_at(items, i + 1, '=') || !word_at(items, i + 2)) {
                out.error = "bad property after " + e.method + "=" + e.result;
                return out;
            }
            std::string name = util::to_lower(items[i].word);
            std::string val = items[i + 2].word;
            i += 3;
            // A property value may be a local-part@domain split by the lexer at nothing; '/'
            // inside values (paths in smtp.mailfrom are rare) is joined back.
            while (punct_at(items, i, '/') && word_at(items, i + 1)) {
                val += "/" + items[i + 1].word;
                i += 2;
            }
            if (name == "reason") {
                e.reason = std::move(val);
            } else {
                if (e.properties.size() >= kMaxProperties) {
                    out.error = "too many properties";
                    return out;
                }
                e.properties.emplace_back(std::move(name), std::move(val));
            }
        }
        if (out.results.size() >= kMaxResults) {
            out.error = "too many results";
            return out;
        }
        out.results.push_back(std::move(e));
    }
    return out;
}

}  // namespace mxpulse::auth
