#include "render/pdf_inspect.h"

#include <podofo/podofo.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace render {
namespace {

// PoDoFo sizes its xref table from the trailer's /Size (about 24 bytes an
// entry) before it reads a single object; this caps that table at 24 MiB.
// It is a process-wide PoDoFo setting, so it must also fit the service's own
// files: five attachments of PdfLimits::maxObjects plus the sheets.
constexpr long kPoDoFoMaxObjectNumbers = 1L << 20;

void setUpPoDoFo() {
    static const bool done = [] {
        // PoDoFo prints debug notes ("Fixing references ...") and whole trailers to
        // stdout while loading and appending; they would flood the server log.
        PoDoFo::PdfError::EnableDebug(false);
        PoDoFo::PdfError::EnableLogging(false);
        PoDoFo::PdfParser::SetMaxObjectCount(kPoDoFoMaxObjectNumbers);
        return true;
    }();
    (void)done;
}

// "PoDoFo error 22 ePdfError_InvalidDataType". PdfError::ErrorMessage() and
// ErrorName() return NULL for codes PoDoFo 0.9.8 has no text for (InvalidXRef,
// InvalidDataType, InvalidKey, ...), and appending NULL to a std::string
// crashed the server (issue 21).
std::string pdfErrorText(const PoDoFo::PdfError& e) {
    const PoDoFo::EPdfError code = e.GetError();
    std::string text = "PoDoFo error " + std::to_string(static_cast<int>(code));
    if (const char* name = PoDoFo::PdfError::ErrorName(code)) text += std::string(" ") + name;
    if (const char* message = PoDoFo::PdfError::ErrorMessage(code)) text += std::string(": ") + message;
    return text;
}

enum class Refusal { Unreadable, Encrypted, TooLarge, TooComplex, TooManyPages };

struct Refused {
    Refusal why;
    std::string detail;  // English, for the job's error message and the log
};

using Problem = std::optional<Refused>;

// ---- Lexical scan ---------------------------------------------------------
//
// PoDoFo recurses once per nested array or dictionary (nested dictionaries
// are not even covered by its recursion guard), so the nesting depth must be
// known before PoDoFo parses the file. PoDoFo starts parsing a value only
//  - after an "obj" token, at an offset the xref gives (which can be anywhere:
//    inside a string, a comment or a stream body), or
//  - after a "trailer" token, or
//  - at an offset listed in the header of an object stream.
// So the scan reads one value after every "obj" and "trailer" in the file,
// whatever surrounds it, and after every offset of every object stream, with
// a tokenizer that splits bytes the way PoDoFo's does. Stream bodies are never
// read as syntax except from such a start.

bool isWhite(unsigned char c) { return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }
bool isDelimiter(unsigned char c) { return c != 0 && std::strchr("()<>[]{}/%", c) != nullptr; }
bool isRegular(unsigned char c) { return !isWhite(c) && !isDelimiter(c); }

enum class Tok { End, Open, Close, Name, Word, String, Other };

struct Token {
    Tok kind = Tok::End;
    size_t begin = 0;
    size_t end = 0;
};

// PoDoFo 0.9's PdfTokenizer rules: "<<" and ">>" pair greedily; a lone "<"
// starts a hex string that ends at the next ">"; a literal string counts its
// parentheses and a backslash escapes the next byte; "%" comments run to the
// end of the line; a name or word is a run of regular bytes.
class Lexer {
public:
    Lexer(std::string_view data, size_t pos) : data_(data), pos_(pos) {}
    size_t pos() const { return pos_; }

