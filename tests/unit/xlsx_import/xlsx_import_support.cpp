#include "xlsx_import_support.h"

#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/Zip/Compress.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include <regex>
#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "xlsx_import/workbook_reader.h"

#include "config/settings.h"
#include "test_support.h"

namespace xlsx_import_test {
namespace {

bool isFalseOrAbsent(const form::FieldValue* v) { return !v || (v->scalar == "false" && v->list.empty()); }

std::string show(const form::FieldValue& v) {
    std::string out = "'" + v.scalar + "'";
    for (const auto& item : v.list) out += " [" + item + "]";
    if (!v.rows.empty()) out += " (" + std::to_string(v.rows.size()) + " rows)";
    return out;
}

std::string compare(const std::string& key, const form::FieldValue* a, const form::FieldValue* b, bool isBool) {
    if (isBool && isFalseOrAbsent(a) && isFalseOrAbsent(b)) return "";
    if (!a && !b) return "";
    if (!a || !b) return key + ": " + (a ? show(*a) : "absent") + " != " + (b ? show(*b) : "absent");
    if (a->scalar != b->scalar || a->list != b->list || a->rows.size() != b->rows.size())
        return key + ": " + show(*a) + " != " + show(*b);
    for (size_t i = 0; i < a->rows.size(); ++i) {
        std::set<std::string> keys;
        for (const auto& [k, v] : a->rows[i]) keys.insert(k);
        for (const auto& [k, v] : b->rows[i]) keys.insert(k);
        for (const auto& k : keys) {
            auto ia = a->rows[i].find(k);
            auto ib = b->rows[i].find(k);
            std::string d = compare(key + "[" + std::to_string(i) + "]." + k, ia == a->rows[i].end() ? nullptr : &ia->second,
                                    ib == b->rows[i].end() ? nullptr : &ib->second, false);
            if (!d.empty()) return d;
        }
    }
    return "";
}

}  // namespace

Env& Env::get() {
    static Env env = [] {
        Env e;
        e.templates = form::TemplateRegistry::load(testing_support::sourcePath("templates")).value();
        config::Settings defaults;
        e.fonts = render::FontMetrics::open(defaults.primaryFont, defaults.fallbackFont).value();
        e.service = std::make_unique<app::DocumentService>(e.templates, e.fonts, render::XlsxOptions());
        return e;
    }();
    return env;
}

std::string Env::renderXlsx(const form::SheetTemplate& sheet, const form::FormData& data) const {
    auto doc = service->render(sheet, data, app::Format::Xlsx, "0123456789abcdef0123456789abcdef",
                               "2025-11-20T15:10:00+09:00");
    if (!doc) throw std::runtime_error("render: " + doc.status().toString());
    return doc->bytes;
}

std::string sameFields(const form::SheetTemplate& sheet, const form::FormData& a, const form::FormData& b) {
    for (const auto& f : sheet.fields) {
        if (f.type == form::FieldType::Derived) continue;
        std::string d = compare(f.key, a.get(f.key), b.get(f.key), f.type == form::FieldType::Bool);
        if (!d.empty()) return d;
    }
    return "";
}

std::vector<std::pair<std::string, std::string>> unzipAll(const std::string& zip) {
    std::istringstream in(zip);
    Poco::Zip::ZipArchive archive(in);
    std::vector<std::pair<std::string, std::string>> parts;
    std::vector<std::pair<std::streamoff, std::string>> order;
    for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it)
        if (it->first.back() != '/') order.emplace_back(it->second.getStartPos(), it->first);  // Compress adds folders
    std::sort(order.begin(), order.end());
    for (const auto& [pos, name] : order) {
        in.clear();
        Poco::Zip::ZipInputStream z(in, archive.findHeader(name)->second, true);
        std::string data;
        Poco::StreamCopier::copyToString(z, data);
        parts.emplace_back(name, data);
    }
    return parts;
}

