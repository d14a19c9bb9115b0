// Rendering tests of every sheet in templates/ (issue 3, issue 14): each sample payload rendered
// through DocumentService and read back with the poppler tools: page counts,
// every submitted value in the text, embedded subset fonts, the XLSX defined
// names, reference images, fax legibility, text that always fits, rare
// characters, repeatable bytes and masked fax renderings.
//
// Reference images live in tests/golden/<sheet>/page-N.png: the page
// rasterized by `pdftoppm -r 50 -gray`, stored as 8-bit grayscale PNG by this
// file's own small encoder (zlib, no other library). A page matches when at
// most 0.05% of its pixels differ by more than 64 levels from every pixel
// within 1 px (see compareImages). On a mismatch the actual image and a
// difference image are left in <build>/golden-actual/.
// RENKEI_UPDATE_GOLDEN=1 writes the actual images over the references (look
// at them and update NOTES.md before committing; see tests/golden/README.md).
#include <catch2/catch.hpp>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/utf8.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "form/wareki.h"
#include "app/document_service.h"
#include "layout/layout_builder.h"
#include "test_support.h"

using testing_support::readFile;
using testing_support::run;
using testing_support::sourcePath;
using testing_support::TempDir;
using testing_support::writeFile;

namespace {

// Fixed job identity: the same request must always give the same bytes.
const char* const kDocumentId = "0123456789abcdef0123456789abcdef";
const char* const kCreatedIso = "2025-11-20T15:10:00+09:00";

struct SheetCase {
    std::string id;
    int pages;  // of its sample
};
std::vector<SheetCase> sheets();  // every sheet in templates/, below

// ---------------------------------------------------------------------------
// The service under test, loaded once for the whole binary.

struct Env {
    std::shared_ptr<const form::TemplateRegistry> templates;
    std::shared_ptr<const render::FontMetrics> fonts;
    std::unique_ptr<app::DocumentService> service;
    TempDir dir;  // rendered files shared by the test cases