    Token next() {
        const size_t n = data_.size();
        for (;;) {
            while (pos_ < n && isWhite(at(pos_))) ++pos_;
            if (pos_ >= n) return {Tok::End, n, n};
            if (at(pos_) != '%') break;
            while (pos_ < n && at(pos_) != '\r' && at(pos_) != '\n') ++pos_;
        }
        const size_t begin = pos_;
        switch (at(pos_++)) {
        case '[':
            return {Tok::Open, begin, pos_};
        case ']':
            return {Tok::Close, begin, pos_};
        case '<':
            if (pos_ < n && at(pos_) == '<') return {Tok::Open, begin, ++pos_};
            while (pos_ < n && at(pos_++) != '>') {
            }
            return {Tok::String, begin, pos_};
        case '>':
            if (pos_ < n && at(pos_) == '>') return {Tok::Close, begin, ++pos_};
            return {Tok::Other, begin, pos_};
        case '(': {
            int open = 0;
            while (pos_ < n) {
                const unsigned char c = at(pos_++);
                if (c == '\\') {
                    if (pos_ < n) ++pos_;
                } else if (c == '(') {
                    ++open;
                } else if (c == ')') {
                    if (open == 0) break;
                    --open;
                }
            }
            return {Tok::String, begin, pos_};
        }
        case '/':
            while (pos_ < n && isRegular(at(pos_))) ++pos_;
            return {Tok::Name, begin, pos_};
        case ')':
        case '{':
        case '}':
            return {Tok::Other, begin, pos_};
        default:
            while (pos_ < n && isRegular(at(pos_))) ++pos_;
            return {Tok::Word, begin, pos_};
        }
    }

private:
    unsigned char at(size_t i) const { return static_cast<unsigned char>(data_[i]); }

    std::string_view data_;
    size_t pos_;
};

// A name token's text as PoDoFo reads it: "#xy" escapes decoded exactly like
// PdfName::UnescapeName (which does not check for hex digits), so "/#4E" is /N
// here as it is for PoDoFo.
std::string nameOf(std::string_view token) {
    std::string_view raw = token.substr(1);
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '#' && i + 2 < raw.size()) {
            unsigned char hi = static_cast<unsigned char>(raw[i + 1]);
            unsigned char lo = static_cast<unsigned char>(raw[i + 2]);
            hi -= hi < 'A' ? '0' : 'A' - 10;
            lo -= lo < 'A' ? '0' : 'A' - 10;
            out += static_cast<char>((hi << 4) | (lo & 0x0F));
            i += 2;
        } else {
            out += raw[i];
        }
    }
    return out;
}

// strtol() on a token, as PoDoFo's GetNextNumber does: a sign and digits at
// the start, the rest ignored; nullopt when there are no digits.
std::optional<long long> leadingNumber(std::string_view token) {
    if (token.empty()) return std::nullopt;
    char text[32] = {};
    std::memcpy(text, token.data(), std::min(token.size(), sizeof text - 1));
    char* end = nullptr;
    const long long value = std::strtoll(text, &end, 10);
    if (end == text) return std::nullopt;
    return value;
}

// Where the value of each entry of a dictionary is, [begin, end) in the data.
using Entries = std::map<std::string, std::pair<size_t, size_t>>;

struct Scanned {
    size_t end = 0;           // just past the value
    bool dictionary = false;  // the value is a dictionary; entries are its own
    Entries entries;
};

// A stream whose data PoDoFo inflates while loading: an xref stream, or an
// object stream (any stream with /N, which is also how ICC profiles look).
struct PackedStream {
    Entries entries;
    size_t dataBegin = 0;
    bool xref = false;
};

class Precheck {
public:
    Precheck(std::string_view file, const PdfLimits& limits) : file_(file), limits_(limits) {}

    Problem run() {
        if (static_cast<long long>(file_.size()) > limits_.maxBytes)
            return Refused{Refusal::TooLarge, std::to_string(file_.size()) + " bytes, more than " +
                                                  std::to_string(limits_.maxBytes)};
        if (file_.substr(0, 5) != "%PDF-") return Refused{Refusal::Unreadable, "no %PDF- header"};
        if (!scanStarts("obj", false) || !scanStarts("trailer", true)) return problem_;
        // Known now, before the object streams (whose data would be ciphertext).
        if (encrypted_) return Refused{Refusal::Encrypted, "encrypted (/Encrypt in the trailer)"};
        for (const PackedStream& stream : packed_)
            if (!checkPacked(stream)) return problem_;
        return std::nullopt;
    }

private:
    bool refuse(Refusal why, std::string detail) {
        problem_ = Refused{why, std::move(detail)};
        return false;
    }

    std::string_view text(std::string_view data, const Token& t) const {
        return data.substr(t.begin, t.end - t.begin);
    }

