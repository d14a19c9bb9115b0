#include "render/pdf_renderer.h"

#include <podofo/podofo.h>

#include <array>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

#include "render/pdf/content_stream.h"
#include "render/pdf/document_fonts.h"
#include "render/pdf/pdf_file.h"

namespace render {

using common::Result;
using common::Status;
using layout::kPtPerMm;

struct PdfRenderer::Impl {
    std::shared_ptr<const FontMetrics> fonts;
};

namespace {

// Page content is small and mostly digits and operators; the default level
// costs little here, unlike on the font programs.
constexpr int kContentCompressionLevel = 6;

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

void collectText(const layout::Document& doc, DocumentFonts& fonts) {
    for (const layout::Page& page : doc.pages) {
        for (const layout::Cell& cell : page.cells) {
            for (const layout::TextLine& line : cell.text.lines) fonts.collect(line.text);
        }
    }
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

std::string pageContent(const layout::Page& page, const layout::Document& doc, const FontMetrics& metrics,
                        const DocumentFonts& fonts) {
    PageGeometry geometry(doc.pageHeightMm);
    ContentStream out;
    BorderDrawer borders(out, geometry);
    for (const layout::Cell& cell : page.cells) borders.cell(cell);
    for (const layout::Rule& rule : page.rules) {
        out.line(geometry.x(rule.x1Mm), geometry.y(rule.y1Mm), geometry.x(rule.x2Mm), geometry.y(rule.y2Mm),
                 rule.widthPt, rule.dashed);
    }
    for (const layout::Cell& cell : page.cells) drawText(out, cell, geometry, metrics, fonts);
    return out.finish();
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
                          int& pageNumber) {
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
        PoDoFo::PdfObject* contents = addFlateStream(objects, pageContent(page, doc, metrics, fonts),
                                                     kContentCompressionLevel);
        PoDoFo::PdfObject* pdfPage = objects.CreateObject("Page");
        pdfPage->GetDictionary().AddKey("Parent", pages->Reference());
        pdfPage->GetDictionary().AddKey("MediaBox", mediaBox(doc));
        pdfPage->GetDictionary().AddKey("Resources", resources->Reference());
        pdfPage->GetDictionary().AddKey("Contents", contents->Reference());
        kids.push_back(pdfPage->Reference());
    }
    pageNumber = 0;
    pages->GetDictionary().AddKey("Kids", kids);
    pages->GetDictionary().AddKey("Count", pdfInteger(doc.pages.size()));
    return writePdfFile(objects, *catalog, *info, toLower(doc.documentId));
}

}  // namespace

PdfRenderer::PdfRenderer(std::shared_ptr<const FontMetrics> fonts) : impl_(new Impl{std::move(fonts)}) {
    if (!impl_->fonts) throw std::logic_error("PdfRenderer needs FontMetrics");
}

PdfRenderer::~PdfRenderer() = default;

Result<std::string> PdfRenderer::render(const layout::Document& doc) const {
    Status valid = checkDocument(doc);
    if (!valid) return valid;
    int pageNumber = 0;
    try {
        DocumentFonts fonts(*impl_->fonts);
        collectText(doc, fonts);
        Status subset = fonts.finish();
        if (!subset) return Status::internal(context(doc, 0) + subset.message());
        return writeDocument(doc, *impl_->fonts, fonts, pageNumber);
    } catch (const PoDoFo::PdfError& e) {
        return Status::internal(context(doc, pageNumber) + "PoDoFo: " + e.what());
    } catch (const std::exception& e) {
        return Status::internal(context(doc, pageNumber) + e.what());
    } catch (...) {
        return Status::internal(context(doc, pageNumber) + "unknown exception");
    }
}

}  // namespace render