    Env() {
        templates = form::TemplateRegistry::load(sourcePath("templates")).value();
        config::Settings defaults;
        fonts = render::FontMetrics::open(defaults.primaryFont, defaults.fallbackFont).value();
        service = std::make_unique<app::DocumentService>(templates, fonts, render::XlsxOptions());
    }
    const form::SheetTemplate& sheet(const std::string& id) const {
        const form::SheetTemplate* s = templates->find(id);
        if (!s) throw std::runtime_error("no template " + id);
        return *s;
    }
};

Env& env() {
    static Env e;
    return e;
}

// templates/<sheet>/sample.json "fields", parsed afresh on each call so a test
// may change it.
Poco::JSON::Object::Ptr sampleFields(const std::string& sheet) {
    auto body = Poco::JSON::Parser().parse(readFile(sourcePath("templates/" + sheet + "/sample.json")));
    return body.extract<Poco::JSON::Object::Ptr>()->getObject("fields");
}

// Every folder of templates/ with a template.json, by id, with the pages its
// sample prints: each page of the template but those whose onlyWhen field the
// sample leaves empty. A new sheet is tested here without being listed.
std::vector<SheetCase> sheets() {
    static const std::vector<SheetCase> list = [] {
        std::vector<std::string> ids;
        for (Poco::DirectoryIterator it(sourcePath("templates")), end; it != end; ++it)
            if (it->isDirectory() && Poco::File(it->path() + "/template.json").exists()) ids.push_back(it.name());
        std::sort(ids.begin(), ids.end());
        std::vector<SheetCase> out;
        for (const auto& id : ids) {
            const auto fields = sampleFields(id);
            int pages = 0;
            for (const auto& page : env().sheet(id).pages)
                if (page.onlyWhen.empty() || fields->has(page.onlyWhen)) ++pages;
            out.push_back({id, pages});
        }
        return out;
    }();
    return list;
}

std::string describe(const common::Status& s) {
    std::string out = s.toString();
    for (const auto& e : s.fieldErrors()) out += "\n  " + e.field + ": " + e.code + " " + e.message;
    return out;
}

form::FormData validated(const std::string& sheet, const Poco::JSON::Object::Ptr& fields) {
    auto data = env().service->validate(sheet, fields);
    if (!data) FAIL("the fields for " << sheet << " do not validate: " << describe(data.status()));
    return data.value();
}

app::RenderedDocument renderOrFail(const std::string& sheet, const form::FormData& data, app::Format format) {
    auto out = env().service->render(env().sheet(sheet), data, format, kDocumentId, kCreatedIso);
    if (!out) FAIL("rendering " << sheet << " failed: " << describe(out.status()));
    return out.value();
}

app::RenderedDocument renderLayoutOrFail(const layout::Document& doc) {
    auto out = env().service->render(std::vector<layout::Document>{doc}, app::Format::Pdf);
    if (!out) FAIL("rendering " << doc.sheetId << " failed: " << describe(out.status()));
    return out.value();
}

layout::BuildOptions jobOptions(layout::MaskMode mask = layout::MaskMode::None) {
    layout::BuildOptions options;
    options.documentId = kDocumentId;
    options.createdIso = kCreatedIso;
    options.mask = mask;
    return options;
}

// A sample rendered once to PDF and XLSX, kept on disk for every test case.
struct Rendered {
    std::string pdfPath;
    std::string xlsxPath;
    app::RenderedDocument pdf;
    app::RenderedDocument xlsx;
};

const Rendered& sampleRender(const std::string& sheet) {
    static std::map<std::string, Rendered> cache;
    auto it = cache.find(sheet);
    if (it != cache.end()) return it->second;
    form::FormData data = validated(sheet, sampleFields(sheet));
    Rendered r;
    r.pdf = renderOrFail(sheet, data, app::Format::Pdf);
    r.xlsx = renderOrFail(sheet, data, app::Format::Xlsx);
    r.pdfPath = env().dir.file(sheet + ".pdf");
    r.xlsxPath = env().dir.file(sheet + ".xlsx");
    writeFile(r.pdfPath, r.pdf.bytes);
    writeFile(r.xlsxPath, r.xlsx.bytes);
    return cache.emplace(sheet, std::move(r)).first->second;
}

std::string writeOutput(const std::string& name, const std::string& bytes) {
    std::string path = env().dir.file(name);
    writeFile(path, bytes);
    return path;
}

// ---------------------------------------------------------------------------
// Text helpers.

using testing_support::stripSpace;

std::string pdfRawText(const std::string& pdf, int firstPage = 0, int lastPage = 0) {
    std::vector<std::string> argv = {"/usr/bin/pdftotext", "-raw", "-enc", "UTF-8"};
    if (firstPage > 0) argv.insert(argv.end(), {"-f", std::to_string(firstPage)});
    if (lastPage > 0) argv.insert(argv.end(), {"-l", std::to_string(lastPage)});
    argv.insert(argv.end(), {pdf, "-"});
    auto r = run(argv);
    if (r.exitCode != 0) FAIL("pdftotext failed on " << pdf << ": " << r.output);
    return r.output;
}

// Text of one page between two heights, in mm from the top of the paper.
std::string pdfTextBetween(const std::string& pdf, int page, double topMm, double bottomMm) {
    const int top = static_cast<int>(std::ceil(topMm * layout::kPtPerMm));
    const int height = static_cast<int>(std::floor(bottomMm * layout::kPtPerMm)) - top;
    auto r = run({"/usr/bin/pdftotext", "-raw", "-enc", "UTF-8", "-f", std::to_string(page), "-l",
                  std::to_string(page), "-r", "72", "-x", "0", "-y", std::to_string(top), "-W", "2000", "-H",
                  std::to_string(height), pdf, "-"});
    if (r.exitCode != 0) FAIL("pdftotext failed on " << pdf << ": " << r.output);
    return r.output;
}

std::u32string u32(const std::string& s) { return common::decodeUtf8(s).value(); }
std::string utf8(const std::u32string& s) { return common::encodeUtf8(s); }

std::vector<std::u32string> nameParts(const std::string& name) {
    std::vector<std::u32string> parts(1);
    for (char32_t c : u32(name)) {
        if (c == U' ' || c == U'\u3000') {
            if (!parts.back().empty()) parts.emplace_back();
        } else {
            parts.back() += c;
        }
    }
    if (parts.back().empty()) parts.pop_back();
    return parts;
}

// Kana initials as rules.md §4.1 prints them: ユキハラ　マサオ -> ユ・マ.
std::string kanaInitials(const std::string& kana) {
    std::u32string out;
    for (const auto& part : nameParts(kana)) {
        if (!out.empty()) out += U'・';
        out += part.front();
    }
    return utf8(out);
}

// Partial mask, rules.md §4.1: every other character of each name part
// replaced with ●, 雪原 正夫 -> 雪●正● (spaces dropped for comparison).
std::string partialMask(const std::string& name) {
    std::u32string out;
    for (const auto& part : nameParts(name))
        for (size_t i = 0; i < part.size(); ++i) out += i % 2 ? U'●' : part[i];
    return utf8(out);
}

// The municipality of a Japanese address: after the prefecture, up to the
// first 市, 区, 町 or 村 (北海道旭川市東光27条… -> 旭川市).
std::string municipalityOf(const std::string& address) {
    std::u32string a = u32(address);
    size_t start = 0;
    for (const char* pref : {"北海道", "東京都", "大阪府", "京都府"})
        if (a.rfind(u32(pref), 0) == 0) start = u32(pref).size();
    if (start == 0) {
        size_t ken = a.find(U'県');
        if (ken != std::u32string::npos && ken <= 4) start = ken + 1;
    }
    for (size_t i = start; i < a.size(); ++i)
        if (a[i] == U'市' || a[i] == U'区' || a[i] == U'町' || a[i] == U'村') return utf8(a.substr(start, i - start + 1));
    return "";
}

// ---------------------------------------------------------------------------
// What each submitted value must print as, built from the field specs and the
// cells that show the field (not by hand).

std::vector<const form::CellSpec*> cellsOf(const form::SheetTemplate& sheet, const std::string& key,
                                           const std::string& column = "") {
    std::vector<const form::CellSpec*> out;
    for (const auto& page : sheet.pages)
        for (const auto& cell : page.cells)
            if (cell.field == key && (column.empty() || cell.column == column)) out.push_back(&cell);
    return out;
}

const form::OptionSpec* noteOwner(const form::SheetTemplate& sheet, const std::string& noteKey) {
    for (const auto& f : sheet.fields)
        for (const auto& o : f.options)
            if (o.noteKey == noteKey) return &o;
    return nullptr;
}

std::string dateAs(const std::string& format, const form::Date& d) {
    if (format == "wareki_short") return form::formatWarekiShort(d);
    if (format == "birth") return form::formatWareki(d) + "生";
    return form::formatWareki(d);
}

// One expectation: any of the alternatives must occur in the text.
struct Expected {
    std::string what;  // field key (and row/column) for the failure message
    std::vector<std::string> anyOf;
};

void expectValue(const form::SheetTemplate& sheet, const form::FieldSpec& spec, const std::string& fieldKey,
                 const std::string& column, const Poco::Dynamic::Var& value, const std::string& what,
                 std::vector<Expected>& out) {
    const auto cells = cellsOf(sheet, fieldKey, column);
    auto optionTexts = [&](const std::string& v) {
        const form::OptionSpec* o = spec.option(v);
        REQUIRE(o);
        // A table cell prints the chosen label alone (a row has no room for boxes).
        if (!column.empty()) return std::vector<std::string>{o->label};
        std::vector<std::string> alts;
        for (const auto* c : cells) {
            if (c->format == "label") alts.push_back(o->label);
            else if (c->format == "check" && c->option == v) alts.push_back("■" + o->label);
            else if (c->format.empty() || c->format == "checks") alts.push_back("■" + o->label);
        }
        if (alts.empty()) alts.push_back(o->label);
        return alts;
    };
    switch (spec.type) {
    case form::FieldType::Bool:
    case form::FieldType::Derived: return;  // bools are a box, derived fields are not submitted
    case form::FieldType::Date: {
        auto d = form::parseIsoDate(value.toString());
        REQUIRE(d);
        Expected e{what, {form::formatWareki(*d), form::formatWarekiShort(*d)}};
        for (const auto* c : cells) e.anyOf.push_back(dateAs(c->format, *d));
        out.push_back(e);
        return;
    }
    case form::FieldType::DateTime: {
        auto dt = form::parseIsoDateTimeJst(value.toString());
        REQUIRE(dt);
        out.push_back({what, {form::formatWarekiDateTime(*dt)}});
        return;
    }
    case form::FieldType::Time: {
        auto t = form::parseTime(value.toString());
        REQUIRE(t);
        out.push_back({what, {form::formatTime(*t)}});
        return;
    }
    case form::FieldType::Enum: out.push_back({what, optionTexts(value.toString())}); return;
    case form::FieldType::Multi: {
        auto list = value.extract<Poco::JSON::Array::Ptr>();
        for (size_t i = 0; i < list->size(); ++i) {
            std::string v = list->getElement<std::string>(i);
            out.push_back({what + "[" + v + "]", optionTexts(v)});
        }
        return;
    }
    case form::FieldType::Table: {
        auto rows = value.extract<Poco::JSON::Array::Ptr>();
        for (size_t i = 0; i < rows->size(); ++i)
            for (const auto& [col, cellValue] : *rows->getObject(static_cast<unsigned>(i))) {
                const form::FieldSpec* colSpec = nullptr;
                for (const auto& c : spec.columns)
                    if (c.key == col) colSpec = &c;
                REQUIRE(colSpec);
                expectValue(sheet, *colSpec, fieldKey, col, cellValue,
                            what + "[" + std::to_string(i) + "]." + col, out);
            }
        return;
    }
    default: break;
    }
    if (spec.isNote) {
        const form::OptionSpec* owner = noteOwner(sheet, spec.key);
        REQUIRE(owner);
        std::string format = owner->noteFormat.empty() ? "({})" : owner->noteFormat;
        format.replace(format.find("{}"), 2, value.toString());
        out.push_back({what, {format}});
        return;
    }
    out.push_back({what, {value.toString()}});  // text, mtext, phone, number
}

std::vector<Expected> expectedTexts(const form::SheetTemplate& sheet, const Poco::JSON::Object::Ptr& fields) {
    std::vector<Expected> out;
    for (const auto& [key, value] : *fields) {
        const form::FieldSpec* f = sheet.field(key);
        INFO("field " << key);
        REQUIRE(f);
        if (!f->printed) continue;
        if (!f->isNote && f->type != form::FieldType::Derived) {
            INFO("a printed field that no cell shows");
            CHECK_FALSE(cellsOf(sheet, key).empty());
        }
        expectValue(sheet, *f, key, "", value, key, out);
    }
    return out;
}

bool containsAny(const std::string& strippedText, const Expected& e) {
    for (const auto& alt : e.anyOf)
        if (strippedText.find(stripSpace(alt)) != std::string::npos) return true;
    return false;
}

std::string joinAlternatives(const Expected& e) {
    std::string s;
    for (const auto& a : e.anyOf) s += (s.empty() ? "" : " | ") + a;
    return s;
}

// ---------------------------------------------------------------------------
// pdffonts: every font must be an embedded subset CID TrueType, Identity-H.

struct FontLine {
    std::string name;  // without the subset prefix
    bool subsetPrefix = false, cidTrueType = false, identityH = false, embedded = false, subset = false,
         unicode = false;
};

std::vector<FontLine> pdfFontList(const std::string& pdf) {
    std::vector<FontLine> out;
    std::istringstream in(testing_support::pdfFonts(pdf));
    std::string line;
    std::getline(in, line);  // header
    std::getline(in, line);  // ----
    static const std::regex row(R"(^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$)");
    while (std::getline(in, line)) {
        std::smatch m;
        FontLine f;
        if (!std::regex_match(line, m, row)) {
            f.name = line;  // a line we cannot read fails every check below
            out.push_back(f);
            continue;
        }
        std::string name = m[1];
        f.subsetPrefix = name.size() > 7 && name[6] == '+' &&
                         std::all_of(name.begin(), name.begin() + 6, [](char c) { return c >= 'A' && c <= 'Z'; });
        f.name = f.subsetPrefix ? name.substr(7) : name;
        f.cidTrueType = m[2] == "CID TrueType";
        f.identityH = m[3] == "Identity-H";
        f.embedded = m[4] == "yes";
        f.subset = m[5] == "yes";
        f.unicode = m[6] == "yes";
        out.push_back(f);
    }
    return out;
}

void checkFontsEmbeddedSubsets(const std::string& pdf, const std::vector<std::string>& mustHave,
                               const std::vector<std::string>& mustNotHave) {
    auto fonts = pdfFontList(pdf);
    INFO(testing_support::pdfFonts(pdf));
    REQUIRE_FALSE(fonts.empty());
    for (const auto& f : fonts) {
        INFO("font " << f.name);
        CHECK(f.subsetPrefix);
        CHECK(f.cidTrueType);
        CHECK(f.identityH);
        CHECK(f.embedded);
        CHECK(f.subset);
        CHECK(f.unicode);
    }
    for (const auto& name : mustHave)
        CHECK(std::any_of(fonts.begin(), fonts.end(), [&](const FontLine& f) { return f.name == name; }));
    for (const auto& name : mustNotHave)
        CHECK_FALSE(std::any_of(fonts.begin(), fonts.end(), [&](const FontLine& f) { return f.name == name; }));
}

// ---------------------------------------------------------------------------
// XLSX: defined names -> cells -> values.

std::string xmlUnescape(std::string s) {
    static const std::pair<const char*, const char*> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#10;", "\n"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities)
        for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + std::strlen(to)))
            s.replace(at, std::strlen(from), to);
    return s;
}