    // Every occurrence of keyword that is followed by a non-regular byte: a
    // token PoDoFo may read, even where this scan would see a string or a
    // stream body (the xref decides where PoDoFo reads, not the syntax).
    bool scanStarts(std::string_view keyword, bool trailer) {
        for (size_t at = file_.find(keyword); at != std::string_view::npos; at = file_.find(keyword, at + 1)) {
            const size_t after = at + keyword.size();
            if (after < file_.size() && isRegular(static_cast<unsigned char>(file_[after]))) continue;
            // "endobj" ends in "obj" too; count only what can be an object's own keyword.
            const bool ownToken = at == 0 || !isRegular(static_cast<unsigned char>(file_[at - 1]));
            if (!trailer && ownToken && ++objects_ > limits_.maxObjects)
                return refuse(Refusal::TooComplex, "more than " + std::to_string(limits_.maxObjects) + " objects");
            if (!scanObject(after, trailer)) return false;
        }
        return true;
    }

    // One value as PoDoFo's PdfParserObject reads it after "obj" (or after
    // "trailer"), then, for a dictionary, the stream that may follow it.
    bool scanObject(size_t pos, bool trailer) {
        Scanned value;
        if (!scanValue(file_, pos, &value)) return false;
        if (!value.dictionary) return true;
        const bool xref = nameEntry(value.entries, "Type") == "XRef";
        if ((trailer || xref) && value.entries.count("Encrypt")) encrypted_ = true;
        if (trailer) return true;
        // PoDoFo takes any token starting with "stream" (strncmp) and starts
        // the data after optional spaces and one end of line.
        Lexer lexer(file_, value.end);
        const Token keyword = lexer.next();
        if (keyword.kind != Tok::Word || text(file_, keyword).substr(0, 6) != "stream") return true;
        size_t data = keyword.end;
        while (data < file_.size() && file_[data] == ' ') ++data;
        if (data < file_.size() && isWhite(static_cast<unsigned char>(file_[data]))) {
            const char eol = file_[data++];
            if (eol == '\r' && data < file_.size() && file_[data] == '\n') ++data;
        }
        if (auto length = numberEntry(value.entries, "Length")) {
            if (*length < 0 || *length > static_cast<long long>(file_.size() - data))
                return refuse(Refusal::Unreadable, "stream at byte " + std::to_string(data) + " declares /Length " +
                                                       std::to_string(*length) + ", past the end of the file");
        }
        if (xref || value.entries.count("N")) packed_.push_back({std::move(value.entries), data, xref});
        return true;
    }

    // Reads one value starting at pos: a single token, or an array or
    // dictionary up to its closing bracket. Records the entries of a top-level
    // dictionary. Refuses nesting deeper than limits_.maxNesting.
    bool scanValue(std::string_view data, size_t pos, Scanned* out) {
        Lexer lexer(data, pos);
        int depth = 0;
        std::string key, lastKey;
        bool expectKey = true;
        size_t valueBegin = 0;
        do {
            const Token t = lexer.next();
            if (t.kind == Tok::End) break;
            if (depth == 1 && out->dictionary && t.kind != Tok::Close) {
                if (expectKey) {
                    if (t.kind == Tok::Name) {
                        key = nameOf(text(data, t));
                        expectKey = false;
                    } else if (t.kind == Tok::Word && !lastKey.empty()) {
                        out->entries[lastKey].second = t.end;  // "5 0 R": the rest of a reference
                    }
                } else {
                    valueBegin = t.begin;
                    if (t.kind != Tok::Open) {
                        out->entries[key] = {t.begin, t.end};
                        lastKey = key;
                        expectKey = true;
                    }
                }
            }
            if (t.kind == Tok::Open) {
                if (depth == 0) out->dictionary = t.end - t.begin == 2;
                if (++depth > limits_.maxNesting)
                    return refuse(Refusal::TooComplex, "arrays and dictionaries nested deeper than " +
                                                           std::to_string(limits_.maxNesting) + " at byte " +
                                                           std::to_string(t.begin));
            } else if (t.kind == Tok::Close && depth > 0) {
                if (--depth == 1 && out->dictionary && !expectKey) {
                    out->entries[key] = {valueBegin, t.end};
                    lastKey = key;
                    expectKey = true;
                }
            }
        } while (depth > 0);
        out->end = lexer.pos();
        // Values may overlap (an "obj" inside another object's string, object
        // stream offsets pointing into one another); bound the total work.
        lexed_ += static_cast<long long>(lexer.pos() - pos);
        if (lexed_ > 4 * (static_cast<long long>(file_.size()) + inflated_) + (1 << 20))
            return refuse(Refusal::TooComplex, "objects overlap too much to be checked");
        return true;
    }

