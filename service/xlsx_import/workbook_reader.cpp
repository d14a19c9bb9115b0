#include "xlsx_import/workbook_reader.h"

#include <Poco/Exception.h>
#include <Poco/MemoryStream.h>
#include <Poco/SAX/Attributes.h>
#include <Poco/SAX/DefaultHandler.h>
#include <Poco/SAX/LexicalHandler.h>
#include <Poco/SAX/SAXParser.h>
#include <Poco/SAX/XMLReader.h>
#include <Poco/Zip/SkipCallback.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipLocalFileHeader.h>
#include <Poco/Zip/ZipStream.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace xlsx_import {
namespace {

using common::FieldError;
using common::Result;
using common::Status;
using Poco::XML::XMLString;

// A refusal on the way through the package; caught once in readWorkbook.
class Refused : public std::runtime_error {
public:
    Refused(std::string code, const std::string& message)
        : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const { return code_; }

private:
    std::string code_;
};

constexpr int kMaxColumns = 16384;
constexpr int kMaxRows = 1048576;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// ---- Zip -------------------------------------------------------------------

// Counts the entries while Poco walks the local headers, so a package of a
// million empty entries stops at the limit instead of listing them all.
class CountingSkip : public Poco::Zip::SkipCallback {
public:
    explicit CountingSkip(size_t maxParts) : maxParts_(maxParts) {}
    bool handleZipEntry(std::istream& zip, const Poco::Zip::ZipLocalFileHeader& header) override {
        if (++count_ > maxParts_)
            throw Refused("too_many_parts", "ブックの部品が多すぎます(" + std::to_string(maxParts_) + "個まで)");
        return SkipCallback::handleZipEntry(zip, header);
    }

private:
    size_t maxParts_;
    size_t count_ = 0;
};

class Package {
public:
    Package(const std::string& bytes, const ReadLimits& limits)
        : in_(bytes.data(), bytes.size()), limits_(limits), archive_(open(in_, limits)) {}

    bool has(const std::string& name) const { return find(name) != nullptr; }

    // The inflated part, or "" when there is none. Stops as soon as the part
    // or the whole read passes its limit.
    std::string read(const std::string& name) {
        const Poco::Zip::ZipLocalFileHeader* h = find(name);
        if (!h) return std::string();
        if (h->isEncrypted())
            throw Refused("unsupported_compression", "暗号化されたブックは読み込めません(" + name + ")");
        const auto method = h->getCompressionMethod();
        if (method != Poco::Zip::ZipCommon::CM_DEFLATE && method != Poco::Zip::ZipCommon::CM_STORE)
            throw Refused("unsupported_compression", "対応していない圧縮方式です(" + name + ")");
        const std::string tooLarge = "ブックの部品が大きすぎます(" + name + ")";
        if (h->getCompressedSize() > limits_.maxPartCompressedBytes) throw Refused("part_too_large", tooLarge);
        if (!h->searchCRCAndSizesAfterData() && h->getUncompressedSize() > limits_.maxPartBytes)
            throw Refused("part_too_large", tooLarge);
        if (!h->searchCRCAndSizesAfterData() && !h->hasData()) return std::string();
        in_.clear();  // ZipArchive leaves the stream failed at its end
        Poco::Zip::ZipInputStream zin(in_, *h, true);
        std::string out;
        char buf[16384];
        for (;;) {
            zin.read(buf, sizeof buf);
            const std::streamsize n = zin.gcount();
            if (n > 0) {
                const auto got = static_cast<std::uint64_t>(n);
                if (out.size() + got > limits_.maxPartBytes) throw Refused("part_too_large", tooLarge);
                totalBytes_ += got;
                if (totalBytes_ > limits_.maxTotalBytes)
                    throw Refused("part_too_large", "ブックが展開すると大きすぎます");
                out.append(buf, static_cast<size_t>(n));
            }
            if (!zin) break;
        }
        return out;
    }

private:
    static Poco::Zip::ZipArchive open(std::istream& in, const ReadLimits& limits) {
        CountingSkip counter(limits.maxParts);
        return Poco::Zip::ZipArchive(in, counter);
    }

