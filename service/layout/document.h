// Layout model: what a filled sheet looks like, in millimetres, with text
// already fitted to its boxes. Built by layout::buildDocument() from a
// template and validated form data; read by the PDF and XLSX renderers, which
// only draw what is here. Plain data, no I/O; safe to share read-only.
#pragma once

#include <string>
#include <vector>

namespace layout {

constexpr double kPtPerMm = 72.0 / 25.4;
// What a box prints when its text continues on a 別紙 page.
inline constexpr const char* kSeeAttachment = "別紙参照";

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Bottom };

// Which edges of a cell are ruled. Rules are drawn black, widthPt thick.
struct Borders {
    bool top = false;
    bool right = false;
    bool bottom = false;
    bool left = false;
    double widthPt = 0.5;
    bool any() const { return top || right || bottom || left; }
};

struct TextLine {
    std::string text;    // UTF-8, no newline
    double widthPt = 0;  // advance width at the block's font size
};

// Text fitted into a box: broken into lines, at one font size. The renderer
// places line i's baseline at: box top + paddingMm + ascent + i * lineHeightPt
// (shifted for vAlign), and its left edge by hAlign using widthPt.
struct TextBlock {
    std::vector<TextLine> lines;
    double fontSizePt = 9;
    double lineHeightPt = 11;  // baseline-to-baseline
    HAlign hAlign = HAlign::Left;
    VAlign vAlign = VAlign::Middle;
    bool empty() const { return lines.empty(); }
};

// What a spreadsheet cell holds: text, or a date/time written as a date
// serial with a 和暦 number format.
enum class ValueKind { Text, Date, DateTime, Time };

struct Cell {
    // Grid placement, for the spreadsheet (0-based, spans >= 1).
    int row = 0;
    int col = 0;
    int rowSpan = 1;
    int colSpan = 1;
    // Box on the paper, mm from the top-left corner of the page, for the PDF.
    double xMm = 0;
    double yMm = 0;
    double widthMm = 0;
    double heightMm = 0;
    double paddingMm = 0.8;  // inner margin on every side
    Borders borders;
    TextBlock text;  // what the PDF prints in the box

    // Spreadsheet view of the same cell.
    std::string value;                 // full content (may hold '\n'); never cut
    std::string fieldKey;              // non-empty: an entry cell bound to this field
    std::vector<std::string> choices;  // non-empty: drop-down list (data validation)
    bool numeric = false;              // value is a plain number
    std::string entryName;             // entry cells: form::entryName, the cell's defined name
    ValueKind kind = ValueKind::Text;  // Date: value "YYYY-MM-DD"; DateTime: ISO with offset; Time: "HH:MM"
    std::string dateFormat;            // with a date kind: the template format ("" = wareki, "wareki_short", "birth")
    // Decorations printed around a value (〒, 様, units): the spreadsheet
    // shows them through the cell's number format, never in its value.
    std::string before;
    std::string after;
    // The text did not fit even at the minimum size: the box prints
    // kSeeAttachment and the 別紙 pages carry value, which stays whole.
    bool continued = false;
    // The workbook shows this cell as these cells instead (the PDF draws the
    // cell as it is): a row of ■/□ boxes as one box cell per option (a ■/□
    // drop-down) with its label and its note cell beside it, a decorated
    // value as the value between label cells for its decorations. The parts
    // cover the cell's grid range exactly, each inside it, carry its outer
    // borders, and depend on the template only, never on the data (a blank
    // workbook has the same cells as a filled one). Never nested.
    std::vector<Cell> sheetParts;
};

// A free line on the page (cut line, separators). Coordinates in mm.
struct Rule {
    double x1Mm = 0, y1Mm = 0, x2Mm = 0, y2Mm = 0;
    double widthPt = 0.5;
    bool dashed = false;
};

// A QR code printed on the page (reply/page_code.h), drawn by the PDF
// renderer as filled squares, black on white, and never in the spreadsheet.
struct CodeMark {
    std::string payload;  // 16 characters, a version 1 code
    double xMm = 0;       // top-left corner of the code's modules; the quiet
    double yMm = 0;       // zone around them is kept free of ink
    double moduleMm = 0.8;
};

struct Page {
    std::string name;           // worksheet name, e.g. "1枚目"
    bool continuation = false;  // 別紙 page: printed in the PDF only
    // The grid this page's cells sit on (empty on continuation pages).
    double gridLeftMm = 0;
    double gridTopMm = 0;
    std::vector<double> columnWidthsMm;
    std::vector<double> rowHeightsMm;
    std::vector<Cell> cells;
    std::vector<Rule> rules;

    // Reply codes (layout/reply_codes.h). When contentScale < 1 the cells and
    // rules above are drawn scaled by it about (contentOriginXMm,
    // contentOriginYMm), which stays where it is, to make room for the codes;
    // the codes and their captions are drawn as they are.
    double contentScale = 1;
    double contentOriginXMm = 0;
    double contentOriginYMm = 0;
    std::vector<CodeMark> codes;
    std::vector<Cell> codeCaptions;  // the printed reply_ref beside each code
};

struct Document {
    std::string sheetId;      // template id, e.g. "admission-info"
    std::string title;        // document title (PDF /Title, workbook title)
    std::string documentId;   // 32 hex digits, stable per job (PDF /ID)
    std::string createdIso;   // creation time from the job, ISO 8601 with offset
    double pageWidthMm = 210;
    double pageHeightMm = 297;
    double marginMm = 12;
    std::vector<Page> pages;
    std::vector<std::string> warnings;  // things worked around, e.g. a glyph replaced
    // Text of the template that documents of this sheet print, whatever was
    // filled in: labels, option labels, check boxes, prefixes, suffixes and
    // placeholders of the printed pages, and the 別紙 headings. It depends
    // only on the template and on which of its pages print, so the PDF
    // renderer prepares the glyphs it needs once per sheet (the start of its
    // font subsets) instead of for every document. A glyph listed here need
    // not be printed; one printed need not be listed.
    std::vector<std::string> sharedText;
    std::string templateVersion;        // the template's version, written into the workbook
    // Fields no page prints (PROP items): for the workbook only, two cells a
    // row (label at col 0, entry at col 1) on a hidden sheet, so that a
    // workbook carries every field. Empty on a masked rendering.
    std::vector<Cell> unprintedCells;
};

}  // namespace layout