    std::vector<Token> tokensOf(const std::pair<size_t, size_t>& span) const {
        std::vector<Token> tokens;
        Lexer lexer(file_.substr(0, span.second), span.first);
        for (Token t = lexer.next(); t.kind != Tok::End; t = lexer.next()) tokens.push_back(t);
        return tokens;
    }

    // A direct integer entry, with PoDoFo's rule for numbers (digits and signs).
    std::optional<long long> numberEntry(const Entries& entries, const char* key) const {
        auto it = entries.find(key);
        if (it == entries.end()) return std::nullopt;
        std::vector<Token> tokens = tokensOf(it->second);
        if (tokens.size() != 1 || tokens[0].kind != Tok::Word) return std::nullopt;
        std::string_view word = text(file_, tokens[0]);
        if (word.find_first_not_of("0123456789+-") != std::string_view::npos) return std::nullopt;
        return leadingNumber(word).value_or(0);
    }

    std::string nameEntry(const Entries& entries, const char* key) const {
        auto it = entries.find(key);
        if (it == entries.end()) return "";
        std::vector<Token> tokens = tokensOf(it->second);
        return tokens.size() == 1 && tokens[0].kind == Tok::Name ? nameOf(text(file_, tokens[0])) : "";
    }

    bool isReference(const Entries& entries, const char* key) const {
        auto it = entries.find(key);
        if (it == entries.end()) return false;
        std::vector<Token> tokens = tokensOf(it->second);
        return tokens.size() == 3 && text(file_, tokens[2]) == "R";
    }

    // Inflates or copies the data of a stream PoDoFo inflates while loading,
    // refuses it when it is too big, and for an object stream reads every
    // object PoDoFo would read from it.
    bool checkPacked(const PackedStream& stream) {
        const auto filter = stream.entries.find("Filter");
        bool flate = false;
        if (filter != stream.entries.end()) {
            // Only no filter, /FlateDecode or [/FlateDecode]: what PDF writers use
            // for these streams, and what this check can decode as PoDoFo does.
            for (const Token& t : tokensOf(filter->second)) {
                if (t.kind == Tok::Open || t.kind == Tok::Close) continue;
                const std::string name = t.kind == Tok::Name ? nameOf(text(file_, t)) : "";
                if ((name != "FlateDecode" && name != "Fl") || flate)
                    return refuse(Refusal::TooComplex, "object or xref stream with filters other than one /FlateDecode");
                flate = true;
            }
        }
        if (!stream.xref) {
            // A predictor would change the inflated bytes PoDoFo parses.
            const auto parms = stream.entries.find("DecodeParms");
            if (parms != stream.entries.end())
                for (const Token& t : tokensOf(parms->second))
                    if (text(file_, t) == "R" || (t.kind == Tok::Name && nameOf(text(file_, t)) == "Predictor"))
                        return refuse(Refusal::TooComplex, "object stream with a predictor");
            if (isReference(stream.entries, "N") || isReference(stream.entries, "First"))
                return refuse(Refusal::TooComplex, "object stream with an indirect /N or /First");
        }
        std::string inflatedData;
        std::string_view data = file_.substr(stream.dataBegin);
        if (flate) {
            if (!inflate(data, &inflatedData)) return false;
            data = inflatedData;
        }
        if (stream.xref) return true;  // PoDoFo reads fixed-width numbers from it, nothing nested
        return scanObjectStream(data, numberEntry(stream.entries, "First").value_or(0),
                                numberEntry(stream.entries, "N").value_or(0));
    }