    // OPC part names compare without case (ECMA-376 part 2, 9.1.1.1.2).
    const Poco::Zip::ZipLocalFileHeader* find(const std::string& name) const {
        auto it = archive_.findHeader(name);
        if (it != archive_.headerEnd()) return &it->second;
        const std::string want = lower(name);
        for (auto h = archive_.headerBegin(); h != archive_.headerEnd(); ++h)
            if (lower(h->first) == want) return &h->second;
        return nullptr;
    }

    Poco::MemoryInputStream in_;
    const ReadLimits& limits_;
    Poco::Zip::ZipArchive archive_;
    std::uint64_t totalBytes_ = 0;
};

// ---- XML -------------------------------------------------------------------

// Every part handler refuses a DTD: no entity of any kind, internal or
// external, is ever expanded.
class Handler : public Poco::XML::DefaultHandler, public Poco::XML::LexicalHandler {
public:
    void startDTD(const XMLString&, const XMLString&, const XMLString&) override { refuseDtd(); }
    void endDTD() override {}
    void startEntity(const XMLString&) override { refuseDtd(); }
    void endEntity(const XMLString&) override {}
    void startCDATA() override {}
    void endCDATA() override {}
    void comment(const Poco::XML::XMLChar[], int, int) override {}

    static void refuseDtd() { throw Refused("broken_part", "ブックにDTDまたは実体宣言があります"); }
};

std::string attr(const Poco::XML::Attributes& a, const char* localName) {
    for (int i = 0; i < a.getLength(); ++i)
        if (a.getLocalName(i) == localName) return a.getValue(i);
    return std::string();
}

bool hasAttr(const Poco::XML::Attributes& a, const char* localName) {
    for (int i = 0; i < a.getLength(); ++i)
        if (a.getLocalName(i) == localName) return true;
    return false;
}

void parseXml(const std::string& xml, Handler& handler, const std::string& part) {
    // Checked on the bytes as well as by the handler: a DOCTYPE never reaches
    // the parser. Parts must be UTF-8 (as Excel and LibreOffice write them),
    // so the byte check cannot be dodged with UTF-16.
    if (xml.find("<!DOCTYPE") != std::string::npos || xml.find("<!ENTITY") != std::string::npos)
        Handler::refuseDtd();
    if (xml.size() >= 2 && (xml[0] == '\0' || xml[1] == '\0' || static_cast<unsigned char>(xml[0]) == 0xFE ||
                            static_cast<unsigned char>(xml[0]) == 0xFF))
        throw Refused("broken_part", "ブックの部品がUTF-8ではありません(" + part + ")");
    Poco::XML::SAXParser parser;
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
    parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
    parser.setContentHandler(&handler);
    parser.setProperty(Poco::XML::XMLReader::PROPERTY_LEXICAL_HANDLER,
                       static_cast<Poco::XML::LexicalHandler*>(&handler));
    try {
        parser.parseMemoryNP(xml.data(), xml.size());
    } catch (const Refused&) {
        throw;
    } catch (const Poco::Exception&) {
        throw Refused("broken_part", "ブックの部品が壊れています(" + part + ")");
    }
}

// OOXML writes characters XML cannot carry as _xHHHH_ (ECMA-376 part 1,
// 22.9.2.19); a literal "_x" is itself escaped as _x005F_.
std::string unescapeOoxml(const std::string& s) {
    if (s.find("_x") == std::string::npos) return s;
    std::string out;
    for (size_t i = 0; i < s.size();) {
        if (s.compare(i, 2, "_x") == 0 && i + 7 <= s.size() && s[i + 6] == '_') {
            unsigned cp = 0;
            auto [p, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 6, cp, 16);
            if (ec == std::errc() && p == s.data() + i + 6) {
                if (cp < 0x80) {
                    out += static_cast<char>(cp);
                } else if (cp < 0x800) {
                    out += static_cast<char>(0xC0 | (cp >> 6));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                } else {
                    out += static_cast<char>(0xE0 | (cp >> 12));
                    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (cp & 0x3F));
                }
                i += 7;
                continue;
            }
        }
        out += s[i++];
    }
    return out;
}

