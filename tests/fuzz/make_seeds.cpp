// Writes the generated part of the fuzz seed corpus into a folder of the build
// tree, one subfolder per target: request bodies made from each sheet's
// sample.json, the templates, config/partners.csv, config/offices.csv,
// config/tokens.example.csv and the settings files of config/ and packaging/
// as they are now, and PDFs from tests/support/pdf_builder (so no binary file
// is committed). Each subfolder is emptied first: the fuzzer adds what it
// finds there during a run, and the next run starts from the seeds again.
// Usage: renkei_fuzz_seeds SOURCE_DIR OUT_DIR. Test-only code.
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>
#include <Poco/DateTime.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <tiffio.h>

#include "auth/token_registry.h"
#include "pdf_builder.h"

namespace fs = std::filesystem;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeFile(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

fs::path freshDir(const fs::path& out, const std::string& target) {
    fs::path dir = out / target;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string json(const Object::Ptr& o) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(o, out);
    return out.str();
}

std::string base64(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

Object::Ptr delivery(const std::string& channel, const std::string& key = "", const std::string& value = "") {
    Object::Ptr d = new Object;
    d->set("channel", channel);
    if (!key.empty()) d->set(key, value);
    return d;
}

void jobRequests(const fs::path& source, const fs::path& dir) {
    std::vector<std::pair<std::string, Object::Ptr>> samples;  // sheet id, its fields
    for (const auto& entry : fs::directory_iterator(source / "templates")) {
        if (!fs::exists(entry.path() / "sample.json")) continue;
        Object::Ptr sample = Poco::JSON::Parser().parse(readFile(entry.path() / "sample.json")).extract<Object::Ptr>();
        samples.emplace_back(entry.path().filename().string(), sample->getObject("fields"));
    }
    std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [sheet, fields] : samples) {
        Object::Ptr body = new Object;
        body->set("sheet", sheet);
        body->set("fields", fields);
        body->set("delivery", delivery("print"));
        writeFile(dir / (sheet + "-print.json"), json(body));
        body->set("delivery", delivery("fax", "partner", "toko-shirakaba"));
        writeFile(dir / (sheet + "-fax.json"), json(body));
    }
    if (samples.size() < 2) throw std::runtime_error("fewer than two sample.json under templates/");
    // Two sheets in one job, to an ad-hoc number, with an attachment and cover options.
    Object::Ptr body = new Object;
    Array::Ptr documents = new Array;
    for (size_t i = 0; i < 2; ++i) {
        Object::Ptr d = new Object;
        d->set("sheet", samples[i].first);
        d->set("fields", samples[i].second);
        documents->add(d);
    }
    body->set("documents", documents);
    body->set("delivery", delivery("fax", "number", "0166-00-9999"));
    Array::Ptr attachments = new Array;
    Object::Ptr a = new Object;
    a->set("name", "care-plan.pdf");
    a->set("contentBase64", base64(testing_support::simplePdf(1)));
    attachments->add(a);
    body->set("attachments", attachments);
    Object::Ptr cover = new Object;
    cover->set("message", "ご確認ください。");
    cover->set("reply_needed", "yes");
    cover->set("reply_deadline", "2025-11-25");
    body->set("cover", cover);
    body->set("patient_ref", "P-0001");
    body->set("allow_duplicate", true);
    writeFile(dir / "documents-adhoc-attachment.json", json(body));
}

void pdfAttachments(const fs::path& dir) {
    writeFile(dir / "simple-1.pdf", testing_support::simplePdf(1));
    writeFile(dir / "simple-3.pdf", testing_support::simplePdf(3));
    for (const auto& hostile : testing_support::hostilePdfs()) writeFile(dir / hostile.name, hostile.bytes);
}

// Received faxes (inbound_fax): small one-bit TIFFs as fax servers write
// them (G3 with 2-D coding and G4; one and two pages of squares, which the
// code finder looks at) at standard and fine resolution, and PDFs.
void inboundFaxes(const fs::path& dir) {
    for (const bool g4 : {false, true}) {
        for (const int pages : {1, 2}) {
            const fs::path path = dir / ((g4 ? "g4-" : "g3-") + std::to_string(pages) + "p.tif");
            TIFF* tif = TIFFOpen(path.c_str(), "w");
            if (!tif) throw std::runtime_error("cannot write " + path.string());
            const uint32_t width = 256, height = 96;
            for (int p = 0; p < pages; ++p) {
                TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
                TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
                TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
                TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
                TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
                TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
                TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
                TIFFSetField(tif, TIFFTAG_COMPRESSION, g4 ? COMPRESSION_CCITTFAX4 : COMPRESSION_CCITTFAX3);
                if (!g4) TIFFSetField(tif, TIFFTAG_GROUP3OPTIONS, GROUP3OPT_2DENCODING);
                TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, height);
                TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
                TIFFSetField(tif, TIFFTAG_XRESOLUTION, 204.0f);
                TIFFSetField(tif, TIFFTAG_YRESOLUTION, p == 0 ? 98.0f : 196.0f);
                TIFFSetField(tif, TIFFTAG_PAGENUMBER, static_cast<uint16_t>(p), static_cast<uint16_t>(pages));
                for (uint32_t y = 0; y < height; ++y) {
                    std::string row(width / 8, '\0');
                    for (uint32_t x = 0; x < width; ++x)
                        if (((x / 8) + (y / 8) + static_cast<uint32_t>(p)) % 3 == 0)
                            row[x / 8] = static_cast<char>(row[x / 8] | (0x80 >> (x % 8)));
                    if (TIFFWriteScanline(tif, row.data(), y, 0) < 0) throw std::runtime_error("TIFFWriteScanline failed");
                }
                TIFFWriteDirectory(tif);
            }
            TIFFClose(tif);
        }
    }
    writeFile(dir / "simple-1.pdf", testing_support::simplePdf(1));
    writeFile(dir / "simple-3.pdf", testing_support::simplePdf(3));
}