class Workbook {
public:
    explicit Workbook(const std::string& path) : path_(path) {
        std::string workbook = testing_support::zipPart(path, "xl/workbook.xml");
        static const std::regex sheetRe(R"re(<sheet name="([^"]*)")re");
        int index = 1;
        for (std::sregex_iterator it(workbook.begin(), workbook.end(), sheetRe), end; it != end; ++it)
            sheetFiles_[xmlUnescape((*it)[1])] = "xl/worksheets/sheet" + std::to_string(index++) + ".xml";
        static const std::regex nameRe(
            R"re(<definedName name="([^"]+)"[^>]*>'?([^'!<]+)'?!\$([A-Z]+)\$(\d+)[^<]*</definedName>)re");
        for (std::sregex_iterator it(workbook.begin(), workbook.end(), nameRe), end; it != end; ++it)
            names_[(*it)[1]] = {xmlUnescape((*it)[2]), std::string((*it)[3]) + std::string((*it)[4])};
        // Shared strings and cells are cut out with find(): std::regex
        // recurses per character and a 4,000-character cell would strain it.
        std::string sst = testing_support::zipPart(path, "xl/sharedStrings.xml");
        for (size_t at = sst.find("<si>"); at != std::string::npos; at = sst.find("<si>", at)) {
            size_t end = sst.find("</si>", at);
            if (end == std::string::npos) break;
            strings_.push_back(textRuns(sst.substr(at, end - at)));
            at = end;
        }
    }

    bool hasName(const std::string& name) const { return names_.count(name) > 0; }

    // The value of the cell a defined name points to; nullopt when the name
    // or the cell is missing.
    std::optional<std::string> valueOf(const std::string& name) {
        auto n = names_.find(name);
        if (n == names_.end()) return std::nullopt;
        auto file = sheetFiles_.find(n->second.first);
        if (file == sheetFiles_.end()) return std::nullopt;
        std::string& xml = sheets_[file->second];
        if (xml.empty()) xml = testing_support::zipPart(path_, file->second);
        const size_t start = xml.find("<c r=\"" + n->second.second + "\"");
        if (start == std::string::npos) return std::nullopt;
        const size_t tagEnd = xml.find('>', start);
        if (tagEnd == std::string::npos) return std::nullopt;
        if (xml[tagEnd - 1] == '/') return std::string();  // an empty cell
        const std::string attrs = xml.substr(start, tagEnd - start);
        const size_t close = xml.find("</c>", tagEnd);
        if (close == std::string::npos) return std::nullopt;
        const std::string body = xml.substr(tagEnd + 1, close - tagEnd - 1);
        const std::string v = between(body, "<v>", "</v>");
        if (attrs.find("t=\"s\"") != std::string::npos) {
            size_t index = v.empty() ? strings_.size() : std::stoul(v);
            return index < strings_.size() ? std::optional<std::string>(strings_[index]) : std::nullopt;
        }
        if (attrs.find("t=\"inlineStr\"") != std::string::npos) return textRuns(body);
        return xmlUnescape(v);
    }

private:
    static std::string between(const std::string& s, const std::string& open, const std::string& close) {
        size_t a = s.find(open);
        if (a == std::string::npos) return "";
        size_t b = s.find(close, a + open.size());
        return b == std::string::npos ? "" : s.substr(a + open.size(), b - a - open.size());
    }
    // The text of every <t> run in an <si> or <is> element, joined.
    static std::string textRuns(const std::string& xml) {
        std::string text;
        for (size_t at = xml.find("<t"); at != std::string::npos; at = xml.find("<t", at)) {
            size_t open = xml.find('>', at);
            if (open == std::string::npos) break;
            if (xml[at + 2] != '>' && xml[at + 2] != ' ') {  // <tag...> other than <t>
                at = open;
                continue;
            }
            size_t close = xml.find("</t>", open);
            if (close == std::string::npos) break;
            text += xmlUnescape(xml.substr(open + 1, close - open - 1));
            at = close;
        }
        return text;
    }

private:
    std::string path_;
    std::map<std::string, std::string> sheetFiles_;                    // sheet name -> part
    std::map<std::string, std::pair<std::string, std::string>> names_;  // name -> (sheet, A1 ref)
    std::map<std::string, std::string> sheets_;                         // part -> xml (lazy)
    std::vector<std::string> strings_;
};

// ---------------------------------------------------------------------------
// Images: pdftoppm writes binary PGM (P5); references are 8-bit grayscale PNG.

struct GrayImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // row-major, 0 = black, 255 = white
    std::uint8_t at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

GrayImage parsePgm(const std::string& bytes) {
    size_t pos = 0;
    auto token = [&]() {
        while (pos < bytes.size()) {
            if (bytes[pos] == '#') {
                while (pos < bytes.size() && bytes[pos] != '\n') ++pos;
            } else if (std::isspace(static_cast<unsigned char>(bytes[pos]))) {
                ++pos;
            } else {
                break;
            }
        }
        size_t start = pos;
        while (pos < bytes.size() && !std::isspace(static_cast<unsigned char>(bytes[pos]))) ++pos;
        return bytes.substr(start, pos - start);
    };
    if (token() != "P5") throw std::runtime_error("not a binary PGM");
    GrayImage img;
    img.width = std::stoi(token());
    img.height = std::stoi(token());
    if (std::stoi(token()) != 255) throw std::runtime_error("PGM maxval is not 255");
    ++pos;  // the single white space after maxval
    const size_t size = static_cast<size_t>(img.width) * img.height;
    if (bytes.size() < pos + size) throw std::runtime_error("PGM is truncated");
    img.pixels.assign(bytes.begin() + pos, bytes.begin() + pos + size);
    return img;
}

// One page rasterized by pdftoppm with the given options (resolution, -aa ...).
GrayImage rasterize(const std::string& pdf, int page, const std::vector<std::string>& options) {
    const std::string prefix = env().dir.file("raster");
    std::vector<std::string> argv = {"/usr/bin/pdftoppm", "-gray", "-f", std::to_string(page), "-l",
                                     std::to_string(page), "-singlefile"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {pdf, prefix});
    auto r = run(argv);
    if (r.exitCode != 0) throw std::runtime_error("pdftoppm failed: " + r.output);
    return parsePgm(readFile(prefix + ".pgm"));
}

std::uint32_t be32(const std::string& s, size_t at) {
    return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}
void putBe32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

const char kPngSignature[] = "\x89PNG\r\n\x1a\n";

int paeth(int a, int b, int c) {
    int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// 8-bit grayscale PNG, each row with the filter that gives the smallest sum
// of absolute differences (the usual libpng heuristic), deflated at level 9.
// No time or pHYs chunk, so the same image always gives the same file.
std::string encodePng(const GrayImage& img) {
    const size_t w = static_cast<size_t>(img.width);
    std::string raw;
    raw.reserve((w + 1) * img.height);
    std::vector<std::uint8_t> zero(w, 0), best, trial(w);
    for (int y = 0; y < img.height; ++y) {
        const std::uint8_t* line = &img.pixels[y * w];
        const std::uint8_t* prev = y ? &img.pixels[(y - 1) * w] : zero.data();
        long bestCost = -1;
        int bestFilter = 0;
        for (int filter = 0; filter < 5; ++filter) {
            long cost = 0;
            for (size_t x = 0; x < w; ++x) {
                int a = x ? line[x - 1] : 0, b = prev[x], c = x ? prev[x - 1] : 0;
                int predictor = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : paeth(a, b, c);
                trial[x] = static_cast<std::uint8_t>(line[x] - predictor);
                cost += trial[x] < 128 ? trial[x] : 256 - trial[x];
            }
            if (bestCost < 0 || cost < bestCost) {
                bestCost = cost;
                bestFilter = filter;
                best = trial;
            }
        }
        raw += static_cast<char>(bestFilter);
        raw.append(best.begin(), best.end());
    }
    uLongf size = compressBound(raw.size());
    std::string deflated(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(&deflated[0]), &size, reinterpret_cast<const Bytef*>(raw.data()),
                  raw.size(), 9) != Z_OK)
        throw std::runtime_error("zlib compress2 failed");
    deflated.resize(size);

    std::string png(kPngSignature, 8);
    auto chunk = [&](const char* type, const std::string& data) {
        putBe32(png, static_cast<std::uint32_t>(data.size()));
        std::string body = std::string(type, 4) + data;
        png += body;
        putBe32(png, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
    };
    std::string ihdr;
    putBe32(ihdr, img.width);
    putBe32(ihdr, img.height);
    ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8 bits, grayscale, deflate, adaptive filters, no interlace
    chunk("IHDR", ihdr);
    chunk("IDAT", deflated);
    chunk("IEND", "");
    return png;
}

// Reads an 8-bit grayscale, non-interlaced PNG (what encodePng writes).
GrayImage decodePng(const std::string& png) {
    if (png.size() < 8 || png.compare(0, 8, std::string(kPngSignature, 8)) != 0)
        throw std::runtime_error("not a PNG file");
    GrayImage img;
    std::string idat;
    for (size_t at = 8; at + 12 <= png.size();) {
        const std::uint32_t length = be32(png, at);
        const std::string type = png.substr(at + 4, 4);
        if (at + 12 + length > png.size()) throw std::runtime_error("PNG chunk runs past the end");
        const std::string data = png.substr(at + 8, length);
        if (type == "IHDR") {
            img.width = static_cast<int>(be32(data, 0));
            img.height = static_cast<int>(be32(data, 4));
            if (data[8] != 8 || data[9] != 0 || data[12] != 0)
                throw std::runtime_error("reference PNG must be 8-bit grayscale, non-interlaced "
                                         "(write it with RENKEI_UPDATE_GOLDEN=1)");
        } else if (type == "IDAT") {
            idat += data;
        } else if (type == "IEND") {
            break;
        }
        at += 12 + length;
    }
    const size_t w = static_cast<size_t>(img.width);
    std::string raw((w + 1) * img.height, '\0');
    uLongf rawSize = raw.size();
    if (uncompress(reinterpret_cast<Bytef*>(&raw[0]), &rawSize, reinterpret_cast<const Bytef*>(idat.data()),
                   idat.size()) != Z_OK ||
        rawSize != raw.size())
        throw std::runtime_error("PNG image data is damaged");
    img.pixels.resize(w * img.height);
    for (int y = 0; y < img.height; ++y) {
        const int filter = static_cast<std::uint8_t>(raw[y * (w + 1)]);
        const std::uint8_t* in = reinterpret_cast<const std::uint8_t*>(&raw[y * (w + 1) + 1]);
        std::uint8_t* line = &img.pixels[y * w];
        const std::uint8_t* prev = y ? &img.pixels[(y - 1) * w] : nullptr;
        for (size_t x = 0; x < w; ++x) {
            int a = x ? line[x - 1] : 0, b = prev ? prev[x] : 0, c = prev && x ? prev[x - 1] : 0;
            int predictor = 0;
            switch (filter) {
            case 0: predictor = 0; break;
            case 1: predictor = a; break;
            case 2: predictor = b; break;
            case 3: predictor = (a + b) / 2; break;
            case 4: predictor = paeth(a, b, c); break;
            default: throw std::runtime_error("unknown PNG filter " + std::to_string(filter));
            }
            line[x] = static_cast<std::uint8_t>(in[x] + predictor);
        }
    }
    return img;
}

struct ImageDiff {
    long differing = 0;  // pixels with no match within the shift and level tolerance
    double ratio = 0;
    int firstX = -1, firstY = -1;
    GrayImage map;  // black: differing; light gray: off by a little or shifted; white: equal
};

// Compares two rasters of the same size. A pixel counts as differing when no
// pixel within `shiftPx` of the same place in the other image is within
// `levelTolerance` gray levels, looked at both ways (so a rule that is missing
// counts as much as one that was added). The shift allowance absorbs a line or
// glyph landing on the neighbouring pixel row after a sub-pixel change in the
// PDF writer's coordinates; a rule, a box or a line of text that is missing,
// added or moved by more than that still counts in full.
ImageDiff compareImages(const GrayImage& actual, const GrayImage& expected, int levelTolerance, int shiftPx) {
    auto matchedNearby = [&](const GrayImage& img, int x, int y, int value) {
        for (int dy = -shiftPx; dy <= shiftPx; ++dy)
            for (int dx = -shiftPx; dx <= shiftPx; ++dx) {
                int xx = x + dx, yy = y + dy;
                int other = xx < 0 || yy < 0 || xx >= img.width || yy >= img.height ? 255 : img.at(xx, yy);
                if (std::abs(value - other) <= levelTolerance) return true;
            }
        return false;
    };
    ImageDiff d;
    d.map = actual;
    for (int y = 0; y < actual.height; ++y)
        for (int x = 0; x < actual.width; ++x) {
            const int a = actual.at(x, y), e = expected.at(x, y);
            const bool differs = !matchedNearby(expected, x, y, a) || !matchedNearby(actual, x, y, e);
            d.map.pixels[static_cast<size_t>(y) * actual.width + x] = differs ? 0 : a != e ? 200 : 255;
            if (differs && d.differing++ == 0) {
                d.firstX = x;
                d.firstY = y;
            }
        }
    d.ratio = double(d.differing) / (double(actual.width) * actual.height);
    return d;
}

std::string buildDir() { return Poco::Path(RENKEI_BINARY).parent().toString(); }

bool updatingGolden() {
    const char* v = std::getenv("RENKEI_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

// ---------------------------------------------------------------------------
// Layout-model rules for fax legibility (issue 3 item 4).

void checkLayoutLegibility(const layout::Document& doc) {
    const double edge = 5.0;
    for (size_t p = 0; p < doc.pages.size(); ++p) {
        const auto& page = doc.pages[p];
        for (const auto& cell : page.cells) {
            std::string text = cell.text.lines.empty() ? "" : cell.text.lines.front().text;
            INFO(doc.sheetId << " page " << p + 1 << " cell at " << cell.xMm << "," << cell.yMm << " mm: " << text);
            if (!cell.text.empty()) {
                CHECK(cell.text.fontSizePt >= 7.0);
            }
            if (cell.borders.any()) {
                CHECK(cell.borders.widthPt >= 0.5);
            }
            if (!cell.text.empty() || cell.borders.any()) {
                CHECK(cell.xMm >= edge);
                CHECK(cell.yMm >= edge);
                CHECK(cell.xMm + cell.widthMm <= doc.pageWidthMm - edge);
                CHECK(cell.yMm + cell.heightMm <= doc.pageHeightMm - edge);
            }
        }
        for (const auto& rule : page.rules) {
            INFO(doc.sheetId << " page " << p + 1 << " rule at y " << rule.y1Mm << " mm");
            CHECK(rule.widthPt >= 0.5);
        }
    }
}

// Rasterizes every page at a fax resolution without anti-aliasing: only 0
// and 255 may occur, and the 5 mm band along each paper edge stays white.
void checkFaxRaster(const std::string& pdf, int pages, int dpiX, int dpiY) {
    for (int page = 1; page <= pages; ++page) {
        GrayImage img = rasterize(pdf, page,
                                  {"-rx", std::to_string(dpiX), "-ry", std::to_string(dpiY), "-aa", "no", "-aaVector", "no"});
        const int bandX = static_cast<int>(std::floor(5.0 * dpiX / 25.4));
        const int bandY = static_cast<int>(std::floor(5.0 * dpiY / 25.4));
        long gray = 0, inBand = 0;
        int grayX = -1, grayY = -1, bandAtX = -1, bandAtY = -1;
        for (int y = 0; y < img.height; ++y)
            for (int x = 0; x < img.width; ++x) {
                std::uint8_t v = img.at(x, y);
                if (v != 0 && v != 255 && gray++ == 0) {
                    grayX = x;
                    grayY = y;
                }
                bool band = x < bandX || x >= img.width - bandX || y < bandY || y >= img.height - bandY;
                if (band && v != 255 && inBand++ == 0) {
                    bandAtX = x;
                    bandAtY = y;
                }
            }
        INFO(pdf << " page " << page << " at " << dpiX << "x" << dpiY << " dpi (" << img.width << "x" << img.height
                 << " px)");
        // The raster really is at the fax resolution (A4: 1654 px wide; 2339 or 1170 px high).
        CHECK(std::abs(img.width - 210.0 / 25.4 * dpiX) <= 1);
        CHECK(std::abs(img.height - 297.0 / 25.4 * dpiY) <= 1);
        INFO("first gray pixel at (" << grayX << "," << grayY << ") px, " << gray << " in all");
        CHECK(gray == 0);
        INFO("first non-white pixel in the 5 mm band at (" << bandAtX << "," << bandAtY << ") px = ("
                                                            << bandAtX * 25.4 / dpiX << "," << bandAtY * 25.4 / dpiY
                                                            << ") mm, " << inBand << " in all");
        CHECK(inBand == 0);
    }
}

// ---------------------------------------------------------------------------
// Long texts for the 別紙 tests.

std::string longText(size_t codePoints) {
    static const char* const phrases[] = {
        "年目、旭川市内の製材所で「木取り」の仕事を続けた。",
        "年目には町内会の役員（会計）を務め、冬は除雪ボランティアにも参加していた。",
        "年目、妻と家庭菜園を始めてトマトやJAGAIMO-Danshakuを育て、収穫を近所に配った！",
        "年目、脳梗塞を発症し左半身に軽い麻痺が残ったが、毎朝30分の散歩は欠かさない。",
    };
    std::u32string out;
    for (int i = 1; out.size() < codePoints; ++i) out += u32(std::to_string(i) + phrases[i % 4]);
    out.resize(codePoints);
    return utf8(out);
}

// Text (without white space) with the heading of each 別紙 page taken out
// ("入院時情報提供シート　別紙　2/3"), so a text that runs over a page
// break reads as one.
std::string withoutContinuationHeadings(std::string text, const std::string& title) {
    std::string escaped;
    for (char c : stripSpace(title)) {
        if (std::strchr(".^$|()[]{}*+?\\", c)) escaped += '\\';
        escaped += c;
    }
    // The heading, the patient and 記入日 line under it, and a label repeated
    // with (続き) where a text goes on over a page break.
    text = std::regex_replace(text, std::regex(escaped + "別紙[0-9]+/[0-9]+(利用者:.*?様)?(記入日:令和[0-9]+年[0-9]+月[0-9]+日)?"), "");
    return std::regex_replace(text, std::regex("【(?:(?!】).)+】\\(続き\\)"), "");
}

// Pages firstPage..lastPage are 別紙 pages headed "<title>　別紙　n/m".
void checkContinuationHeadings(const std::string& pdf, int firstPage, int lastPage, const std::string& title) {
    const int count = lastPage - firstPage + 1;
    for (int n = 1; n <= count; ++n) {
        std::string text = stripSpace(pdfRawText(pdf, firstPage + n - 1, firstPage + n - 1));
        INFO("page " << firstPage + n - 1 << " should be 別紙 " << n << "/" << count << ":\n" << text.substr(0, 300));
        CHECK(text.rfind(stripSpace(title) + "別紙" + std::to_string(n) + "/" + std::to_string(count), 0) == 0);
    }
}

// For a failure message: where the printed text first departs from the
// submitted one (both without white space).
std::string whereItDeparts(const std::string& printed, const std::string& wanted) {
    const size_t start = printed.find(wanted.substr(0, std::min<size_t>(wanted.size(), 30)));
    if (start == std::string::npos) return "the text's first characters are not printed at all";
    size_t same = 0;
    while (same < wanted.size() && start + same < printed.size() && printed[start + same] == wanted[same]) ++same;
    if (same == wanted.size()) return "printed in full";
    const size_t back = std::min<size_t>(same, 60);
    return "printed and submitted text agree for " + std::to_string(same) + " of " + std::to_string(wanted.size()) +
           " bytes; around there the PDF has:\n  ..." + printed.substr(start + same - back, back) + "|" +
           printed.substr(start + same, 90) + "\n  submitted:\n  ..." + wanted.substr(same - back, back) + "|" +
           wanted.substr(same, 90);
}

const char* const kLongName = "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら小路の藪柑子パイポパイポパイポのシューリ";

}  // namespace

// ===========================================================================

TEST_CASE("Every sample sheet renders to a PDF with its page count, every submitted value and embedded subset fonts",
          "[golden]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const Rendered& r = sampleRender(sheetCase.id);
            CHECK(r.pdf.pageCount == sheetCase.pages);
            CHECK(testing_support::pdfPageCount(r.pdfPath) == sheetCase.pages);
            CHECK(r.pdf.warnings.empty());

            const std::string text = stripSpace(pdfRawText(r.pdfPath));
            auto expected = expectedTexts(env().sheet(sheetCase.id), sampleFields(sheetCase.id));
            CHECK(expected.size() > 10);
            for (const auto& e : expected) {
                INFO(e.what << " should print as " << joinAlternatives(e));
                CHECK(containsAny(text, e));
            }
            // The fallback font is loaded only when a document needs it.
            checkFontsEmbeddedSubsets(r.pdfPath, {"IPAexGothic"}, {"IPAmjMincho"});
        }
    }
}

TEST_CASE("Every sample sheet renders to an XLSX whose defined names point at cells holding the values", "[golden]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const Rendered& r = sampleRender(sheetCase.id);
            CHECK(r.xlsx.bytes.rfind("PK", 0) == 0);
            Workbook book(r.xlsxPath);
            const form::SheetTemplate& sheet = env().sheet(sheetCase.id);
            int checked = 0;
            const auto fields = sampleFields(sheetCase.id);
            for (const auto& [key, value] : *fields) {
                const form::FieldSpec* f = sheet.field(key);
                REQUIRE(f);
                if (!f->printed || f->isNote || f->type == form::FieldType::Bool ||
                    f->type == form::FieldType::Table)
                    continue;
                const auto cells = cellsOf(sheet, key);
                if (cells.empty() || cells.front()->format == "check") continue;  // a single box of a multi
                INFO("field " << key);
                if ((f->type == form::FieldType::Enum || f->type == form::FieldType::Multi) &&
                    book.hasName(form::boxEntryName(*cells.front(), key, f->options.front().value))) {
                    // A row of boxes: a ■/□ cell per option (issue 17); a row
                    // with too many options for its range is one answer cell.
                    std::set<std::string> chosen;
                    if (f->type == form::FieldType::Multi) {
                        auto list = value.extract<Poco::JSON::Array::Ptr>();
                        for (size_t i = 0; i < list->size(); ++i) chosen.insert(list->getElement<std::string>(i));
                    } else {
                        chosen.insert(value.toString());
                    }
                    for (const auto& o : f->options) {
                        const std::string box = form::boxEntryName(*cells.front(), key, o.value);
                        INFO("box " << box);
                        REQUIRE(book.hasName(box));
                        CHECK(book.valueOf(box).value_or("") == (chosen.count(o.value) ? "■" : "□"));
                    }
                    ++checked;
                    continue;
                }
                REQUIRE(book.hasName(key));
                auto cellValue = book.valueOf(key);
                REQUIRE(cellValue);
                if (f->type == form::FieldType::Date || f->type == form::FieldType::DateTime ||
                    f->type == form::FieldType::Time) {
                    // A real date: a serial the 和暦 number format shows (issue 17).
                    INFO("cell holds: " << *cellValue);
                    CHECK(std::strtod(cellValue->c_str(), nullptr) > 0);
                    ++checked;
                    continue;
                }
                std::vector<Expected> expected;
                expectValue(sheet, *f, key, "", value, key, expected);
                for (auto e : expected) {
                    // The workbook holds labels, not check boxes.
                    for (auto& alt : e.anyOf)
                        if (alt.rfind("■", 0) == 0) alt.erase(0, std::string("■").size());
                    INFO("cell holds: " << *cellValue << "\nexpected: " << joinAlternatives(e));
                    CHECK(containsAny(stripSpace(*cellValue), e));
                }
                ++checked;
            }
            CHECK(checked >= 8);
        }
    }
}

TEST_CASE("Every page of every sample sheet matches its reference image within the pixel tolerance", "[golden]") {
    // At 50 dpi a 0.5 pt rule is a solid one-pixel line (poppler's stroke
    // adjustment). Measured on admission-info page 1: a missing full-width
    // rule differs in 349 pixels, a missing two-line text box in 1,542, a
    // whole page moved by one pixel in 0; so 0.05% (121 of 242,190 pixels)
    // catches lost or moved rules and blocks while ignoring sub-pixel noise.
    // Single characters are left to the pdftotext checks.
    const int levelTolerance = 64;
    const int shiftPx = 1;
    const double ratioTolerance = 0.0005;
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const Rendered& r = sampleRender(sheetCase.id);
            const std::string goldenDir = sourcePath("tests/golden/" + sheetCase.id);
            const std::string actualDir = buildDir() + "golden-actual/" + sheetCase.id;
            if (!updatingGolden() && !Poco::File(goldenDir + "/page-1.png").exists())
                FAIL("sheet " << sheetCase.id << " has no reference images in " << goldenDir
                              << ". Make them with\n  RENKEI_UPDATE_GOLDEN=1 build/tests/golden_tests \"Every page of every "
                                 "sample sheet matches its reference image within the pixel tolerance\"\nthen look at "
                                 "every page and say what you checked in "
                              << goldenDir << "/NOTES.md (tests/golden/README.md).");
            for (int page = 1; page <= sheetCase.pages; ++page) {
                const std::string name = "page-" + std::to_string(page) + ".png";
                GrayImage actual = rasterize(r.pdfPath, page, {"-r", "50"});
                if (updatingGolden()) {
                    Poco::File(goldenDir).createDirectories();
                    writeFile(goldenDir + "/" + name, encodePng(actual));
                    WARN("wrote " << goldenDir << "/" << name << ": look at it before committing");
                    continue;
                }
                INFO("reference " << goldenDir << "/" << name);
                REQUIRE(Poco::File(goldenDir + "/" + name).exists());
                GrayImage expected = decodePng(readFile(goldenDir + "/" + name));
                bool sameSize = actual.width == expected.width && actual.height == expected.height;
                ImageDiff diff;
                if (sameSize) diff = compareImages(actual, expected, levelTolerance, shiftPx);
                const std::string actualPath = actualDir + "/" + name;
                const std::string diffPath = actualDir + "/page-" + std::to_string(page) + "-diff.png";
                for (const auto& stale : {actualPath, diffPath})
                    if (Poco::File(stale).exists()) Poco::File(stale).remove();
                if (!sameSize || diff.ratio > ratioTolerance) {
                    Poco::File(actualDir).createDirectories();
                    writeFile(actualPath, encodePng(actual));
                    if (sameSize) writeFile(diffPath, encodePng(diff.map));
                }
                INFO("actual " << actual.width << "x" << actual.height << ", reference " << expected.width << "x"
                               << expected.height);
                REQUIRE(sameSize);
                INFO(diff.differing << " pixels (" << diff.ratio * 100 << "%) differ by more than " << levelTolerance
                                    << " levels from every pixel within " << shiftPx << " px; first at (" << diff.firstX << "," << diff.firstY << ") px = ("
                                    << diff.firstX * 25.4 / 50 << "," << diff.firstY * 25.4 / 50 << ") mm");
                INFO("actual image left at " << actualPath << ", difference map at " << diffPath);
                CHECK(diff.ratio <= ratioTolerance);
            }
            // No reference for a page the sheet no longer has.
            const std::string extra = goldenDir + "/page-" + std::to_string(sheetCase.pages + 1) + ".png";
            if (updatingGolden())
                for (int page = sheetCase.pages + 1; Poco::File(goldenDir + "/page-" + std::to_string(page) + ".png").exists(); ++page)
                    Poco::File(goldenDir + "/page-" + std::to_string(page) + ".png").remove();
            CHECK_FALSE(Poco::File(extra).exists());
        }
    }
}