struct Relationship {
    std::string type;
    std::string target;
    bool external = false;
};

class RelsHandler : public Handler {
public:
    std::map<std::string, Relationship> rels;
    void startElement(const XMLString&, const XMLString& localName, const XMLString&,
                      const Poco::XML::Attributes& a) override {
        if (localName != "Relationship") return;
        rels[attr(a, "Id")] = Relationship{attr(a, "Type"), attr(a, "Target"), attr(a, "TargetMode") == "External"};
    }
};

struct SheetEntry {
    std::string name;
    std::string relId;
};

class WorkbookHandler : public Handler {
public:
    bool date1904 = false;
    std::vector<SheetEntry> sheets;
    std::vector<std::pair<std::string, std::string>> names;  // name, reference formula

    void startElement(const XMLString&, const XMLString& localName, const XMLString&,
                      const Poco::XML::Attributes& a) override {
        if (localName == "workbookPr") {
            const std::string v = attr(a, "date1904");
            date1904 = v == "1" || v == "true";
        } else if (localName == "sheet") {
            sheets.push_back({attr(a, "name"), attr(a, "id")});
        } else if (localName == "definedName") {
            inName_ = true;
            sheetScoped_ = hasAttr(a, "localSheetId");
            name_ = attr(a, "name");
            text_.clear();
        }
    }
    void endElement(const XMLString&, const XMLString& localName, const XMLString&) override {
        if (localName != "definedName") return;
        inName_ = false;
        if (!sheetScoped_) names.emplace_back(name_, text_);
    }
    void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
        if (inName_) text_.append(ch + start, static_cast<size_t>(length));
    }

private:
    bool inName_ = false;
    bool sheetScoped_ = false;
    std::string name_, text_;
};

// Text of <t> elements, leaving out phonetic runs (<rPh>, the furigana
// Japanese Excel stores beside the text).
class TextCollector {
public:
    void start(const XMLString& localName) {
        if (localName == "rPh") ++phonetic_;
        else if (localName == "t" && phonetic_ == 0) inText_ = true;
    }
    void end(const XMLString& localName) {
        if (localName == "rPh" && phonetic_ > 0) --phonetic_;
        else if (localName == "t") inText_ = false;
    }
    void characters(const Poco::XML::XMLChar ch[], int start, int length) {
        if (inText_) text_.append(ch + start, static_cast<size_t>(length));
    }
    std::string take() {
        std::string t = unescapeOoxml(text_);
        text_.clear();
        inText_ = false;
        phonetic_ = 0;
        return t;
    }

private:
    bool inText_ = false;
    int phonetic_ = 0;
    std::string text_;
};

class SharedStringsHandler : public Handler {
public:
    std::vector<std::string> strings;
    void startElement(const XMLString&, const XMLString& localName, const XMLString&,
                      const Poco::XML::Attributes&) override {
        if (localName == "si") {
            inItem_ = true;
            text_.take();
        } else if (inItem_) {
            text_.start(localName);
        }
    }
    void endElement(const XMLString&, const XMLString& localName, const XMLString&) override {
        if (localName == "si") {
            strings.push_back(text_.take());
            inItem_ = false;
        } else if (inItem_) {
            text_.end(localName);
        }
    }
    void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
        text_.characters(ch, start, length);
    }

private:
    bool inItem_ = false;
    TextCollector text_;
};

class CustomPropertiesHandler : public Handler {
public:
    std::map<std::string, std::string> properties;
    void startElement(const XMLString&, const XMLString& localName, const XMLString&,
                      const Poco::XML::Attributes& a) override {
        if (localName == "property") {
            name_ = attr(a, "name");
            depth_ = 1;
            text_.clear();
        } else if (depth_ > 0) {
            ++depth_;
        }
    }
    void endElement(const XMLString&, const XMLString& localName, const XMLString&) override {
        if (depth_ == 0) return;
        if (localName == "property" && depth_ == 1) {
            properties[name_] = text_;
            depth_ = 0;
        } else {
            --depth_;
        }
    }
    void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
        if (depth_ > 1) text_.append(ch + start, static_cast<size_t>(length));
    }