    // PdfObjectStreamParserObject::ReadObjectsFromStream: n pairs of object
    // number and offset from the start, each followed by the value at first +
    // offset, until a pair cannot be read.
    // Data is read to the end of the file or of the zlib stream, where PoDoFo
    // stops at /Length: its copy is a prefix of this one, so it may see the
    // last offset it reads cut short (12 of 1234). Such a value lies before
    // that offset's token, and is read here too.
    bool scanObjectStream(std::string_view data, long long first, long long n) {
        Lexer header(data, 0);
        for (long long i = 0; i < n; ++i) {
            const Token number = header.next();
            if (number.kind != Tok::Word || !leadingNumber(text(data, number))) break;
            const Token offset = header.next();
            const std::string_view digits = offset.kind == Tok::Word ? text(data, offset) : std::string_view();
            if (!leadingNumber(digits)) break;
            if (++objects_ > limits_.maxObjects)
                return refuse(Refusal::TooComplex, "more than " + std::to_string(limits_.maxObjects) + " objects");
            // The offset as written, then as a shorter copy may cut it (past
            // 19 digits a number overflows whatever its length).
            std::vector<size_t> lengths{digits.size()};
            for (size_t length = 1; length < digits.size() && length <= 19; ++length) lengths.push_back(length);
            for (size_t length : lengths) {
                auto off = leadingNumber(digits.substr(0, length));
                if (!off || *off > LLONG_MAX / 2 || *off < LLONG_MIN / 2 || first > LLONG_MAX / 2 || first < LLONG_MIN / 2)
                    continue;
                const long long pos = first + *off;
                const long long end = length == digits.size() ? static_cast<long long>(data.size())
                                                              : static_cast<long long>(offset.begin);
                Scanned value;
                if (pos >= 0 && pos < end && !scanValue(data, static_cast<size_t>(pos), &value)) return false;
            }
        }
        return true;
    }

    // Inflates as PoDoFo's FlateDecode filter does, up to the end of the zlib
    // data or the first error (PoDoFo throws there, so it parses nothing
    // beyond). Refuses more than limits_.maxInflatedBytes in all.
    bool inflate(std::string_view in, std::string* out) {
        z_stream z{};
        if (inflateInit(&z) != Z_OK) throw std::bad_alloc();
        struct End {
            z_stream* z;
            ~End() { inflateEnd(z); }
        } end{&z};
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT_MAX));
        char buffer[1 << 14];
        for (;;) {
            z.next_out = reinterpret_cast<Bytef*>(buffer);
            z.avail_out = sizeof buffer;
            const int rc = ::inflate(&z, Z_NO_FLUSH);
            const size_t got = sizeof buffer - z.avail_out;
            inflated_ += static_cast<long long>(got);
            if (inflated_ > limits_.maxInflatedBytes)
                return refuse(Refusal::TooComplex, "object and xref streams inflate to more than " +
                                                       std::to_string(limits_.maxInflatedBytes) + " bytes");
            out->append(buffer, got);
            if (rc != Z_OK || got == 0) return true;
        }
    }

    std::string_view file_;
    const PdfLimits& limits_;
    long long objects_ = 0;
    long long inflated_ = 0;
    long long lexed_ = 0;
    bool encrypted_ = false;
    std::vector<PackedStream> packed_;
    Problem problem_;
};

// ---- Page tree --------------------------------------------------------------

// Walks the page tree the way PoDoFo's PdfPagesTree navigates it, before
// PoDoFo does: each node a /Page or /Pages dictionary (by an indirect /Type as
// PoDoFo allows), each /Kids an array (indirect allowed) of references, no
// node reached twice (cycles, shared subtrees), at most maxNesting levels and
// maxPages pages, and each /Count equal to the pages below it, so that
// GetPageCount() and GetPage(i) mean what they say.
class PageTreeWalk {
public:
    PageTreeWalk(const PoDoFo::PdfVecObjects& objects, int maxPages, int maxNesting)
        : objects_(objects), maxPages_(maxPages), maxNesting_(maxNesting) {}