TEST_CASE("Every folder of reference images belongs to a sheet in templates/", "[golden]") {
    std::vector<std::string> ids;
    for (const auto& sheetCase : sheets()) ids.push_back(sheetCase.id);
    CHECK(ids.size() >= 5);
    for (Poco::DirectoryIterator it(sourcePath("tests/golden")), end; it != end; ++it) {
        if (!it->isDirectory()) continue;
        INFO("tests/golden/" << it.name() << " holds reference images of a sheet that templates/ does not have");
        CHECK(std::count(ids.begin(), ids.end(), it.name()) == 1);
    }
}

TEST_CASE("Every sheet rasterized at fax resolutions is black on white only with a clear 5 mm edge", "[golden][fax]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const Rendered& r = sampleRender(sheetCase.id);
            checkFaxRaster(r.pdfPath, sheetCase.pages, 200, 200);
            checkFaxRaster(r.pdfPath, sheetCase.pages, 200, 100);
        }
    }
    SECTION("the check is not blind: an anti-aliased raster of the same page does show gray") {
        GrayImage smooth = rasterize(sampleRender("admission-info").pdfPath, 1, {"-r", "200"});
        CHECK(std::count_if(smooth.pixels.begin(), smooth.pixels.end(), [](std::uint8_t v) { return v != 0 && v != 255; }) >
              1000);
    }
    SECTION("continuation pages of an overflowing admission sheet") {
        auto fields = sampleFields("admission-info");
        fields->set("life_history", longText(2000));
        form::FormData data = validated("admission-info", fields);
        auto pdf = renderOrFail("admission-info", data, app::Format::Pdf);
        std::string path = writeOutput("fax-long.pdf", pdf.bytes);
        REQUIRE(pdf.pageCount > 2);
        checkFaxRaster(path, pdf.pageCount, 200, 200);
        checkFaxRaster(path, pdf.pageCount, 200, 100);
    }
}