private:
    std::string name_, text_;
    int depth_ = 0;
};

// "B3" -> (row 2, col 1); no '$'.
std::optional<std::pair<int, int>> parseA1(const std::string& s, size_t* pos) {
    size_t i = *pos;
    if (i < s.size() && s[i] == '$') ++i;
    long col = 0;
    size_t letters = 0;
    for (; i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')); ++i, ++letters)
        col = col * 26 + ((s[i] | 0x20) - 'a' + 1);
    if (letters == 0 || letters > 3 || col > kMaxColumns) return std::nullopt;
    if (i < s.size() && s[i] == '$') ++i;
    long row = 0;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
        row = row * 10 + (s[i] - '0');
        if (row > kMaxRows) return std::nullopt;
    }
    if (digits == 0 || row < 1) return std::nullopt;
    *pos = i;
    return std::make_pair(static_cast<int>(row - 1), static_cast<int>(col - 1));
}

std::optional<std::pair<int, int>> parseCellAddress(const std::string& s) {
    size_t pos = 0;
    auto rc = parseA1(s, &pos);
    if (!rc || pos != s.size()) return std::nullopt;
    return rc;
}

// "\"admission-info\"" (with "" for each "), or "=\"…\"" -> the text;
// nullopt for anything else.
std::optional<std::string> textConstant(const std::string& formula) {
    std::string f = formula;
    if (!f.empty() && f[0] == '=') f.erase(0, 1);
    if (f.size() < 2 || f.front() != '"' || f.back() != '"') return std::nullopt;
    std::string text;
    for (size_t i = 1; i + 1 < f.size(); ++i) {
        if (f[i] != '"') {
            text += f[i];
        } else if (i + 2 < f.size() && f[i + 1] == '"') {
            text += '"';
            ++i;
        } else {
            return std::nullopt;  // a lone " inside: an expression, not one constant
        }
    }
    return text;
}

// "'1枚目'!$B$3", "Sheet1!$B$3:$C$4" -> the first cell; nullopt for
// anything else (#REF!, constants, formulas).
std::optional<CellRef> parseReference(const std::string& formula) {
    std::string f = formula;
    if (!f.empty() && f[0] == '=') f.erase(0, 1);
    CellRef ref;
    size_t i = 0;
    if (!f.empty() && f[0] == '\'') {
        for (i = 1; i < f.size(); ++i) {
            if (f[i] != '\'') {
                ref.sheet += f[i];
            } else if (i + 1 < f.size() && f[i + 1] == '\'') {
                ref.sheet += '\'';
                ++i;
            } else {
                break;
            }
        }
        if (i >= f.size()) return std::nullopt;
        ++i;
    } else {
        size_t bang = f.find('!');
        if (bang == std::string::npos) return std::nullopt;
        ref.sheet = f.substr(0, bang);
        i = bang;
    }
    if (i >= f.size() || f[i] != '!') return std::nullopt;
    ++i;
    auto rc = parseA1(f, &i);
    if (!rc) return std::nullopt;
    if (i < f.size() && f[i] != ':') return std::nullopt;
    ref.row = rc->first;
    ref.col = rc->second;
    return ref;
}

class SheetHandler : public Handler {
public:
    SheetHandler(const std::vector<std::string>& shared, size_t maxCells,
                 std::map<std::pair<int, int>, CellValue>* out)
        : shared_(shared), maxCells_(maxCells), out_(out) {}

    void startElement(const XMLString&, const XMLString& localName, const XMLString&,
                      const Poco::XML::Attributes& a) override {
        if (localName == "row") {
            const std::string r = attr(a, "r");
            int row = row_ + 1;
            if (!r.empty()) {
                long v = 0;
                auto [p, ec] = std::from_chars(r.data(), r.data() + r.size(), v);
                if (ec != std::errc() || p != r.data() + r.size() || v < 1 || v > kMaxRows) bad("row");
                row = static_cast<int>(v - 1);
            }
            row_ = row;
            col_ = -1;
        } else if (localName == "c") {
            inCell_ = true;
            type_ = attr(a, "t");
            const std::string r = attr(a, "r");
            if (!r.empty()) {
                auto rc = parseCellAddress(r);
                if (!rc) bad("cell address");
                row_ = rc->first;
                col_ = rc->second;
            } else {
                ++col_;
            }
            if (row_ < 0 || col_ < 0 || col_ >= kMaxColumns) bad("cell address");
            value_.clear();
            hasValue_ = false;
            formula_ = false;
            inValue_ = false;
            inline_.take();
        } else if (inCell_) {
            if (localName == "f") formula_ = true;
            else if (localName == "v") inValue_ = hasValue_ = true;
            else if (localName == "is") hasValue_ = true;
            inline_.start(localName);
        }
    }