std::string zipOf(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::ostringstream out;
    Poco::Zip::Compress zip(out, true);
    for (const auto& [name, data] : parts) {
        std::istringstream in(data);
        zip.addFile(in, Poco::DateTime(2025, 1, 1), Poco::Path(name, Poco::Path::PATH_UNIX));
    }
    zip.close();
    return out.str();
}

// Small workbooks of the admission sheet as Renkei writes them (custom
// properties, defined names, inline and shared strings, a date serial, a box),
// and as LibreOffice does (names without quotes, 1904 dates), so the fuzzer
// starts past the package and identity checks.
void workbooks(const fs::path& dir) {
    const std::string rels =
        R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>)"
        R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>)"
        R"(</Relationships>)";
    const std::string custom =
        R"(<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" )"
        R"(xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">)"
        R"(<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="RenkeiSheetId"><vt:lpwstr>admission-info</vt:lpwstr></property>)"
        R"(<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="RenkeiTemplateVersion"><vt:lpwstr>2026.1</vt:lpwstr></property>)"
        R"(</Properties>)";
    const std::string wbRels =
        R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>)"
        R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>)"
        R"(</Relationships>)";
    auto workbook = [](const std::string& pr, bool quoted) {
        const std::string sheet = quoted ? "'1枚目'" : "1枚目";
        return R"(<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" )"
               R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)" + pr +
               R"(<sheets><sheet name="1枚目" sheetId="1" r:id="rId1"/></sheets><definedNames>)"
               R"(<definedName name="pt_name">)" + sheet + R"(!$B$1</definedName>)"
               R"(<definedName name="pt_kana">)" + sheet + R"(!$B$2</definedName>)"
               R"(<definedName name="doc_date">)" + sheet + R"(!$B$3</definedName>)"
               R"(<definedName name="pt_sex">)" + sheet + R"(!$B$4</definedName>)"
               R"(<definedName name="post_household.other">)" + sheet + R"(!$B$5</definedName>)"
               R"(<definedName name="pension_types">)" + sheet + R"(!$B$6</definedName>)"
               R"(</definedNames></workbook>)";
    };
    const std::string shared =
        R"(<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)"
        R"(<si><t>旭川 太郎</t><rPh sb="0" eb="2"><t>アサヒカワ</t></rPh></si><si><t>アサヒカワ タロウ</t></si></sst>)";
    const std::string sheet =
        R"(<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
        R"(<row r="1"><c r="B1" t="s"><v>0</v></c></row><row r="2"><c r="B2" t="s"><v>1</v></c></row>)"
        R"(<row r="3"><c r="B3"><v>45748</v></c></row><row r="4"><c r="B4" t="inlineStr"><is><t>女</t></is></c></row>)"
        R"(<row r="5"><c r="B5" t="inlineStr"><is><t>■その他(姉と同居)</t></is></c></row>)"
        R"(<row r="6"><c r="B6" t="str"><f>A1</f><v>厚生年金、その他(企業年金)</v></c></row></sheetData></worksheet>)";
    auto parts = [&](const std::string& wb) {
        return std::vector<std::pair<std::string, std::string>>{{"_rels/.rels", rels},
                                                                {"docProps/custom.xml", custom},
                                                                {"xl/workbook.xml", wb},
                                                                {"xl/_rels/workbook.xml.rels", wbRels},
                                                                {"xl/sharedStrings.xml", shared},
                                                                {"xl/worksheets/sheet1.xml", sheet}};
    };
    writeFile(dir / "renkei.xlsx", zipOf(parts(workbook("", true))));
    writeFile(dir / "libreoffice-1904.xlsx", zipOf(parts(workbook(R"(<workbookPr date1904="true"/>)", false))));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: renkei_fuzz_seeds SOURCE_DIR OUT_DIR\n";
        return 2;
    }
    try {
        const fs::path source = argv[1], out = argv[2];
        jobRequests(source, freshDir(out, "job_request"));
        pdfAttachments(freshDir(out, "pdf_attachment"));
        inboundFaxes(freshDir(out, "inbound_fax"));
        workbooks(freshDir(out, "xlsx_import"));
        fs::path templates = freshDir(out, "sheet_template");
        for (const auto& entry : fs::directory_iterator(source / "templates"))
            if (fs::exists(entry.path() / "template.json"))
                fs::copy_file(entry.path() / "template.json", templates / (entry.path().filename().string() + ".json"));
        fs::copy_file(source / "config/partners.csv", freshDir(out, "partner_directory") / "partners.csv");
        fs::copy_file(source / "config/offices.csv", freshDir(out, "office_registry") / "offices.csv");
        fs::path settings = freshDir(out, "settings_file");
        fs::copy_file(source / "config/renkei.properties", settings / "checkout.properties");
        fs::copy_file(source / "packaging/renkei.properties", settings / "package.properties");
        fs::path tokens = freshDir(out, "token_registry");
        fs::copy_file(source / "config/tokens.example.csv", tokens / "tokens.example.csv");
        writeFile(tokens / "active.csv", "name,office,role,sha256,status\n" +
                                             auth::newToken("desk", "toko-shirakaba", auth::Role::Submitter).line + "\n" +
                                             auth::newToken("it", "toko-shirakaba", auth::Role::Admin).line + "\n");
    } catch (const std::exception& e) {
        std::cerr << "renkei_fuzz_seeds: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