std::string zipAll(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::ostringstream out;
    Poco::Zip::Compress c(out, true);
    for (const auto& [name, data] : parts) {
        std::istringstream in(data);
        c.addFile(in, Poco::DateTime(2025, 1, 1), Poco::Path(name, Poco::Path::PATH_UNIX));
    }
    c.close();
    return out.str();
}

std::string withPart(const std::string& xlsx, const std::string& name, const std::string& content) {
    auto parts = unzipAll(xlsx);
    bool found = false;
    for (auto& [n, data] : parts)
        if (n == name) {
            data = content;
            found = true;
        }
    if (!found) parts.emplace_back(name, content);
    return zipAll(parts);
}

std::string part(const std::string& xlsx, const std::string& name) {
    for (const auto& [n, data] : unzipAll(xlsx))
        if (n == name) return data;
    throw std::runtime_error("no part " + name);
}

std::string setCell(const std::string& xlsx, const std::string& definedName, const std::string& cellXml) {
    auto wb = xlsx_import::readWorkbook(xlsx);
    if (!wb) throw std::runtime_error("setCell: " + wb.status().toString());
    auto name = wb->names.find(definedName);
    if (name == wb->names.end()) throw std::runtime_error("setCell: no name " + definedName);
    const std::string workbookXml = part(xlsx, "xl/workbook.xml");
    std::regex sheetRe("<sheet name=\"([^\"]*)\"");
    int index = 0, found = 0;
    for (auto it = std::sregex_iterator(workbookXml.begin(), workbookXml.end(), sheetRe); it != std::sregex_iterator();
         ++it) {
        ++index;
        if ((*it)[1] == name->second.sheet) found = index;
    }
    if (!found) throw std::runtime_error("setCell: no sheet " + name->second.sheet);
    const std::string sheetPart = "xl/worksheets/sheet" + std::to_string(found) + ".xml";
    std::string xml = part(xlsx, sheetPart);
    std::string ref = xlsx_import::formatCellRef(name->second);
    ref = ref.substr(ref.find('!') + 1);
    ref.erase(std::remove(ref.begin(), ref.end(), '$'), ref.end());
    std::regex cellRe("<c r=\"" + ref + "\"[^>]*?(/>|>.*?</c>)");
    std::smatch m;
    if (!std::regex_search(xml, m, cellRe)) throw std::runtime_error("setCell: no cell " + ref);
    xml.replace(m.position(0), m.length(0), "<c r=\"" + ref + "\" " + cellXml + "</c>");
    return withPart(xlsx, sheetPart, xml);
}

std::string setText(const std::string& xlsx, const std::string& definedName, const std::string& text) {
    return setCell(xlsx, definedName, "t=\"inlineStr\"><is><t>" + text + "</t></is>");
}

// As openpyxl and Excel write text: into xl/sharedStrings.xml (made, with
// its relationship and content type, when the workbook has none) and the
// cell as t="s" with the string's index.
std::string setSharedText(const std::string& xlsx, const std::string& definedName, const std::string& text) {
    std::string x = xlsx;
    std::string sst;
    for (const auto& [name, data] : unzipAll(x))
        if (name == "xl/sharedStrings.xml") sst = data;
    if (sst.empty()) {
        sst = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
              "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"></sst>";
        std::string rels = part(x, "xl/_rels/workbook.xml.rels");
        rels.insert(rels.rfind("</Relationships>"),
                    "<Relationship Id=\"rIdSst\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                    "relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>");
        x = withPart(x, "xl/_rels/workbook.xml.rels", rels);
        std::string types = part(x, "[Content_Types].xml");
        types.insert(types.rfind("</Types>"),
                     "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/"
                     "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>");
        x = withPart(x, "[Content_Types].xml", types);
    }
    int count = 0;
    for (size_t at = sst.find("<si>"); at != std::string::npos; at = sst.find("<si>", at + 1)) ++count;
    sst.insert(sst.rfind("</sst>"), "<si><t>" + text + "</t></si>");
    x = withPart(x, "xl/sharedStrings.xml", sst);
    return setCell(x, definedName, "t=\"s\"><v>" + std::to_string(count) + "</v>");
}

}  // namespace xlsx_import_test