    void endElement(const XMLString&, const XMLString& localName, const XMLString&) override {
        if (!inCell_) return;
        if (localName == "v") inValue_ = false;
        if (localName != "c") {
            inline_.end(localName);
            return;
        }
        inCell_ = false;
        if (!hasValue_ && !formula_) return;
        CellValue cell;
        cell.formula = formula_;
        if (type_ == "s") {
            size_t index = 0;
            auto [p, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), index);
            if (ec != std::errc() || p != value_.data() + value_.size() || index >= shared_.size())
                bad("shared string index");
            cell.text = shared_[index];
        } else if (type_ == "inlineStr") {
            cell.text = inline_.take();
        } else if (type_ == "str" || type_ == "d") {
            cell.text = unescapeOoxml(value_);
        } else if (type_ == "b") {
            cell.type = CellType::Bool;
            if (value_ != "0" && value_ != "1") bad("boolean");
            cell.number = value_ == "1" ? 1 : 0;
        } else if (type_ == "e") {
            cell.type = CellType::Error;
            cell.text = value_;
        } else if (type_.empty() || type_ == "n") {
            if (value_.empty()) {
                if (!formula_) return;
                cell.type = CellType::Error;  // a formula without a cached value
            } else {
                cell.type = CellType::Number;
                double v = 0;
                auto [p, ec] = std::from_chars(value_.data(), value_.data() + value_.size(), v);
                if (ec != std::errc() || p != value_.data() + value_.size() || !std::isfinite(v)) bad("number");
                cell.number = v;
                cell.text = value_;
            }
        } else {
            bad("cell type");
        }
        if (out_->size() >= maxCells_) throw Refused("part_too_large", "ワークシートのセルが多すぎます");
        (*out_)[{row_, col_}] = std::move(cell);
    }

    void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
        if (inValue_) value_.append(ch + start, static_cast<size_t>(length));
        else if (inCell_) inline_.characters(ch, start, length);
    }

private:
    [[noreturn]] static void bad(const std::string& what) {
        throw Refused("broken_part", "ワークシートの内容が壊れています(" + what + ")");
    }

    const std::vector<std::string>& shared_;
    size_t maxCells_;
    std::map<std::pair<int, int>, CellValue>* out_;
    int row_ = -1, col_ = -1;
    bool inCell_ = false, inValue_ = false, hasValue_ = false, formula_ = false;
    std::string type_, value_;
    TextCollector inline_;
};