TEST_CASE("No text on any sheet is under 7 pt, no rule is under 0.5 pt and nothing is within 5 mm of the edge",
          "[golden][fax]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            form::FormData data = validated(sheetCase.id, sampleFields(sheetCase.id));
            layout::Document doc = env().service->layout(env().sheet(sheetCase.id), data, jobOptions());
            CHECK(static_cast<int>(doc.pages.size()) == sheetCase.pages);
            checkLayoutLegibility(doc);
        }
    }
    SECTION("an admission sheet whose texts overflow to continuation pages") {
        auto fields = sampleFields("admission-info");
        fields->set("life_history", longText(2000));
        fields->set("pt_name", std::string(kLongName));
        for (const char* key : {"interests", "wish_self", "wish_family", "home_requirements", "outlook_note", "med_note"})
            fields->set(key, longText(300));
        form::FormData data = validated("admission-info", fields);
        layout::Document doc = env().service->layout(env().sheet("admission-info"), data, jobOptions());
        CHECK(doc.pages.size() > 2);
        checkLayoutLegibility(doc);
    }
}

TEST_CASE("A 2,000-character life history and a 60-character name print in full, the rest on 別紙 pages", "[golden][fit]") {
    const std::string history = longText(2000);
    REQUIRE(u32(history).size() == 2000);
    REQUIRE(u32(kLongName).size() == 60);
    auto fields = sampleFields("admission-info");
    fields->set("life_history", history);
    fields->set("pt_name", std::string(kLongName));
    form::FormData data = validated("admission-info", fields);
    auto pdf = renderOrFail("admission-info", data, app::Format::Pdf);
    const std::string path = writeOutput("long-text.pdf", pdf.bytes);

    const int pages = testing_support::pdfPageCount(path);
    CHECK(pages == pdf.pageCount);
    REQUIRE(pages > 2);
    const int continuationPages = pages - 2;

    // The boxes point to the attachment.
    CHECK(stripSpace(pdfRawText(path, 1, 1)).find("別紙参照") != std::string::npos);

    // Each continuation page is headed with the sheet title and n/m.
    const form::SheetTemplate& sheet = env().sheet("admission-info");
    CHECK(continuationPages >= 1);
    checkContinuationHeadings(path, 3, pages, sheet.title);

    // The whole text, under its field label, on the continuation pages.
    const std::string continuation = withoutContinuationHeadings(stripSpace(pdfRawText(path, 3, pages)), sheet.title);
    CHECK(continuation.find(stripSpace(sheet.field("life_history")->label)) != std::string::npos);
    {
        INFO(whereItDeparts(continuation, stripSpace(history)));
        CHECK(continuation.find(stripSpace(history)) != std::string::npos);
    }

    // The name shows in full, in its box or on the continuation page.
    const std::string all = stripSpace(pdfRawText(path));
    CHECK(all.find(stripSpace(kLongName)) != std::string::npos);
}