    // The number of pages under node, or -1 with problem() set.
    int count(const PoDoFo::PdfObject* node, int level) {
        const std::string at = "object " + std::to_string(node->Reference().ObjectNumber());
        if (level > maxNesting_)
            return refuse(Refusal::TooComplex, "page tree deeper than " + std::to_string(maxNesting_) + " levels");
        if (!node->IsDictionary()) return refuse(Refusal::Unreadable, "page-tree " + at + " is not a dictionary");
        if (!visited_.insert(node->Reference()).second)
            return refuse(Refusal::Unreadable, "page tree reaches " + at + " twice (a cycle or a shared node)");
        const PoDoFo::PdfName type = node->GetIndirectKeyAsName("Type");
        if (type == PoDoFo::PdfName("Page")) {
            if (++pages_ > maxPages_)
                return refuse(Refusal::TooManyPages, "more than " + std::to_string(maxPages_) + " pages");
            return 1;
        }
        if (type != PoDoFo::PdfName("Pages"))
            return refuse(Refusal::Unreadable, "page-tree " + at + " is neither /Page nor /Pages");
        const PoDoFo::PdfObject* kids = node->GetIndirectKey("Kids");
        if (!kids || !kids->IsArray()) return refuse(Refusal::Unreadable, "/Kids of " + at + " is not an array");
        long long total = 0;
        for (const PoDoFo::PdfObject& kid : kids->GetArray()) {
            if (!kid.IsReference()) return refuse(Refusal::Unreadable, "/Kids of " + at + " holds a non-reference");
            const PoDoFo::PdfObject* child = objects_.GetObject(kid.GetReference());
            if (!child) return refuse(Refusal::Unreadable, "/Kids of " + at + " names a missing object");
            const int below = count(child, level + 1);
            if (below < 0) return -1;
            total += below;
        }
        const PoDoFo::PdfObject* declared = node->GetIndirectKey("Count");
        if (!declared || !declared->IsNumber() || declared->GetNumber() != total)
            return refuse(Refusal::Unreadable, "/Count of " + at + " does not match its " + std::to_string(total) + " pages");
        return static_cast<int>(total);
    }

    const Problem& problem() const { return problem_; }

private:
    int refuse(Refusal why, std::string detail) {
        problem_ = Refused{why, std::move(detail)};
        return -1;
    }

    const PoDoFo::PdfVecObjects& objects_;
    const int maxPages_;
    const int maxNesting_;
    int pages_ = 0;
    std::set<PoDoFo::PdfReference> visited_;
    Problem problem_;
};

// Runs step (PoDoFo calls) so that nothing it throws gets out: PdfError,
// std::exception (bad_alloc) and anything else become a refusal.
template <typename Step>
Problem guarded(Step&& step) {
    try {
        return step();
    } catch (const PoDoFo::PdfError& e) {
        if (e.GetError() == PoDoFo::ePdfError_InvalidPassword) return Refused{Refusal::Encrypted, "needs a password"};
        return Refused{Refusal::Unreadable, pdfErrorText(e)};
    } catch (const std::exception& e) {
        return Refused{Refusal::Unreadable, std::string("PoDoFo failed: ") + e.what()};
    } catch (...) {
        return Refused{Refusal::Unreadable, "PoDoFo failed with an unknown exception"};
    }
}

// Checks the bytes, loads them into doc and walks the page tree; sets *pages.
Problem load(PoDoFo::PdfMemDocument& doc, const std::string& bytes, const PdfLimits& limits, int maxPages,
             int* pages) {
    setUpPoDoFo();
    return guarded([&]() -> Problem {
        if (Problem refused = Precheck(bytes, limits).run()) return refused;
        doc.LoadFromBuffer(bytes.data(), static_cast<long>(bytes.size()));
        if (doc.GetEncrypted()) return Refused{Refusal::Encrypted, "encrypted"};
        const PoDoFo::PdfObject* root = doc.GetCatalog() ? doc.GetCatalog()->GetIndirectKey("Pages") : nullptr;
        if (!root) return Refused{Refusal::Unreadable, "no page tree"};
        PageTreeWalk walk(doc.GetObjects(), maxPages, limits.maxNesting);
        const int counted = walk.count(root, 1);
        if (walk.problem()) return walk.problem();
        if (counted != doc.GetPageCount())
            return Refused{Refusal::Unreadable, "PoDoFo counts " + std::to_string(doc.GetPageCount()) + " pages, the tree " +
                                                    std::to_string(counted)};
        *pages = counted;
        return std::nullopt;
    });
}

