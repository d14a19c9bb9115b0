#include "render/pdf_renderer.h"

#include <podofo/podofo.h>
#include <qrencode.h>

#include <array>
#include <cctype>
#include <cmath>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>
#include <vector>

#include "render/pdf/content_stream.h"
#include "render/pdf/document_fonts.h"
#include "render/pdf/pdf_file.h"

namespace render {

using common::Result;
using common::Status;
using layout::kPtPerMm;

struct PdfRenderer::Impl {
    explicit Impl(std::shared_ptr<const FontMetrics> f) : fonts(std::move(f)) {}
    std::shared_ptr<const FontMetrics> fonts;
    // What every document of a sheet shares, built once: the subset of its
    // labels' glyphs, and the compressed grid and labels of its pages.
    SubsetCache subsets;
    DeflateCache fixedContent;
};

namespace {

// The part of a page every document of a sheet shares (grid and labels) is
// compressed once, so it gets the smallest output. What is filled in is a few
// KB of text operators: level 1 takes a third of the time of level 6 for
// about 15% more bytes, some 300 bytes a page.
constexpr int kContentCompressionLevel = 1;
constexpr int kFixedContentCompressionLevel = 9;

std::string context(const layout::Document& doc, int pageNumber) {
    std::string where = "sheet " + doc.sheetId;
    if (pageNumber > 0) where += ", page " + std::to_string(pageNumber);
    return where + ": ";
}

bool isHex32(const std::string& id) {
    if (id.size() != 32) return false;
    for (char c : id) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

// "2024-04-01T09:30:00+09:00" (fractional seconds and "Z" allowed) to the PDF
// date "D:20240401093000+09'00'". Empty result when the text is not ISO 8601.
std::string pdfDate(const std::string& iso) {
    static const std::regex kIso(R"((\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2}))");
    std::smatch m;
    if (!std::regex_match(iso, m, kIso)) return {};
    std::string date = "D:" + m[1].str() + m[2].str() + m[3].str() + m[4].str() + m[5].str() + m[6].str();
    std::string zone = m[7].str();
    if (zone == "Z") return date + "Z";
    return date + zone.substr(0, 3) + "'" + zone.substr(4, 2) + "'";
}

// Checks what the PDF structure depends on before anything is built.
Status checkDocument(const layout::Document& doc) {
    if (!isHex32(doc.documentId)) return Status::invalidArgument(context(doc, 0) + "documentId is not 32 hex digits");
    if (pdfDate(doc.createdIso).empty()) {
        return Status::invalidArgument(context(doc, 0) + "createdIso is not ISO 8601 with an offset: " + doc.createdIso);
    }
    if (!(doc.pageWidthMm > 0 && doc.pageHeightMm > 0 && std::isfinite(doc.pageWidthMm * doc.pageHeightMm))) {
        return Status::invalidArgument(context(doc, 0) + "page size must be positive");
    }
    if (doc.pages.empty()) return Status::invalidArgument(context(doc, 0) + "document has no pages");
    return Status::ok();
}

// Labels of the grid pages are the template's text, the same in every
// document of a sheet; continuation pages and entry cells carry what was
// filled in.
bool isLabel(const layout::Page& page, const layout::Cell& cell) { return !page.continuation && cell.fieldKey.empty(); }

void collectText(const layout::Document& doc, DocumentFonts& fonts) {
    // The sheet's own text first: with the labels, the shared start of the
    // subsets, the same for every document of the sheet.
    for (const std::string& text : doc.sharedText) fonts.collect(text, true);
    for (const layout::Page& page : doc.pages) {
        for (const layout::Cell& cell : page.cells) {
            for (const layout::TextLine& line : cell.text.lines) fonts.collect(line.text, isLabel(page, cell));
        }
        // A caption names the job: never part of what every document of the sheet shares.
        for (const layout::Cell& cell : page.codeCaptions) {
            for (const layout::TextLine& line : cell.text.lines) fonts.collect(line.text, false);
        }
    }
}

// The modules of a version 1 QR code at level Q, row by row (true = dark).
// Throws std::runtime_error when the payload does not fit one.
std::vector<std::vector<bool>> qrModules(const std::string& payload) {
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(
        QRcode_encodeString(payload.c_str(), 1, QR_ECLEVEL_Q, QR_MODE_8, 1), QRcode_free);
    if (!code) throw std::runtime_error("QR code for \"" + payload + "\" could not be made");
    if (code->version != 1) throw std::runtime_error("QR payload \"" + payload + "\" needs more than version 1");
    std::vector<std::vector<bool>> rows(code->width, std::vector<bool>(code->width));
    for (int y = 0; y < code->width; ++y)
        for (int x = 0; x < code->width; ++x) rows[y][x] = code->data[y * code->width + x] & 1;
    return rows;
}

// Converts mm from the top-left corner to PDF points from the bottom-left.
class PageGeometry {
public:
    explicit PageGeometry(double pageHeightMm) : heightPt_(pageHeightMm * kPtPerMm) {}
    double x(double xMm) const { return xMm * kPtPerMm; }
    double y(double yMm) const { return heightPt_ - yMm * kPtPerMm; }
    double yFromTopPt(double pt) const { return heightPt_ - pt; }

private:
    double heightPt_;
};

// Adjacent cells share edges; each distinct segment is stroked once so a
// shared edge is not drawn twice (heavier in print, twice the bytes).
class BorderDrawer {
public:
    BorderDrawer(ContentStream& out, const PageGeometry& page) : out_(out), page_(page) {}

    void cell(const layout::Cell& cell) {
        const layout::Borders& b = cell.borders;
        double left = cell.xMm, top = cell.yMm;
        double right = cell.xMm + cell.widthMm, bottom = cell.yMm + cell.heightMm;
        if (b.top) edge(left, top, right, top, b.widthPt);
        if (b.right) edge(right, top, right, bottom, b.widthPt);
        if (b.bottom) edge(left, bottom, right, bottom, b.widthPt);
        if (b.left) edge(left, top, left, bottom, b.widthPt);
    }

private:
    void edge(double x1Mm, double y1Mm, double x2Mm, double y2Mm, double widthPt) {
        auto key = [](double v) { return std::llround(v * 100); };  // 0.01 mm / 0.01 pt
        std::array<long long, 5> id = {key(x1Mm), key(y1Mm), key(x2Mm), key(y2Mm), key(widthPt)};
        if (!drawn_.insert(id).second) return;
        out_.line(page_.x(x1Mm), page_.y(y1Mm), page_.x(x2Mm), page_.y(y2Mm), widthPt, false);
    }

    ContentStream& out_;
    const PageGeometry& page_;
    std::set<std::array<long long, 5>> drawn_;
};

// Baseline of the first line, in points from the page top: the block of
// lines (first ascent to last descent) placed in the box minus padding.
double firstBaselinePt(const layout::Cell& cell, const FontMetrics& metrics) {
    const layout::TextBlock& block = cell.text;
    double ascentPt = metrics.ascentEm() * block.fontSizePt;
    double blockPt = ascentPt + (block.lines.size() - 1) * block.lineHeightPt + metrics.descentEm() * block.fontSizePt;
    double innerTopPt = (cell.yMm + cell.paddingMm) * kPtPerMm;
    double innerHeightPt = (cell.heightMm - 2 * cell.paddingMm) * kPtPerMm;
    switch (block.vAlign) {
        case layout::VAlign::Top: return innerTopPt + ascentPt;
        case layout::VAlign::Middle: return innerTopPt + (innerHeightPt - blockPt) / 2 + ascentPt;
        case layout::VAlign::Bottom: return innerTopPt + innerHeightPt - blockPt + ascentPt;
    }
    return innerTopPt + ascentPt;
}

double lineLeftPt(const layout::Cell& cell, layout::HAlign align, double lineWidthPt) {
    double innerLeftPt = (cell.xMm + cell.paddingMm) * kPtPerMm;
    double innerWidthPt = (cell.widthMm - 2 * cell.paddingMm) * kPtPerMm;
    switch (align) {
        case layout::HAlign::Left: return innerLeftPt;
        case layout::HAlign::Center: return innerLeftPt + (innerWidthPt - lineWidthPt) / 2;
        case layout::HAlign::Right: return innerLeftPt + innerWidthPt - lineWidthPt;
    }
    return innerLeftPt;
}

void drawText(ContentStream& out, const layout::Cell& cell, const PageGeometry& page, const FontMetrics& metrics,
              const DocumentFonts& fonts) {
    const layout::TextBlock& block = cell.text;
    if (block.empty()) return;
    double baselinePt = firstBaselinePt(cell, metrics);
    for (const layout::TextLine& line : block.lines) {
        if (!line.text.empty()) {
            out.moveText(lineLeftPt(cell, block.hAlign, line.widthPt), page.yFromTopPt(baselinePt));
            fonts.show(out, line.text, block.fontSizePt);
        }
        baselinePt += block.lineHeightPt;
    }
}

// A page's operators come in two parts: the ruled grid, the rules and the
// labels, which on a grid page depend only on the template, then the text
// filled in. The second part only shows text and sets its own font, so it does
// not depend on the state the first leaves.
std::string fixedPart(const layout::Page& page, const layout::Document& doc, const FontMetrics& metrics,
                      const DocumentFonts& fonts) {
    PageGeometry geometry(doc.pageHeightMm);
    ContentStream out;
    BorderDrawer borders(out, geometry);
    for (const layout::Cell& cell : page.cells) borders.cell(cell);
    for (const layout::Rule& rule : page.rules) {
        out.line(geometry.x(rule.x1Mm), geometry.y(rule.y1Mm), geometry.x(rule.x2Mm), geometry.y(rule.y2Mm),
                 rule.widthPt, rule.dashed);
    }
    for (const layout::Cell& cell : page.cells) {
        if (isLabel(page, cell)) drawText(out, cell, geometry, metrics, fonts);
    }
    return out.finish();
}

std::string filledPart(const layout::Page& page, const layout::Document& doc, const FontMetrics& metrics,
                       const DocumentFonts& fonts) {
    PageGeometry geometry(doc.pageHeightMm);
    ContentStream out;
    for (const layout::Cell& cell : page.cells) {
        if (!isLabel(page, cell)) drawText(out, cell, geometry, metrics, fonts);
    }
    return out.finish();
}

// Everything fixedPart() draws from, as bytes: the labels' CIDs (the shared
// code points of the fonts), the page height, every cell's box and borders,
// each label's text and placement, and the rules. Equal keys give equal
// operators, so a sheet's grid and labels are drawn and compressed once.
class FixedKey {
public:
    std::string make(const layout::Page& page, const layout::Document& doc, const DocumentFonts& fonts) {
        bytes(fonts.sharedKey());
        number(doc.pageHeightMm);
        number(static_cast<double>(page.cells.size()));
        number(static_cast<double>(page.rules.size()));
        for (const layout::Cell& cell : page.cells) {
            for (double v : {cell.xMm, cell.yMm, cell.widthMm, cell.heightMm, cell.paddingMm, cell.borders.widthPt})
                number(v);
            flags({cell.borders.top, cell.borders.right, cell.borders.bottom, cell.borders.left, isLabel(page, cell)});
            if (!isLabel(page, cell)) continue;
            const layout::TextBlock& block = cell.text;
            for (double v : {block.fontSizePt, block.lineHeightPt}) number(v);
            number(static_cast<double>(block.hAlign));
            number(static_cast<double>(block.vAlign));
            number(static_cast<double>(block.lines.size()));
            for (const layout::TextLine& line : block.lines) {
                bytes(line.text);
                number(line.widthPt);
            }
        }
        for (const layout::Rule& rule : page.rules) {
            for (double v : {rule.x1Mm, rule.y1Mm, rule.x2Mm, rule.y2Mm, rule.widthPt}) number(v);
            flags({rule.dashed});
        }
        return std::move(out_);
    }

private:
    void number(double v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void bytes(const std::string& text) {
        number(static_cast<double>(text.size()));
        out_.append(text);
    }
    void flags(std::initializer_list<bool> values) {
        for (bool b : values) out_.push_back(b ? '1' : '0');
    }
    std::string out_;
};

// The reply codes and their captions, drawn unscaled: each row of a code as
// one rectangle per run of dark modules.
std::string codesPart(const layout::Page& page, const layout::Document& doc, const FontMetrics& metrics,
                      const DocumentFonts& fonts) {
    PageGeometry geometry(doc.pageHeightMm);
    ContentStream out;
    for (const layout::CodeMark& mark : page.codes) {
        auto rows = qrModules(mark.payload);
        const double m = mark.moduleMm;
        for (size_t y = 0; y < rows.size(); ++y) {
            for (size_t x = 0; x < rows[y].size();) {
                if (!rows[y][x]) {
                    ++x;
                    continue;
                }
                size_t end = x;
                while (end < rows[y].size() && rows[y][end]) ++end;
                const double top = mark.yMm + y * m;
                out.fillRect(geometry.x(mark.xMm + x * m), geometry.y(top + m), (end - x) * m * kPtPerMm,
                             m * kPtPerMm);
                x = end;
            }
        }
    }
    for (const layout::Cell& cell : page.codeCaptions) drawText(out, cell, geometry, metrics, fonts);
    return out.finish();
}

// The page's /Contents. A grid page's fixed part comes from the cache
// (compressed once per sheet), and what was filled in follows as a second
// stream; a continuation page is all filled in and gets one stream.
PoDoFo::PdfObject pageContents(PoDoFo::PdfVecObjects& objects, const layout::Page& page, const layout::Document& doc,
                               const FontMetrics& metrics, const DocumentFonts& fonts, DeflateCache& fixedCache) {
    std::string filled = filledPart(page, doc, metrics, fonts);
    const bool coded = !page.codes.empty() || page.contentScale != 1;
    if (coded) {
        // The content scaled to make room for the codes: "q ... cm" before it, "Q" and the codes after.
        PageGeometry geometry(doc.pageHeightMm);
        ContentStream before;
        before.beginTransform(page.contentScale, geometry.x(page.contentOriginXMm), geometry.y(page.contentOriginYMm));
        ContentStream after;
        after.endTransform();
        std::string codes = after.finish() + codesPart(page, doc, metrics, fonts);
        if (page.continuation) filled = fixedPart(page, doc, metrics, fonts) + filled;
        PoDoFo::PdfArray parts;
        parts.push_back(addFlateStream(objects, before.finish(), kContentCompressionLevel)->Reference());
        if (!page.continuation) {
            auto fixed = fixedCache.get(FixedKey().make(page, doc, fonts), kFixedContentCompressionLevel,
                                        [&] { return fixedPart(page, doc, metrics, fonts); });
            parts.push_back(addDeflatedStream(objects, *fixed)->Reference());
        }
        if (!filled.empty()) parts.push_back(addFlateStream(objects, filled, kContentCompressionLevel)->Reference());
        parts.push_back(addFlateStream(objects, codes, kContentCompressionLevel)->Reference());
        return PoDoFo::PdfObject(parts);
    }
    if (page.continuation) {
        return addFlateStream(objects, fixedPart(page, doc, metrics, fonts) + filled, kContentCompressionLevel)
            ->Reference();
    }
    auto fixed = fixedCache.get(FixedKey().make(page, doc, fonts), kFixedContentCompressionLevel,
                                [&] { return fixedPart(page, doc, metrics, fonts); });
    PoDoFo::PdfObject fixedStream = addDeflatedStream(objects, *fixed)->Reference();
    if (filled.empty()) return fixedStream;
    PoDoFo::PdfArray parts;
    parts.push_back(fixedStream);
    parts.push_back(addFlateStream(objects, filled, kContentCompressionLevel)->Reference());
    return PoDoFo::PdfObject(parts);
}

PoDoFo::PdfObject* writeInfo(PoDoFo::PdfVecObjects& objects, const layout::Document& doc) {
    PoDoFo::PdfObject* info = objects.CreateObject();
    PoDoFo::PdfDictionary& dict = info->GetDictionary();
    dict.AddKey("Title", PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>(doc.title.c_str())));
    dict.AddKey("Producer", PoDoFo::PdfString("Renkei"));
    dict.AddKey("CreationDate", PoDoFo::PdfString(pdfDate(doc.createdIso)));
    dict.AddKey("ModDate", PoDoFo::PdfString(pdfDate(doc.createdIso)));
    return info;
}

PoDoFo::PdfArray mediaBox(const layout::Document& doc) {
    PoDoFo::PdfArray box;
    box.push_back(pdfInteger(0));
    box.push_back(pdfInteger(0));
    box.push_back(PoDoFo::PdfVariant(doc.pageWidthMm * kPtPerMm));
    box.push_back(PoDoFo::PdfVariant(doc.pageHeightMm * kPtPerMm));
    return box;
}

std::string toLower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Builds every object and the file. pageNumber tells the caller where a
// PdfError was thrown. Throws PdfError.
std::string writeDocument(const layout::Document& doc, const FontMetrics& metrics, const DocumentFonts& fonts,
                          DeflateCache& fixedContent, int& pageNumber) {
    PoDoFo::PdfVecObjects objects;
    objects.SetAutoDelete(true);
    PoDoFo::PdfObject* catalog = objects.CreateObject("Catalog");
    PoDoFo::PdfObject* pages = objects.CreateObject("Pages");
    catalog->GetDictionary().AddKey("Pages", pages->Reference());
    PoDoFo::PdfObject* info = writeInfo(objects, doc);
    PoDoFo::PdfObject* resources = objects.CreateObject();
    resources->GetDictionary().AddKey("Font", fonts.writeFonts(objects));

    PoDoFo::PdfArray kids;
    for (const layout::Page& page : doc.pages) {
        ++pageNumber;
        PoDoFo::PdfObject contents = pageContents(objects, page, doc, metrics, fonts, fixedContent);
        PoDoFo::PdfObject* pdfPage = objects.CreateObject("Page");
        pdfPage->GetDictionary().AddKey("Parent", pages->Reference());
        pdfPage->GetDictionary().AddKey("MediaBox", mediaBox(doc));
        pdfPage->GetDictionary().AddKey("Resources", resources->Reference());
        pdfPage->GetDictionary().AddKey("Contents", contents);
        kids.push_back(pdfPage->Reference());
    }
    pageNumber = 0;
    pages->GetDictionary().AddKey("Kids", kids);
    pages->GetDictionary().AddKey("Count", pdfInteger(doc.pages.size()));
    return writePdfFile(objects, *catalog, *info, toLower(doc.documentId));
}

}  // namespace

PdfRenderer::PdfRenderer(std::shared_ptr<const FontMetrics> fonts) : impl_(new Impl(std::move(fonts))) {
    if (!impl_->fonts) throw std::logic_error("PdfRenderer needs FontMetrics");
}

PdfRenderer::~PdfRenderer() = default;

Result<std::string> PdfRenderer::render(const layout::Document& doc) const {
    Status valid = checkDocument(doc);
    if (!valid) return valid;
    int pageNumber = 0;
    try {
        DocumentFonts fonts(*impl_->fonts, impl_->subsets);
        collectText(doc, fonts);
        Status subset = fonts.finish();
        if (!subset) return Status::internal(context(doc, 0) + subset.message());
        return writeDocument(doc, *impl_->fonts, fonts, impl_->fixedContent, pageNumber);
    } catch (const PoDoFo::PdfError& e) {
        return Status::internal(context(doc, pageNumber) + "PoDoFo: " + e.what());
    } catch (const std::exception& e) {
        return Status::internal(context(doc, pageNumber) + e.what());
    } catch (...) {
        return Status::internal(context(doc, pageNumber) + "unknown exception");
    }
}

}  // namespace render