TEST_CASE("Variant kanji, half-width kana, full-width digits and circled numbers print as written", "[golden][glyphs]") {
    const std::string name = "髙﨑 𠮷子ｱｻﾋ１２３①②";
    auto fields = sampleFields("admission-info");
    fields->set("pt_name", name);
    form::FormData data = validated("admission-info", fields);
    auto pdf = renderOrFail("admission-info", data, app::Format::Pdf);
    const std::string path = writeOutput("rare-glyphs.pdf", pdf.bytes);
    CHECK(pdf.warnings.empty());

    const std::string text = pdfRawText(path);
    for (const char* piece : {"髙", "﨑", "\U00020BB7", "ｱｻﾋ", "１２３", "①②"}) {
        INFO("looking for " << piece);
        CHECK(text.find(piece) != std::string::npos);
    }
    CHECK(stripSpace(text).find(stripSpace(name)) != std::string::npos);
    CHECK(text.find("〓") == std::string::npos);
    // 𠮷 is not in IPAex Gothic: it comes from the IPAmj Mincho subset.
    checkFontsEmbeddedSubsets(path, {"IPAexGothic", "IPAmjMincho"}, {});
}

TEST_CASE("A character no font has prints as 〓 and is reported as glyph_substituted", "[golden][glyphs]") {
    auto fields = sampleFields("admission-info");
    fields->set("home_special_note", std::string("段差あり😀注意"));
    form::FormData data = validated("admission-info", fields);
    auto pdf = renderOrFail("admission-info", data, app::Format::Pdf);
    const std::string path = writeOutput("emoji.pdf", pdf.bytes);

    std::string warnings;
    for (const auto& w : pdf.warnings) warnings += w + "\n";
    INFO("warnings:\n" << warnings);
    CHECK(warnings.find("glyph_substituted") != std::string::npos);
    CHECK(warnings.find("home_special_note") != std::string::npos);
    CHECK(warnings.find("U+1F600") != std::string::npos);
    const std::string text = stripSpace(pdfRawText(path));
    CHECK(text.find("段差あり〓注意") != std::string::npos);
    CHECK(text.find("😀") == std::string::npos);
}