// PoDoFo parses most objects only when Append copies them, so a file can
// load and still fail there (a dictionary key that is not a name).
Problem append(PoDoFo::PdfMemDocument& doc, const PoDoFo::PdfMemDocument& extra) {
    return guarded([&]() -> Problem {
        doc.Append(extra);
        return std::nullopt;
    });
}

// The service's own files: only what keeps PoDoFo from crashing is limited.
PdfLimits ownFileLimits() {
    PdfLimits limits;
    limits.maxBytes = LLONG_MAX;
    limits.maxInflatedBytes = LLONG_MAX;
    limits.maxObjects = INT_MAX;
    return limits;
}

common::Status attachmentStatus(const std::string& name, const Refused& refused, const PdfLimits& limits,
                                int maxPages) {
    const std::string shown = name.empty() ? "添付のPDF" : "「" + name + "」";
    common::FieldError error;
    switch (refused.why) {
    case Refusal::Unreadable:
        error = {"", "invalid_pdf", shown + "はPDFとして読み取れません(壊れているか、PDFではありません)。"};
        break;
    case Refusal::Encrypted:
        error = {"", "invalid_pdf", shown + "はパスワードで保護されているため読み取れません。保護を外したPDFを添付してください。"};
        break;
    case Refusal::TooLarge:
        error = {"", "pdf_too_large", shown + "は大きすぎます。添付できるPDFは1ファイル" +
                                          std::to_string(limits.maxBytes >> 20) + "MBまでです。"};
        break;
    case Refusal::TooComplex:
        error = {"", "pdf_too_complex", shown + "は構造が複雑すぎるため受け付けられません。PDFとして保存し直してから添付してください。"};
        break;
    case Refusal::TooManyPages:
        error = {"", "too_many_pages", shown + "のページ数が上限(" + std::to_string(maxPages) + "枚)を超えています。"};
        break;
    }
    return common::Status::invalidArgument("attachment \"" + name + "\" refused: " + refused.detail, {error});
}

}  // namespace

common::Result<int> inspectAttachment(const std::string& name, const std::string& pdfBytes, int maxPages,
                                      const PdfLimits& limits) {
    PoDoFo::PdfMemDocument doc;
    int pages = 0;
    Problem refused = load(doc, pdfBytes, limits, maxPages, &pages);
    if (!refused && pages < 1) refused = Refused{Refusal::Unreadable, "no pages"};
    // What is accepted now must append when the job is rendered.
    PoDoFo::PdfMemDocument trial;
    if (!refused) refused = append(trial, doc);
    if (refused) return attachmentStatus(name, *refused, limits, maxPages);
    return pages;
}

common::Result<int> pdfPageCount(const std::string& pdfBytes) {
    PoDoFo::PdfMemDocument doc;
    int pages = 0;
    if (Problem refused = load(doc, pdfBytes, ownFileLimits(), INT_MAX, &pages))
        return common::Status::invalidArgument("not a readable PDF: " + refused->detail);
    return pages;
}

common::Result<std::string> appendPdfs(const std::string& base, const std::vector<std::string>& extras) {
    if (extras.empty()) return base;
    int pages = 0;
    PoDoFo::PdfMemDocument doc;
    if (Problem refused = load(doc, base, ownFileLimits(), INT_MAX, &pages))
        return common::Status::invalidArgument("the rendered PDF cannot be read: " + refused->detail);
    for (size_t i = 0; i < extras.size(); ++i) {
        PoDoFo::PdfMemDocument extra;
        const std::string which = "attachment " + std::to_string(i + 1);
        Problem refused = load(extra, extras[i], PdfLimits(), INT_MAX, &pages);
        if (!refused) refused = append(doc, extra);
        if (refused) return common::Status::invalidArgument(which + " cannot be appended: " + refused->detail);
    }
    std::string joined;
    Problem unwritable = guarded([&]() -> Problem {
        PoDoFo::PdfRefCountedBuffer buffer;
        PoDoFo::PdfOutputDevice device(&buffer);
        doc.Write(&device);
        joined.assign(buffer.GetBuffer(), device.GetLength());
        return std::nullopt;
    });
    if (unwritable) return common::Status::internal("the joined PDF cannot be written: " + unwritable->detail);
    return joined;
}

}  // namespace render