// A relationship target as a part name: relative to the source part's folder
// unless it starts with '/'; "../" steps up.
std::string resolveTarget(const std::string& sourcePart, const std::string& target) {
    std::string path;
    if (!target.empty() && target[0] == '/') {
        path = target.substr(1);
    } else {
        const size_t slash = sourcePart.rfind('/');
        path = (slash == std::string::npos ? std::string() : sourcePart.substr(0, slash + 1)) + target;
    }
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string seg = path.substr(start, end - start);
        if (seg == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!seg.empty() && seg != ".") {
            parts.push_back(seg);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

std::string relsPartFor(const std::string& part) {
    const size_t slash = part.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string() : part.substr(0, slash + 1);
    const std::string file = slash == std::string::npos ? part : part.substr(slash + 1);
    return dir + "_rels/" + file + ".rels";
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Workbook readPackage(Package& pkg, const ReadLimits& limits) {
    if (!pkg.has("_rels/.rels")) throw Refused("not_xlsx", "Excelのブック(.xlsx)ではありません");
    RelsHandler root;
    parseXml(pkg.read("_rels/.rels"), root, "_rels/.rels");
    std::string workbookPart;
    for (const auto& [id, rel] : root.rels)
        if (endsWith(rel.type, "/officeDocument") && !rel.external) workbookPart = resolveTarget("", rel.target);
    if (workbookPart.empty() || !pkg.has(workbookPart))
        throw Refused("not_xlsx", "Excelのブック(.xlsx)ではありません");

    WorkbookHandler wbh;
    parseXml(pkg.read(workbookPart), wbh, workbookPart);
    RelsHandler wbRels;
    const std::string wbRelsPart = relsPartFor(workbookPart);
    parseXml(pkg.read(wbRelsPart), wbRels, wbRelsPart);

    Workbook wb;
    wb.date1904 = wbh.date1904;
    for (const auto& [name, formula] : wbh.names) {
        auto ref = parseReference(formula);
        if (ref) wb.names.emplace(lower(name), *ref);
        else if (auto text = textConstant(formula)) wb.constants.emplace(lower(name), *text);
    }

    for (const auto& [id, rel] : root.rels)
        if (endsWith(rel.type, "/custom-properties") && !rel.external) {
            const std::string part = resolveTarget("", rel.target);
            CustomPropertiesHandler ch;
            parseXml(pkg.read(part), ch, part);
            wb.customProperties = std::move(ch.properties);
        }

    SharedStringsHandler strings;
    for (const auto& [id, rel] : wbRels.rels)
        if (endsWith(rel.type, "/sharedStrings") && !rel.external) {
            const std::string part = resolveTarget(workbookPart, rel.target);
            parseXml(pkg.read(part), strings, part);
        }

    std::map<std::string, bool> wanted;
    for (const auto& [name, ref] : wb.names) wanted[ref.sheet] = true;
    for (const SheetEntry& sheet : wbh.sheets) {
        if (!wanted.count(sheet.name) || wb.cells.count(sheet.name)) continue;
        auto rel = wbRels.rels.find(sheet.relId);
        if (rel == wbRels.rels.end() || rel->second.external) continue;
        const std::string part = resolveTarget(workbookPart, rel->second.target);
        auto& cells = wb.cells[sheet.name];
        SheetHandler sh(strings.strings, limits.maxCellsPerSheet, &cells);
        parseXml(pkg.read(part), sh, part);
    }
    return wb;
}

std::string quoteSheet(const std::string& name) {
    std::string out = "'";
    for (char c : name) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

}  // namespace

std::string formatCellRef(const CellRef& ref) {
    std::string col;
    for (int c = ref.col + 1; c > 0; c = (c - 1) / 26) col.insert(col.begin(), static_cast<char>('A' + (c - 1) % 26));
    return quoteSheet(ref.sheet) + "!$" + col + "$" + std::to_string(ref.row + 1);
}

const CellValue* Workbook::cell(const CellRef& ref) const {
    auto sheet = cells.find(ref.sheet);
    if (sheet == cells.end()) return nullptr;
    auto it = sheet->second.find({ref.row, ref.col});
    return it == sheet->second.end() ? nullptr : &it->second;
}

Result<Workbook> readWorkbook(const std::string& bytes, const ReadLimits& limits) {
    auto refusal = [](const std::string& code, const std::string& message) {
        return Status::invalidArgument("workbook refused: " + code, {FieldError{"workbook", code, message}});
    };
    // A zip starts with a local file header; anything else is not a workbook
    // (and Poco would scan all of it looking for one).
    if (bytes.size() < 4 || bytes.compare(0, 4, "PK\x03\x04", 4) != 0)
        return refusal("not_xlsx", "Excelのブック(.xlsx)ではありません");
    try {
        Package pkg(bytes, limits);
        return readPackage(pkg, limits);
    } catch (const Refused& r) {
        return refusal(r.code(), r.what());
    } catch (const Poco::Exception&) {
        return refusal("not_xlsx", "ブックのZIP構造が壊れています");
    } catch (const std::ios_base::failure&) {
        return refusal("not_xlsx", "ブックのZIP構造が壊れています");
    }
}

}  // namespace xlsx_import