TEST_CASE("Rendering the same job twice gives the same PDF and XLSX bytes", "[golden][repeatable]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const Rendered& first = sampleRender(sheetCase.id);
            form::FormData data = validated(sheetCase.id, sampleFields(sheetCase.id));
            auto pdf = renderOrFail(sheetCase.id, data, app::Format::Pdf);
            auto xlsx = renderOrFail(sheetCase.id, data, app::Format::Xlsx);
            CHECK(pdf.bytes.size() == first.pdf.bytes.size());
            CHECK(pdf.bytes == first.pdf.bytes);
            CHECK(xlsx.bytes.size() == first.xlsx.bytes.size());
            CHECK(xlsx.bytes == first.xlsx.bytes);
        }
    }
    SECTION("a fresh service that loads the fallback font gives the same bytes as a warm one") {
        auto fields = sampleFields("admission-info");
        fields->set("pt_name", std::string("髙﨑 𠮷子"));
        form::FormData data = validated("admission-info", fields);
        auto warm = renderOrFail("admission-info", data, app::Format::Pdf);
        config::Settings defaults;
        auto fonts = render::FontMetrics::open(defaults.primaryFont, defaults.fallbackFont).value();
        app::DocumentService fresh(env().templates, fonts, render::XlsxOptions());
        auto cold = fresh.render(env().sheet("admission-info"), data, app::Format::Pdf, kDocumentId, kCreatedIso);
        REQUIRE(cold);
        CHECK(cold.value().bytes == warm.bytes);
    }
}

TEST_CASE("A masked fax rendering withholds the name, kana, birth date and street address", "[golden][mask]") {
    struct Mode {
        layout::MaskMode mode;
        const char* name;
    };
    for (const std::string sheetId : {"admission-info", "physician-contact"}) {
        for (const Mode m : {Mode{layout::MaskMode::Initials, "initials"}, Mode{layout::MaskMode::Partial, "partial"}}) {
            DYNAMIC_SECTION(sheetId << " " << m.name) {
                const form::SheetTemplate& sheet = env().sheet(sheetId);
                auto fields = sampleFields(sheetId);
                form::FormData data = validated(sheetId, fields);
                layout::Document doc = env().service->layout(sheet, data, jobOptions(m.mode));
                auto pdf = renderLayoutOrFail(doc);
                const std::string path = writeOutput(sheetId + "-" + m.name + ".pdf", pdf.bytes);
                const std::string text = stripSpace(pdfRawText(path));

                // Every masked cell's own value is gone from the fax.
                int maskedCells = 0;
                for (size_t p = 0; p < sheet.pages.size(); ++p)
                    for (const auto& cs : sheet.pages[p].cells) {
                        if (!cs.hasMask || !fields->has(cs.field)) continue;
                        ++maskedCells;
                        const form::FieldSpec* f = sheet.field(cs.field);
                        std::vector<Expected> forms;
                        expectValue(sheet, *f, cs.field, "", fields->get(cs.field), cs.field, forms);
                        for (const auto& e : forms)
                            for (const auto& alt : e.anyOf) {
                                INFO(cs.field << " must not print on a masked fax, but " << alt << " does");
                                CHECK(text.find(stripSpace(alt)) == std::string::npos);
                            }
                    }
                CHECK(maskedCells >= 3);

                const std::string ptName = fields->getValue<std::string>("pt_name");
                const std::string ptKana = fields->getValue<std::string>("pt_kana");
                CHECK(text.find(stripSpace(ptName)) == std::string::npos);
                CHECK(text.find(stripSpace(ptKana)) == std::string::npos);
                auto birth = *form::parseIsoDate(fields->getValue<std::string>("pt_birth_date"));
                CHECK(text.find(form::formatWareki(birth)) == std::string::npos);
                CHECK(text.find(form::formatWarekiShort(birth)) == std::string::npos);
                // Age stays (rules.md §4.1: "age only").
                auto asOf = *form::parseIsoDate(fields->getValue<std::string>("doc_date"));
                CHECK(text.find(std::to_string(form::ageOn(birth, asOf)) + "歳") != std::string::npos);

                const std::string stand = m.mode == layout::MaskMode::Initials ? kanaInitials(ptKana) : partialMask(ptName);
                INFO("the name should print as " << stand);
                CHECK(text.find(stand) != std::string::npos);

                if (fields->has("pt_address")) {
                    const std::string address = fields->getValue<std::string>("pt_address");
                    const std::string city = municipalityOf(address);
                    REQUIRE_FALSE(city.empty());
                    const std::string street = address.substr(address.find(city) + city.size());
                    INFO("address " << address << ": municipality " << city << ", street " << street);
                    CHECK(text.find(stripSpace(street)) == std::string::npos);
                    // The address box holds the municipality alone.
                    bool found = false;
                    for (size_t p = 0; p < sheet.pages.size(); ++p)
                        for (const auto& cs : sheet.pages[p].cells) {
                            if (cs.field != "pt_address") continue;
                            for (const auto& cell : doc.pages[p].cells)
                                if (cell.row == cs.row && cell.col == cs.col) {
                                    std::string shown;
                                    for (const auto& line : cell.text.lines) shown += line.text;
                                    CHECK(stripSpace(shown) == city);
                                    found = true;
                                }
                        }
                    CHECK(found);
                }
            }
        }
    }
}

TEST_CASE("The reply half below the cut line never carries the patient's name, even unmasked", "[golden][mask]") {
    // Every sheet with a cut line: a dashed horizontal rule (sheets 3 and 4).
    std::vector<std::string> withCutLine;
    for (const auto& sheetCase : sheets())
        for (const auto& page : env().sheet(sheetCase.id).pages)
            for (const auto& rule : page.rules)
                if (rule.dashed && std::abs(rule.y1Mm - rule.y2Mm) < 0.01 &&
                    std::count(withCutLine.begin(), withCutLine.end(), sheetCase.id) == 0)
                    withCutLine.push_back(sheetCase.id);
    CHECK(withCutLine.size() >= 2);
    for (const std::string& sheetId : withCutLine) {
        DYNAMIC_SECTION(sheetId) {
            const form::SheetTemplate& sheet = env().sheet(sheetId);
            auto fields = sampleFields(sheetId);
            form::FormData data = validated(sheetId, fields);
            layout::Document doc = env().service->layout(sheet, data, jobOptions());
            REQUIRE_FALSE(doc.pages.empty());
            double cutMm = -1;
            for (const auto& rule : doc.pages[0].rules)
                if (rule.dashed && std::abs(rule.y1Mm - rule.y2Mm) < 0.01) cutMm = rule.y1Mm;
            REQUIRE(cutMm > 0);
            const Rendered& r = sampleRender(sheetId);
            const std::string ptName = stripSpace(fields->getValue<std::string>("pt_name"));
            const std::string ptKana = fields->getValue<std::string>("pt_kana");

            // By position, not by the order of the text in the content stream
            // (the writer may draw all labels before all values).
            const std::string below = stripSpace(pdfTextBetween(r.pdfPath, 1, cutMm, doc.pageHeightMm));
            const std::string above = stripSpace(pdfTextBetween(r.pdfPath, 1, 0, cutMm));
            INFO("cut line at " << cutMm << " mm\nreply half:\n" << below);
            CHECK(above.find(ptName) != std::string::npos);  // unmasked upper half
            // It carries the initials and the reply reference (R + 10 hex digits of the job id) ...
            std::string replyRef = "R" + std::string(kDocumentId).substr(0, 10);
            std::transform(replyRef.begin(), replyRef.end(), replyRef.begin(), ::toupper);
            CHECK(below.find(kanaInitials(ptKana)) != std::string::npos);
            CHECK(below.find(replyRef) != std::string::npos);
            // ... and nothing that names the patient.
            CHECK(below.find(ptName) == std::string::npos);
            CHECK(below.find(stripSpace(ptKana)) == std::string::npos);
            auto birth = *form::parseIsoDate(fields->getValue<std::string>("pt_birth_date"));
            CHECK(below.find(form::formatWareki(birth)) == std::string::npos);
        }
    }
}

TEST_CASE("Every text field of every sheet filled to its hard cap prints in full", "[golden][fit]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const form::SheetTemplate& sheet = env().sheet(sheetCase.id);
            auto fields = sampleFields(sheetCase.id);
            std::map<std::string, std::string> filled;
            int n = 0;
            auto fill = [&](const form::FieldSpec& f) {
                // A text that names its field, so a lost or swapped one is spotted.
                std::u32string text;
                if (f.charset == "digits") {
                    for (int i = 0; static_cast<int>(text.size()) < f.maxLength; ++i) text += U'0' + char32_t((n + i) % 10);
                } else if (f.charset == "katakana") {
                    static const std::u32string kana = U"アイウエオカキクケコサシスセソタチツテトナニヌネノ";
                    for (int i = 0; static_cast<int>(text.size()) < f.maxLength; ++i) text += kana[(n + i) % kana.size()];
                } else {
                    text = u32("〈" + f.key + "〉") + u32(longText(static_cast<size_t>(f.maxLength)));
                    text.resize(static_cast<size_t>(f.maxLength));
                }
                ++n;
                return utf8(text);
            };
            for (const auto& f : sheet.fields) {
                if (!f.printed || (f.type != form::FieldType::Text && f.type != form::FieldType::MText)) continue;
                if (f.isNote && !fields->has(f.key)) continue;  // a note needs its option chosen
                std::string text = fill(f);
                fields->set(f.key, text);
                filled[f.key] = text;
            }
            form::FormData data = validated(sheetCase.id, fields);
            auto pdf = renderOrFail(sheetCase.id, data, app::Format::Pdf);
            const std::string path = writeOutput(sheetCase.id + "-capped.pdf", pdf.bytes);
            CHECK(testing_support::pdfPageCount(path) == pdf.pageCount);
            REQUIRE(pdf.pageCount > sheetCase.pages);
            checkContinuationHeadings(path, sheetCase.pages + 1, pdf.pageCount, sheet.title);
            CHECK(stripSpace(pdfRawText(path, 1, sheetCase.pages)).find("別紙参照") != std::string::npos);
            const std::string text = withoutContinuationHeadings(stripSpace(pdfRawText(path)), sheet.title);
            for (const auto& [key, value] : filled) {
                INFO(key << " (" << u32(value).size() << " characters) should print in full");
                INFO(whereItDeparts(text, stripSpace(value)));
                CHECK(text.find(stripSpace(value)) != std::string::npos);
            }
            layout::Document doc = env().service->layout(sheet, data, jobOptions());
            checkLayoutLegibility(doc);

            // The workbook holds the whole text too: in the cell, or, when the
            // cell shows 別紙参照, in the hidden cell <name>._cont (issue 17).
            auto xlsx = renderOrFail(sheetCase.id, data, app::Format::Xlsx);
            Workbook book(writeOutput(sheetCase.id + "-capped.xlsx", xlsx.bytes));
            for (const auto& [key, value] : filled) {
                if (!book.hasName(key)) continue;  // notes live in their owner's cell
                auto cell = book.valueOf(key);
                if (cell && *cell == "別紙参照") {
                    REQUIRE(book.hasName(key + "._cont"));
                    cell = book.valueOf(key + "._cont");
                }
                INFO(key << " in the workbook");
                REQUIRE(cell);
                CHECK(stripSpace(*cell).find(stripSpace(value)) != std::string::npos);
            }
        }
    }
}

TEST_CASE("Every option of every multi field chosen at once prints as checked", "[golden][options]") {
    for (const auto& sheetCase : sheets()) {
        DYNAMIC_SECTION(sheetCase.id) {
            const form::SheetTemplate& sheet = env().sheet(sheetCase.id);
            auto fields = sampleFields(sheetCase.id);
            std::vector<std::string> chosenMulti;
            for (const auto& f : sheet.fields) {
                if (f.type != form::FieldType::Multi || !f.printed) continue;
                Poco::JSON::Array::Ptr all = new Poco::JSON::Array;
                for (const auto& o : f.options) {
                    if (o.value == f.exclusive || !o.onlyWhen.empty()) continue;
                    all->add(o.value);
                    if (o.noteKey.empty()) continue;
                    const form::FieldSpec* note = sheet.field(o.noteKey);
                    REQUIRE(note);
                    if (note->type == form::FieldType::Number) fields->set(o.noteKey, note->min.value_or(1));
                    else fields->set(o.noteKey, std::string("注記") + std::to_string(all->size()));
                }
                fields->set(f.key, all);
                chosenMulti.push_back(f.key);
            }
            if (chosenMulti.empty()) continue;
            form::FormData data = validated(sheetCase.id, fields);
            auto pdf = renderOrFail(sheetCase.id, data, app::Format::Pdf);
            const std::string path = writeOutput(sheetCase.id + "-all-options.pdf", pdf.bytes);
            const std::string text = withoutContinuationHeadings(stripSpace(pdfRawText(path)), sheet.title);
            std::vector<Expected> expected;
            for (const auto& key : chosenMulti) expectValue(sheet, *sheet.field(key), key, "", fields->get(key), key, expected);
            for (const auto& e : expected) {
                INFO(e.what << " should print as " << joinAlternatives(e));
                CHECK(containsAny(text, e));
            }
            layout::Document doc = env().service->layout(sheet, data, jobOptions());
            checkLayoutLegibility(doc);
        }
    }
}
