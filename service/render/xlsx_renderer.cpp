#include "render/xlsx_renderer.h"

#include "common/characters.h"
#include "form/wareki.h"
#include "render/workbook_names.h"

#include <sys/mman.h>  // memfd_create
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace render {
namespace {

using common::Result;
using common::Status;

// ---- Units -----------------------------------------------------------------

// Excel lays a sheet out, and prints it, on a grid of whole screen pixels at
// 96 dpi (1 px = 0.75 pt). Rows and columns are therefore sized in pixels.
constexpr double kPxPerMm = 96.0 / 25.4;
constexpr double kPtPerPx = 72.0 / 96.0;
constexpr double kMinExcelFontSizePt = 7;  // excelFontSize goes no smaller (sheets.md: never below 7 pt)
constexpr double kExcelFontStepPt = 0.5;

// Column widths are stored in digits of the workbook's default font (the
// Normal style's), which is therefore Courier New 10 pt: Excel draws its
// digits 8 px wide at 96 dpi, as it does those of ＭＳ ゴシック 11 pt, and every
// font LibreOffice puts in its place (Liberation Mono, Nimbus Mono PS) has
// the same 0.6 em digits, 8 px too. Where ＭＳ ゴシック is missing, LibreOffice
// measures its digits in a proportional font instead (DejaVu Sans, 9.3 px),
// and the grid came out 17 % wider than the page. Cells never show the
// default font: each has a format naming the workbook's font (XlsxOptions).
// libxlsxwriter 1.1.4 converts every width as if the font were Calibri 11,
// with a 7 px digit and 5 px of padding.
const char* const kColumnUnitFont = "Courier New";
constexpr double kColumnUnitFontSizePt = 10;
constexpr int kExcelDigitPx = 8;
constexpr int kLxwDigitPx = 7;
constexpr int kLxwPaddingPx = 5;

// Excel keeps about 2 px clear on each side of a cell's text, plus 1 px for
// the grid line.
constexpr int kCellTextPaddingPx = 5;
// Excel's auto-fit gives MS Gothic about 1.2 times the font size per line
// (13.5 pt rows for 11 pt); 1.25 leaves room for rounding to pixels.
constexpr double kLineHeightEm = 1.25;
constexpr double kCellVerticalPaddingPt = 3;

// Japanese Excel's own files give MS Gothic family 3 (modern, fixed pitch).
constexpr uint8_t kFontFamilyModern = 3;
constexpr double kDefaultFontSizePt = 11;

constexpr uint8_t kPaperA4 = 9;
constexpr double kMmPerInch = 25.4;
constexpr char kChoiceSheetName[] = "_choices";
constexpr char kUnprintedSheetName[] = "_fields";
const std::string kContinuationSheetName = "別紙";
constexpr double kUnprintedColumnWidth = 40;

// ---- Text ------------------------------------------------------------------

std::u32string decodeUtf8(const std::string& s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char lead = static_cast<unsigned char>(s[i]);
        const int extra = lead < 0x80             ? 0
                          : (lead & 0xE0) == 0xC0 ? 1
                          : (lead & 0xF0) == 0xE0 ? 2
                          : (lead & 0xF8) == 0xF0 ? 3
                                                  : -1;
        bool ok = extra >= 0 && i + extra < s.size();
        char32_t cp = extra > 0 ? lead & (0x3F >> extra) : lead;
        for (int k = 1; ok && k <= extra; ++k) {
            const unsigned char c = static_cast<unsigned char>(s[i + k]);
            ok = (c & 0xC0) == 0x80;
            cp = (cp << 6) | (c & 0x3F);
        }
        out.push_back(ok ? cp : U'\uFFFD');
        i += ok ? extra + 1 : 1;
    }
    return out;
}

// Advance of a code point in MS Gothic, in em: half width for ASCII, Latin
// and half-width katakana; full width for kana, kanji, full-width forms and
// symbols such as ■ and □; nothing for a mark or variation selector, which
// Excel draws over the character before it.
double advanceEm(char32_t cp) {
    if (common::extendsPrevious(cp)) return 0;
    if (cp < 0x0370 || (cp >= 0xFF61 && cp <= 0xFF9F)) return 0.5;
    return 1.0;
}

// Excel wraps Latin text at spaces, so a run of ASCII letters and digits
// moves to the next line as a whole; CJK text breaks between any characters.
bool isWordChar(char32_t cp) { return cp > 0x20 && cp < 0x7F; }

int paragraphLines(const std::u32string& p, double lineEm) {
    int lines = 1;
    double x = 0;
    for (size_t i = 0; i < p.size();) {
        size_t end = i + 1;
        if (isWordChar(p[i]))
            while (end < p.size() && isWordChar(p[end])) ++end;
        double w = 0;
        for (size_t k = i; k < end; ++k) w += advanceEm(p[k]);
        if (x + w <= lineEm || p[i] == U' ') {  // a space may hang past the edge
            x += w;
        } else if (x > 0 && w <= lineEm) {
            ++lines;
            x = w;
        } else {  // wider than a whole line: Excel breaks it anywhere
            for (size_t k = i; k < end; ++k) {
                double a = advanceEm(p[k]);
                if (x > 0 && x + a > lineEm) {
                    ++lines;
                    x = 0;
                }
                x += a;
            }
        }
        i = end;
    }
    return lines;
}

// Lines Excel needs to show text wrapped in a box lineEm wide. An estimate:
// Excel's own line breaking also keeps 。、 off the start of a line.
int estimateLines(const std::string& text, double lineEm) {
    int lines = 0;
    std::u32string paragraph;
    for (char32_t cp : decodeUtf8(text)) {
        if (cp == U'\n') {
            lines += paragraphLines(paragraph, lineEm);
            paragraph.clear();
        } else if (cp != U'\r') {
            paragraph.push_back(cp);
        }
    }
    return lines + paragraphLines(paragraph, lineEm);
}

std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::optional<double> parseNumber(const std::string& s) {
    double v = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);  // locale-independent
    if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
    return v;
}

// ---- Time ------------------------------------------------------------------


// "2025-04-01T15:10:00+09:00" (or Z, optional fraction) as seconds since the epoch.
std::optional<std::time_t> parseIsoTime(const std::string& iso) {
    auto seconds = form::parseIsoEpochSeconds(iso);
    if (!seconds) return std::nullopt;
    return static_cast<std::time_t>(*seconds);
}

// ---- Names -----------------------------------------------------------------

// A sheet name in a formula: always quoted, inner quotes doubled.
std::string quotedSheet(const std::string& sheetName) {
    std::string out = "'";
    for (char c : sheetName) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

std::string absoluteCell(int row, int col) {
    char buf[32];
    lxw_rowcol_to_cell_abs(buf, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), LXW_TRUE, LXW_TRUE);
    return buf;
}

// ---- Input checks ----------------------------------------------------------

std::string pageContext(const layout::Document& doc, size_t index) {
    return "xlsx " + doc.sheetId + " page " + std::to_string(index + 1) + " (" + doc.pages[index].name + ")";
}

Status checkSheetName(const std::string& name, std::set<std::string>* used) {
    if (name.empty() || decodeUtf8(name).size() > LXW_SHEETNAME_MAX)
        return Status::internal("worksheet name must be 1 to 31 characters");
    if (name.find_first_of("[]:*?/\\") != std::string::npos)
        return Status::internal("worksheet name has one of []:*?/\\");
    if (name.front() == '\'' || name.back() == '\'')
        return Status::internal("worksheet name starts or ends with an apostrophe");
    if (!used->insert(asciiLower(name)).second) return Status::internal("two worksheets have this name");
    return Status::ok();
}

// The cells a grid page's worksheet holds: each layout cell, or the parts
// the workbook splits it into (layout::Cell::sheetParts).
std::vector<const layout::Cell*> sheetCellsOf(const layout::Page& page) {
    std::vector<const layout::Cell*> out;
    out.reserve(page.cells.size());
    for (const layout::Cell& cell : page.cells) {
        if (cell.sheetParts.empty()) out.push_back(&cell);
        for (const layout::Cell& part : cell.sheetParts) out.push_back(&part);
    }
    return out;
}

// Cells must sit inside the grid without overlapping: Excel refuses to open
// (or "repairs") a file with overlapping merged ranges.
Status checkCells(const layout::Page& page) {
    const size_t rows = page.rowHeightsMm.size(), cols = page.columnWidthsMm.size();
    std::vector<bool> taken(rows * cols);
    for (const layout::Cell* cell : sheetCellsOf(page)) {
        const layout::Cell& c = *cell;
        const std::string where = "cell at (" + std::to_string(c.row) + ", " + std::to_string(c.col) + ")";
        if (c.row < 0 || c.col < 0 || c.rowSpan < 1 || c.colSpan < 1 ||
            static_cast<size_t>(c.row) + c.rowSpan > rows || static_cast<size_t>(c.col) + c.colSpan > cols)
            return Status::internal(where + " lies outside the grid");
        for (int r = c.row; r < c.row + c.rowSpan; ++r)
            for (int col = c.col; col < c.col + c.colSpan; ++col) {
                const size_t at = static_cast<size_t>(r) * cols + static_cast<size_t>(col);
                if (taken[at]) return Status::internal(where + " overlaps another cell");
                taken[at] = true;
            }
    }
    return Status::ok();
}

Status checkGrid(const layout::Page& page) {
    if (page.columnWidthsMm.empty() || page.rowHeightsMm.empty()) return Status::internal("grid has no rows or columns");
    if (page.columnWidthsMm.size() > LXW_COL_MAX || page.rowHeightsMm.size() > LXW_ROW_MAX)
        return Status::internal("grid is larger than a worksheet");
    for (double mm : page.columnWidthsMm)
        if (!(mm > 0) || !std::isfinite(mm)) return Status::internal("column width is not positive");
    for (double mm : page.rowHeightsMm)
        if (!(mm > 0) || !std::isfinite(mm)) return Status::internal("row height is not positive");
    return checkCells(page);
}

Status checkDocument(const layout::Document& doc) {
    std::set<std::string> names;
    bool anyGrid = false;
    for (size_t i = 0; i < doc.pages.size(); ++i) {
        const layout::Page& page = doc.pages[i];
        if (page.continuation) continue;
        anyGrid = true;
        Status s = checkSheetName(page.name, &names);
        if (s) s = checkGrid(page);
        if (!s) return Status::internal(pageContext(doc, i) + ": " + s.message());
    }
    if (!anyGrid) return Status::internal("xlsx " + doc.sheetId + ": the document has no grid page");
    if (!(doc.marginMm >= 0) || !std::isfinite(doc.marginMm))
        return Status::internal("xlsx " + doc.sheetId + ": margin is not a length");
    // libxlsxwriter would write the clock's time into core.xml for a created time of 0.
    std::optional<std::time_t> created = parseIsoTime(doc.createdIso);
    if (!created || *created == 0)
        return Status::internal("xlsx " + doc.sheetId + ": createdIso is not an ISO 8601 time: '" + doc.createdIso + "'");
    return Status::ok();
}

// ---- Grid geometry ---------------------------------------------------------

// Splits tracks given in mm into whole pixels by rounding the running edge
// down, not each track, so the grid keeps its total size and never grows
// past it: rows that fill the page to its bottom margin (273 mm is 1031.8 px)
// would otherwise print their last row on a page of its own.
std::vector<int> trackPixels(const std::vector<double>& sizesMm) {
    std::vector<int> px;
    double edgeMm = 0;
    long edgePx = 0;
    for (double mm : sizesMm) {
        edgeMm += mm;
        long next = static_cast<long>(std::floor(edgeMm * kPxPerMm + 1e-6));
        px.push_back(static_cast<int>(std::max(next - edgePx, 1L)));
        edgePx += px.back();
    }
    return px;
}

// libxlsxwriter writes a width w as the file width W = n / 7 (cut to 1/256),
// n being the pixels w takes with Calibri: n = round(7w) + 5, or round(12w)
// below one character. Excel then shows trunc(8W + 0.5) px, taking 8 px per
// digit of MS Gothic (ECMA-376 part 1, 18.3.1.13).
int excelPxForLxwPx(int n) {
    double fileWidth = std::floor(n * 256.0 / kLxwDigitPx) / 256.0;
    return static_cast<int>(fileWidth * kExcelDigitPx + 0.5);
}

double lxwWidthForLxwPx(int n) {
    const int oneChar = kLxwDigitPx + kLxwPaddingPx;
    return n < oneChar ? n / double(oneChar) : (n - kLxwPaddingPx) / double(kLxwDigitPx);
}

struct ColumnPlan {
    std::vector<double> lxwWidths;  // what worksheet_set_column takes
    std::vector<int> excelPx;       // what Excel shows
};

// Each column gets the width whose Excel pixels come closest to the next
// running edge. Not every pixel count is reachable (W moves in 1/7 steps,
// 8/7 px), and the edge keeps the small misses from adding up.
ColumnPlan planColumns(const std::vector<double>& widthsMm) {
    ColumnPlan plan;
    double edgeMm = 0;
    long edgePx = 0;
    for (double mm : widthsMm) {
        edgeMm += mm;
        long want = std::lround(edgeMm * kPxPerMm) - edgePx;
        int guess = static_cast<int>(std::lround(want * double(kLxwDigitPx) / kExcelDigitPx));
        int best = std::max(1, guess - 1);
        for (int n = best + 1; n <= guess + 1; ++n)
            if (std::labs(excelPxForLxwPx(n) - want) < std::labs(excelPxForLxwPx(best) - want)) best = n;
        plan.lxwWidths.push_back(lxwWidthForLxwPx(best));
        plan.excelPx.push_back(excelPxForLxwPx(best));
        edgePx += plan.excelPx.back();
    }
    return plan;
}

// A numeric cell whose value reads as a number is written as one; anything
// else is written as text.
std::optional<double> numberOf(const layout::Cell& cell) {
    return cell.numeric ? parseNumber(cell.value) : std::nullopt;
}

// Excel's date serial (1900 system) of a date, time or date-time cell;
// nullopt for text, and for days before 1900-03-01, which Excel cannot show
// as dates (it counts a 29 February 1900 that never was); those stay text.
std::optional<double> serialOf(const layout::Cell& cell) {
    static const long long kSerialEpochDays = form::daysSinceEpoch(form::Date{1899, 12, 30});
    static const form::Date kFirstSerialDate{1900, 3, 1};
    auto dateSerial = [](const form::Date& d) -> std::optional<double> {
        if (d < kFirstSerialDate) return std::nullopt;
        return static_cast<double>(form::daysSinceEpoch(d) - kSerialEpochDays);
    };
    auto timeFraction = [](const form::TimeOfDay& t) { return (t.hour * 60 + t.minute) / 1440.0; };
    switch (cell.kind) {
        case layout::ValueKind::Date:
            if (auto d = form::parseIsoDate(cell.value)) return dateSerial(*d);
            break;
        case layout::ValueKind::DateTime:
            if (auto dt = form::parseIsoDateTimeJst(cell.value))
                if (auto day = dateSerial(dt->date)) return *day + timeFraction(dt->time);
            break;
        case layout::ValueKind::Time:
            if (auto t = form::parseTime(cell.value)) return timeFraction(*t);
            break;
        case layout::ValueKind::Text: break;
    }
    return std::nullopt;
}

// What a date cell shows when it cannot be a serial: its 和暦 text.
std::string dateTextOf(const layout::Cell& cell) {
    if (cell.kind == layout::ValueKind::Date)
        if (auto d = form::parseIsoDate(cell.value)) return form::formatWareki(*d);
    if (cell.kind == layout::ValueKind::DateTime)
        if (auto dt = form::parseIsoDateTimeJst(cell.value)) return form::formatWarekiDateTime(*dt);
    return cell.value;
}

double fontSizeOf(const layout::Cell& cell) {
    double size = cell.text.fontSizePt;
    return size > 0 && std::isfinite(size) ? size : kDefaultFontSizePt;
}

// Rows keep their designed heights: the layout has already shrunk the text
// to fit its box in the PDF (or moved it to the 別紙). Excel breaks lines a
// little differently, so a text it would need more lines for than the box
// gives is shown smaller still, down to kMinExcelFontSizePt, never by
// growing the rows (which would push the sheet onto another page).
double excelFontSize(const layout::Cell& cell, const std::vector<int>& columnPx, const std::vector<int>& rowPx) {
    const double designed = fontSizeOf(cell);
    if (cell.value.empty() || numberOf(cell) || cell.continued || cell.kind != layout::ValueKind::Text) return designed;
    int widthPx = -kCellTextPaddingPx;
    for (int c = cell.col; c < cell.col + cell.colSpan; ++c) widthPx += columnPx[static_cast<size_t>(c)];
    int heightPx = 0;
    for (int r = cell.row; r < cell.row + cell.rowSpan; ++r) heightPx += rowPx[static_cast<size_t>(r)];
    for (double size = designed; size > kMinExcelFontSizePt; size -= kExcelFontStepPt) {
        const int lines = estimateLines(cell.value, std::max(widthPx, 1) * kPtPerPx / size);
        const int linesShown =
            static_cast<int>((heightPx * kPtPerPx - kCellVerticalPaddingPt) / (size * kLineHeightEm));
        if (lines <= std::max(linesShown, 1)) return size;
    }
    return std::min(designed, kMinExcelFontSizePt);
}

// ---- libxlsxwriter resources -----------------------------------------------

Status lxwStatus(lxw_error err, const std::string& context) {
    return Status::ioError(context + ": " + lxw_strerror(err));
}

// Prefixes a failure with where it happened, keeping its code.
Status withContext(const Status& s, const std::string& context) {
    if (s) return s;
    const std::string message = context + ": " + s.message();
    return s.code() == Status::Code::IOError ? Status::ioError(message) : Status::internal(message);
}

struct WorkbookFree {
    void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};
using WorkbookPtr = std::unique_ptr<lxw_workbook, WorkbookFree>;

// workbook_close formats the core.xml dates with gmtime(), whose buffer is
// shared by the process, and names its scratch files with srand()/rand() from
// an unguarded static seed (third_party/tmpfileplus.c): two closes at once can
// swap dates or collide on a name. Building workbooks needs no lock: in
// constant_memory mode workbook_add_worksheet makes a scratch file as well,
// but a name taken at the same moment only makes tmpfileplus draw another
// (it opens with O_EXCL), and no date is formatted then.
std::mutex& closeMutex() {
    static std::mutex mutex;
    return mutex;
}

std::string errnoText() { return std::generic_category().message(errno); }

// The workbook file, kept in memory (memfd) so that the patient data in it
// never gets a name in a file system, and no disk file is created, written
// and unlinked per render. libxlsxwriter opens its output by name, so it is
// given the descriptor's /dev/fd path; it closes its own descriptor when
// done, and ours keeps the bytes until they are read back.
class MemoryFile {
public:
    MemoryFile() = default;
    ~MemoryFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    Status create() {
        fd_ = ::memfd_create("renkei-xlsx", MFD_CLOEXEC);
        if (fd_ < 0) return Status::ioError("creating the in-memory workbook file: " + errnoText());
        path_ = "/dev/fd/" + std::to_string(fd_);
        // Checked here: libxlsxwriter would only say "error creating output xlsx file".
        if (::access(path_.c_str(), W_OK) != 0)
            return Status::ioError("opening " + path_ + " (is /proc mounted?): " + errnoText());
        return Status::ok();
    }
    const std::string& path() const { return path_; }

    Result<std::string> read() const {
        struct stat st = {};
        if (::fstat(fd_, &st) != 0) return Status::ioError("reading back the workbook: " + errnoText());
        std::string bytes(static_cast<size_t>(st.st_size), '\0');
        for (size_t done = 0; done < bytes.size();) {
            ssize_t n = ::pread(fd_, &bytes[done], bytes.size() - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return Status::ioError("reading back the workbook: " + (n < 0 ? errnoText() : "cut short"));
            done += static_cast<size_t>(n);
        }
        if (bytes.empty()) return Status::ioError("reading back the workbook: it is empty");
        return bytes;
    }

private:
    int fd_ = -1;
    std::string path_;
};

bool isWritableDir(const std::string& dir) {
    struct stat st = {};
    return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir.c_str(), W_OK | X_OK) == 0;
}

// workbook_close writes each part of the workbook to a scratch file before
// zipping it (third_party/tmpfileplus.c: created with O_EXCL, mode 0600, and
// unlinked before anything is written to it). A dozen of those per render
// cost far less on tmpfs than on a disk file system, so they go to /dev/shm
// when it can be written, and to the configured tempDir otherwise.
std::string scratchDir(const std::string& tempDir) {
    const std::string shm = "/dev/shm";
    return isWritableDir(shm) ? shm : tempDir;
}

// How a cell looks; cells that look alike share one format.
struct CellStyle {
    layout::Borders borders;
    layout::HAlign hAlign = layout::HAlign::Left;
    layout::VAlign vAlign = layout::VAlign::Middle;
    double fontSizePt = kDefaultFontSizePt;
    bool unlocked = false;
    bool wrap = true;
    std::string numFormat;  // "" = General

    auto key() const {
        return std::make_tuple(borders.top, borders.right, borders.bottom, borders.left, hAlign, vAlign, fontSizePt,
                               unlocked, wrap, numFormat);
    }
    bool operator<(const CellStyle& o) const { return key() < o.key(); }
};

// A literal for a number format: quoted, and a quote (which a format cannot
// escape inside quotes) left out.
std::string formatLiteral(const std::string& text) {
    std::string out = "\"";
    for (char c : text)
        if (c != '"') out += c;
    return out + "\"";
}

// 和暦 formats for dates. [$-411] (Japanese) with g/e is what both Excel and
// LibreOffice read as the Japanese era calendar.
std::string dateFormatOf(const layout::Cell& cell) {
    switch (cell.kind) {
        case layout::ValueKind::Date:
            if (cell.dateFormat == "wareki_short") return "[$-411]ge.m.d";
            if (cell.dateFormat == "birth") return "[$-411]ggge\"年\"m\"月\"d\"日生\"";
            return "[$-411]ggge\"年\"m\"月\"d\"日\"";
        case layout::ValueKind::DateTime: return "[$-411]ggge\"年\"m\"月\"d\"日\" h\"時\"mm\"分\"";
        case layout::ValueKind::Time: return "h\"時\"mm\"分\"";
        case layout::ValueKind::Text: break;
    }
    return "";
}

// Entry cells show their decorations (〒, 様, units) through the number
// format, so the value stays the bare value. Text entry cells are text
// formatted ("@"), so that Excel keeps a typed 0166-… or 0123 as typed.
std::string numFormatOf(const layout::Cell& cell) {
    if (cell.fieldKey.empty()) return "";
    const std::string before = cell.before.empty() ? "" : formatLiteral(cell.before);
    const std::string after = cell.after.empty() ? "" : formatLiteral(cell.after);
    if (cell.kind != layout::ValueKind::Text && serialOf(cell)) {
        std::string format = dateFormatOf(cell);
        const std::string locale = "[$-411]";  // stays first, before the literal
        const size_t at = format.rfind(locale, 0) == 0 ? locale.size() : 0;
        return format.insert(at, before) + after;
    }
    if (cell.numeric) return before.empty() && after.empty() ? "" : before + "General" + after;
    return before + "@" + after;
}

CellStyle styleOf(const layout::Cell& cell) {
    CellStyle s;
    s.borders = cell.borders;
    s.hAlign = cell.text.hAlign;
    s.vAlign = cell.text.vAlign;
    s.fontSizePt = fontSizeOf(cell);
    s.unlocked = !cell.fieldKey.empty();
    s.wrap = !numberOf(cell) && cell.kind == layout::ValueKind::Text;
    s.numFormat = numFormatOf(cell);
    return s;
}

uint8_t lxwAlign(layout::HAlign a) {
    switch (a) {
        case layout::HAlign::Center: return LXW_ALIGN_CENTER;
        case layout::HAlign::Right: return LXW_ALIGN_RIGHT;
        case layout::HAlign::Left: break;
    }
    return LXW_ALIGN_LEFT;
}

uint8_t lxwAlign(layout::VAlign a) {
    switch (a) {
        case layout::VAlign::Top: return LXW_ALIGN_VERTICAL_TOP;
        case layout::VAlign::Bottom: return LXW_ALIGN_VERTICAL_BOTTOM;
        case layout::VAlign::Middle: break;
    }
    return LXW_ALIGN_VERTICAL_CENTER;
}

void setFont(lxw_format* f, const std::string& fontName) {
    format_set_font_name(f, fontName.c_str());
    format_set_font_family(f, kFontFamilyModern);
}

// libxlsxwriter 1.1.4 has no call for the default (Normal style) font, but
// its first format is that default (xf 0, made by workbook_new_opt). Excel
// and LibreOffice measure column widths in its digits (see kColumnUnitFont).
void setDefaultFont(lxw_workbook* wb) {
    lxw_format* normal = STAILQ_FIRST(wb->formats);
    if (!normal || normal->xf_index != 0) return;
    setFont(normal, kColumnUnitFont);
    format_set_font_size(normal, kColumnUnitFontSizePt);
}

class FormatCache {
public:
    FormatCache(lxw_workbook* wb, std::string fontName) : wb_(wb), fontName_(std::move(fontName)) {}

    // The workbook owns the format; nullptr when out of memory.
    lxw_format* get(const CellStyle& s) {
        auto it = formats_.find(s);
        if (it != formats_.end()) return it->second;
        lxw_format* f = workbook_add_format(wb_);
        if (!f) return nullptr;
        setFont(f, fontName_);
        format_set_font_size(f, s.fontSizePt);
        format_set_align(f, lxwAlign(s.hAlign));
        format_set_align(f, lxwAlign(s.vAlign));
        if (s.wrap) format_set_text_wrap(f);
        if (s.unlocked) format_set_unlocked(f);
        if (!s.numFormat.empty()) format_set_num_format(f, s.numFormat.c_str());
        if (s.borders.top) format_set_top(f, LXW_BORDER_THIN);
        if (s.borders.right) format_set_right(f, LXW_BORDER_THIN);
        if (s.borders.bottom) format_set_bottom(f, LXW_BORDER_THIN);
        if (s.borders.left) format_set_left(f, LXW_BORDER_THIN);
        formats_.emplace(s, f);
        return f;
    }

private:
    lxw_workbook* wb_;
    std::string fontName_;
    std::map<CellStyle, lxw_format*> formats_;
};

// ---- Drop-down lists -------------------------------------------------------

// Excel caps an inline list at 255 characters with its commas, and cannot
// escape a comma or quote in it. libxlsxwriter 1.1.4 also copies the list into
// a 258-byte buffer after counting characters, not bytes (fixed in 1.1.6), so
// a list must stay within 255 bytes of UTF-8 to be written inline.
bool fitsInline(const std::vector<std::string>& choices) {
    size_t bytes = 0;
    for (const std::string& c : choices) {
        if (c.find_first_of(",\"") != std::string::npos) return false;
        bytes += c.size() + 1;
    }
    return bytes - 1 <= 255;
}

// Lists too long to write inline go on a hidden sheet after the pages, one
// column each (equal lists share a column), and are referenced by range.
class ChoiceSheet {
public:
    explicit ChoiceSheet(std::string name) : name_(std::move(name)) {}

    // The validation formula for a list that does not fit inline.
    std::string rangeFor(const std::vector<std::string>& choices) {
        auto it = ranges_.find(choices);
        if (it != ranges_.end()) return it->second;
        const int col = static_cast<int>(lists_.size());
        lists_.push_back(choices);
        std::string range = "=" + quotedSheet(name_) + "!" + absoluteCell(0, col) + ":" +
                            absoluteCell(static_cast<int>(choices.size()) - 1, col);
        ranges_.emplace(choices, range);
        return range;
    }

    Status write(lxw_workbook* wb, FormatCache& formats, const std::string& context) const {
        if (lists_.empty()) return Status::ok();
        lxw_worksheet* ws = workbook_add_worksheet(wb, name_.c_str());
        lxw_format* f = formats.get(CellStyle{});
        if (!ws || !f) return Status::ioError(context + ": adding the hidden list sheet");
        // Row by row: constant_memory mode drops writes to an earlier row.
        size_t rows = 0;
        for (const auto& list : lists_) rows = std::max(rows, list.size());
        for (size_t row = 0; row < rows; ++row)
            for (size_t col = 0; col < lists_.size(); ++col) {
                if (row >= lists_[col].size()) continue;
                lxw_error err = worksheet_write_string(ws, row, col, lists_[col][row].c_str(), f);
                if (err) return lxwStatus(err, context + ": writing list item " + lists_[col][row]);
            }
        worksheet_hide(ws);
        worksheet_protect(ws, nullptr, nullptr);
        return Status::ok();
    }

private:
    std::string name_;
    std::vector<std::vector<std::string>> lists_;
    std::map<std::vector<std::string>, std::string> ranges_;
};

// A name for a sheet of the renderer's own that no page has.
std::string ownSheetName(const layout::Document& doc, const std::string& base) {
    std::set<std::string> used;
    for (const layout::Page& p : doc.pages)
        if (!p.continuation) used.insert(asciiLower(p.name));
    std::string name = base;
    for (int i = 2; used.count(name); ++i) name = base + std::to_string(i);
    return name;
}

// ---- Worksheets ------------------------------------------------------------

// State of one render: lives on the caller's stack, never shared.
struct Build {
    lxw_workbook* wb;
    FormatCache formats;
    ChoiceSheet choices;
    std::set<std::string> names;  // defined names given so far, lower case (Excel ignores case)
};

Status writeValue(lxw_worksheet* ws, const layout::Cell& cell, lxw_format* f) {
    const lxw_row_t r = cell.row;
    const lxw_col_t c = cell.col;
    lxw_error err;
    std::optional<double> number = numberOf(cell);
    std::optional<double> serial = serialOf(cell);
    if (cell.continued)  // the whole text is on the 別紙 sheets and in the hidden sheet
        err = worksheet_write_string(ws, r, c, layout::kSeeAttachment, f);
    else if (number)
        err = worksheet_write_number(ws, r, c, *number, f);
    else if (serial)
        err = worksheet_write_number(ws, r, c, *serial, f);
    else if (cell.kind != layout::ValueKind::Text)
        err = worksheet_write_string(ws, r, c, dateTextOf(cell).c_str(), f);
    else if (cell.value.empty())
        err = worksheet_write_blank(ws, r, c, f);
    else
        err = worksheet_write_string(ws, r, c, cell.value.c_str(), f);
    return err ? lxwStatus(err, "writing the value") : Status::ok();
}

// Each entry cell gets its entry's name (form::entryName); a second cell of
// the same entry (the 記入日 on every page) gets "<name>._2", and so on.
Status nameField(Build& b, const std::string& sheetName, const layout::Cell& cell, const std::string& given = "") {
    const std::string base =
        !given.empty() ? given : definedNameFor(cell.entryName.empty() ? cell.fieldKey : cell.entryName);
    std::string name = base;
    for (int copy = 2; !b.names.insert(asciiLower(name)).second; ++copy) name = copyNameFor(base, copy);
    std::string formula = "=" + quotedSheet(sheetName) + "!" + absoluteCell(cell.row, cell.col);
    // libxlsxwriter keeps names and formulas in 128-byte buffers and would cut them.
    if (name.size() >= LXW_DEFINED_NAME_LENGTH || formula.size() >= LXW_DEFINED_NAME_LENGTH)
        return Status::internal("defined name " + name + " or its reference is too long");
    lxw_error err = workbook_define_name(b.wb, name.c_str(), formula.c_str());
    return err ? lxwStatus(err, "defining name " + name) : Status::ok();
}

Status addDropDown(Build& b, lxw_worksheet* ws, const layout::Cell& cell) {
    std::vector<char*> items;
    std::string range;
    lxw_data_validation v = {};
    if (fitsInline(cell.choices)) {
        v.validate = LXW_VALIDATION_TYPE_LIST;
        for (const std::string& c : cell.choices) items.push_back(const_cast<char*>(c.c_str()));
        items.push_back(nullptr);
        v.value_list = items.data();
    } else {
        v.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
        range = b.choices.rangeFor(cell.choices);
        v.value_formula = range.data();
    }
    lxw_error err = worksheet_data_validation_range(ws, cell.row, cell.col, cell.row + cell.rowSpan - 1,
                                                    cell.col + cell.colSpan - 1, &v);
    return err ? lxwStatus(err, "adding the drop-down list") : Status::ok();
}

// A cell for libxlsxwriter to write: the value of a layout cell, or a blank
// that carries the format of the merged range it lies in.
struct CellWrite {
    lxw_col_t col;
    const layout::Cell* value;  // nullptr for a blank
    lxw_format* format;
};
using RowWrites = std::vector<std::vector<CellWrite>>;  // indexed by row

// Merges the cell's range, names it, gives it its list, and queues its cells
// for writeRows. Every cell of the range gets the format, as
// worksheet_merge_range would give it, because Excel draws a merged range's
// borders from the cells along its edges.
Status placeCell(Build& b, lxw_worksheet* ws, const std::string& sheetName, const layout::Cell& cell,
                 double fontSizePt, RowWrites* rows) {
    CellStyle style = styleOf(cell);
    style.fontSizePt = fontSizePt;
    lxw_format* f = b.formats.get(style);
    if (!f) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "adding a format");
    if (cell.rowSpan > 1 || cell.colSpan > 1) {
        // Without a format merge_range only records the range: the cells it
        // would write now would come out of row order (see writeRows).
        lxw_error err = worksheet_merge_range(ws, cell.row, cell.col, cell.row + cell.rowSpan - 1,
                                              cell.col + cell.colSpan - 1, "", nullptr);
        if (err) return lxwStatus(err, "merging");
    }
    for (int r = cell.row; r < cell.row + cell.rowSpan; ++r)
        for (int c = cell.col; c < cell.col + cell.colSpan; ++c) {
            const bool first = r == cell.row && c == cell.col;
            (*rows)[r].push_back(CellWrite{static_cast<lxw_col_t>(c), first ? &cell : nullptr, f});
        }
    Status s;
    if (!cell.fieldKey.empty()) s = nameField(b, sheetName, cell);
    if (s && !cell.choices.empty()) s = addDropDown(b, ws, cell);
    return s;
}

// Columns past the grid are hidden: the sheet is the form and nothing else,
// and row formats (see rowFormatOf) do not run on beside it.
Status setColumns(lxw_worksheet* ws, const ColumnPlan& columns) {
    const size_t count = columns.lxwWidths.size();
    for (size_t c = 0; c < count; ++c) {
        lxw_error err = worksheet_set_column(ws, c, c, columns.lxwWidths[c], nullptr);
        if (err) return lxwStatus(err, "sizing column " + std::to_string(c));
    }
    if (count == LXW_COL_MAX) return Status::ok();
    lxw_row_col_options hidden = {};
    hidden.hidden = LXW_TRUE;
    lxw_error err = worksheet_set_column_opt(ws, count, LXW_COL_MAX - 1, LXW_DEF_COL_WIDTH, nullptr, &hidden);
    return err ? lxwStatus(err, "hiding the columns past the grid") : Status::ok();
}

Status writeQueued(lxw_worksheet* ws, lxw_row_t row, const CellWrite& w) {
    if (w.value) return writeValue(ws, *w.value, w.format);
    lxw_error err = worksheet_write_blank(ws, row, w.col, w.format);
    return err ? lxwStatus(err, "writing a blank") : Status::ok();
}

// A form row is a few merged ranges side by side, and nearly every cell of
// one is an edge cell carrying the range's borders (see placeCell), so most
// of a row's blanks share one format. That format becomes the row's format,
// which Excel gives every cell of the row that is not written, and those
// blanks are left out: about three in four cells of a sheet. Grid cells no
// layout cell covers are then written plain, and the columns past the grid
// are hidden (setColumns), so the row format shows only where it belongs.
lxw_format* rowFormatOf(const std::vector<CellWrite>& writes, size_t gridColumns) {
    // Counted in the order the formats come, so that a tie goes the same
    // way in every render (pointer order would not).
    std::vector<std::pair<lxw_format*, size_t>> blanks;
    for (const CellWrite& w : writes) {
        if (w.value) continue;
        auto it = std::find_if(blanks.begin(), blanks.end(), [&w](const auto& b) { return b.first == w.format; });
        if (it == blanks.end()) blanks.emplace_back(w.format, 1);
        else ++it->second;
    }
    const size_t gaps = gridColumns - writes.size();  // written plain once the row has a format
    lxw_format* best = nullptr;
    size_t bestSaved = 0;
    for (const auto& [format, count] : blanks)
        if (count > gaps && count - gaps > bestSaved) {
            best = format;
            bestSaved = count - gaps;
        }
    return best;
}

// The cells of a row to write when it has the given row format: values,
// blanks of another format, and (with a row format) plain uncovered cells.
std::vector<CellWrite> cellsToWrite(const std::vector<CellWrite>& writes, lxw_format* rowFormat, size_t gridColumns,
                                    lxw_format* plain) {
    if (!rowFormat) return writes;
    std::vector<CellWrite> out;
    std::vector<bool> covered(gridColumns);
    for (const CellWrite& w : writes) {
        covered[w.col] = true;
        if (w.value || w.format != rowFormat) out.push_back(w);
    }
    for (size_t c = 0; c < gridColumns; ++c)
        if (!covered[c]) out.push_back(CellWrite{static_cast<lxw_col_t>(c), nullptr, plain});
    return out;
}

// The workbook is built in constant_memory mode: libxlsxwriter writes a row's
// XML as soon as a later row is touched and drops whatever comes for an
// earlier one, so each row is sized and filled before the next. The XML is
// then made here, not in workbook_close under closeMutex.
Status writeRows(lxw_worksheet* ws, const std::vector<int>& rowPx, const RowWrites& rows, size_t gridColumns,
                 lxw_format* plain) {
    for (size_t r = 0; r < rowPx.size(); ++r) {
        lxw_format* rowFormat = rowFormatOf(rows[r], gridColumns);
        lxw_error err = worksheet_set_row(ws, r, rowPx[r] * kPtPerPx, rowFormat);
        if (err) return lxwStatus(err, "sizing row " + std::to_string(r));
        for (const CellWrite& w : cellsToWrite(rows[r], rowFormat, gridColumns, plain)) {
            Status s = writeQueued(ws, r, w);
            if (!s) return withContext(s, "cell at (" + std::to_string(r) + ", " + std::to_string(w.col) + ")");
        }
    }
    return Status::ok();
}

Status setUpPrinting(lxw_worksheet* ws, const layout::Document& doc, size_t rows, size_t columns) {
    const double marginIn = doc.marginMm / kMmPerInch;
    worksheet_set_paper(ws, kPaperA4);
    worksheet_set_portrait(ws);
    worksheet_set_margins(ws, marginIn, marginIn, marginIn, marginIn);
    // At 100 %, never fit to the page: the grid is the A4 page inside the
    // margins, and a sheet that needed shrinking would be a layout bug.
    worksheet_set_print_scale(ws, 100);
    worksheet_gridlines(ws, LXW_SHOW_SCREEN_GRIDLINES);  // on screen only, never printed
    lxw_error err = worksheet_print_area(ws, 0, 0, rows - 1, columns - 1);
    return err ? lxwStatus(err, "setting the print area") : Status::ok();
}

// Labels stay locked and entry cells are not. Users may still resize rows
// and columns, to see more of what they type, but the sheet has no password:
// the lock only keeps labels from being typed over by accident.
void protect(lxw_worksheet* ws) {
    lxw_protection options = {};
    options.format_rows = LXW_TRUE;
    options.format_columns = LXW_TRUE;
    worksheet_protect(ws, nullptr, &options);
}

Status writePage(Build& b, const layout::Document& doc, const layout::Page& page) {
    lxw_worksheet* ws = workbook_add_worksheet(b.wb, page.name.c_str());
    if (!ws) return Status::ioError("adding the worksheet");
    const ColumnPlan columns = planColumns(page.columnWidthsMm);
    const std::vector<int> rowPx = trackPixels(page.rowHeightsMm);
    RowWrites rows(page.rowHeightsMm.size());
    for (const layout::Cell* cell : sheetCellsOf(page)) {
        Status s = placeCell(b, ws, page.name, *cell, excelFontSize(*cell, columns.excelPx, rowPx), &rows);
        if (!s) return withContext(s, "cell at (" + std::to_string(cell->row) + ", " + std::to_string(cell->col) + ")");
    }
    lxw_format* plain = b.formats.get(CellStyle{});  // for grid cells no layout cell covers
    if (!plain) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "adding a format");
    Status s = setColumns(ws, columns);
    if (s) s = writeRows(ws, rowPx, rows, page.columnWidthsMm.size(), plain);
    if (s) s = setUpPrinting(ws, doc, page.rowHeightsMm.size(), page.columnWidthsMm.size());
    if (s) protect(ws);
    return s;
}

// Row heights cut to the page: a 別紙 page's last text box reaches up to
// 1.6 mm past the bottom margin with its padding, which the PDF leaves
// blank; the rows take it from their ends (at most half of each row).
std::vector<double> withinPage(std::vector<double> heightsMm, double pageMm) {
    double excess = -pageMm;
    for (double h : heightsMm) excess += h;
    for (size_t i = heightsMm.size(); i-- > 0 && excess > 0;) {
        const double cut = std::min(excess, heightsMm[i] / 2);
        heightsMm[i] -= cut;
        excess -= cut;
    }
    return heightsMm;
}

// A 別紙 page as a worksheet that prints as the PDF's page: one column as
// wide as the text, a row per printed line at the PDF's line height, and
// spacer rows for the gaps, so it fills one A4 page at 100 %.
Status writeContinuationPage(Build& b, const layout::Document& doc, const layout::Page& page,
                             const std::string& sheetName) {
    lxw_worksheet* ws = workbook_add_worksheet(b.wb, sheetName.c_str());
    if (!ws) return Status::ioError("adding the worksheet");
    std::vector<const layout::Cell*> cells;
    for (const layout::Cell& c : page.cells) cells.push_back(&c);
    std::stable_sort(cells.begin(), cells.end(),
                     [](const layout::Cell* a, const layout::Cell* b) { return a->yMm < b->yMm; });
    struct Line {
        double heightMm;
        std::string text;
        CellStyle style;
    };
    std::vector<Line> lines;
    double y = doc.marginMm;
    for (const layout::Cell* c : cells) {
        if (c->yMm > y + 0.05) lines.push_back({c->yMm - y, "", CellStyle{}});
        const size_t n = std::max<size_t>(1, c->text.lines.size());
        for (size_t i = 0; i < n; ++i) {
            CellStyle style;
            style.fontSizePt = fontSizeOf(*c);
            style.wrap = false;
            style.vAlign = layout::VAlign::Bottom;
            style.borders.bottom = c->borders.bottom && i + 1 == n;
            lines.push_back({c->heightMm / n, i < c->text.lines.size() ? c->text.lines[i].text : "", style});
        }
        y = std::max(y, c->yMm + c->heightMm);
    }
    if (lines.empty()) lines.push_back({1, "", CellStyle{}});
    std::vector<double> heightsMm;
    for (const Line& l : lines) heightsMm.push_back(l.heightMm);
    const std::vector<int> rowPx = trackPixels(withinPage(heightsMm, doc.pageHeightMm - 2 * doc.marginMm));
    Status s = setColumns(ws, planColumns({doc.pageWidthMm - 2 * doc.marginMm}));
    for (size_t r = 0; s && r < lines.size(); ++r) {
        lxw_error err = worksheet_set_row(ws, r, rowPx[r] * kPtPerPx, nullptr);
        if (err) return lxwStatus(err, "sizing row " + std::to_string(r));
        lxw_format* f = b.formats.get(lines[r].style);
        if (!f) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "adding a format");
        err = lines[r].text.empty() ? worksheet_write_blank(ws, r, 0, f)
                                    : worksheet_write_string(ws, r, 0, lines[r].text.c_str(), f);
        if (err) return lxwStatus(err, "writing row " + std::to_string(r));
    }
    if (s) s = setUpPrinting(ws, doc, lines.size(), 1);
    if (s) protect(ws);
    return s;
}

// The fields no page prints, on a hidden sheet: a label and a named entry
// cell a row, so that a workbook sent back carries every field.
Status writeUnprinted(Build& b, const layout::Document& doc) {
    // The whole text of each box that shows 別紙参照, after the unprinted
    // fields, each named <its entry's name>._cont.
    std::vector<layout::Cell> continued;
    int row = doc.unprintedCells.empty() ? 0 : doc.unprintedCells.back().row + 1;
    for (const layout::Page& page : doc.pages)
        for (const layout::Cell* cellPtr : page.continuation ? std::vector<const layout::Cell*>() : sheetCellsOf(page))
            if (const layout::Cell& cell = *cellPtr; cell.continued) {
                layout::Cell label;
                label.row = row;
                label.value = layout::kSeeAttachment;
                layout::Cell whole = cell;
                whole.continued = false;
                whole.row = row++;
                whole.col = 1;
                whole.rowSpan = whole.colSpan = 1;
                whole.choices.clear();
                continued.push_back(label);
                continued.push_back(whole);
            }
    if (doc.unprintedCells.empty() && continued.empty()) return Status::ok();
    const std::string name = ownSheetName(doc, kUnprintedSheetName);
    lxw_worksheet* ws = workbook_add_worksheet(b.wb, name.c_str());
    if (!ws) return Status::ioError("adding the sheet");
    lxw_error err = worksheet_set_column(ws, 0, 1, kUnprintedColumnWidth, nullptr);
    if (err) return lxwStatus(err, "sizing the columns");
    for (const layout::Cell& cell : doc.unprintedCells) {  // row by row (constant_memory)
        lxw_format* f = b.formats.get(styleOf(cell));
        if (!f) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "adding a format");
        Status s = writeValue(ws, cell, f);
        if (s && !cell.fieldKey.empty()) s = nameField(b, name, cell);
        if (s && !cell.choices.empty()) s = addDropDown(b, ws, cell);
        if (!s) return withContext(s, "row " + std::to_string(cell.row));
    }
    for (const layout::Cell& cell : continued) {
        lxw_format* f = b.formats.get(styleOf(cell));
        if (!f) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "adding a format");
        Status s = writeValue(ws, cell, f);
        if (s && !cell.fieldKey.empty())
            s = nameField(b, name, cell, continuedNameFor(definedNameFor(cell.entryName)));
        if (!s) return withContext(s, "row " + std::to_string(cell.row));
    }
    worksheet_hide(ws);
    return Status::ok();
}

// A fixed creation time keeps the clock out of docProps/core.xml (libxlsxwriter
// writes it as both created and modified).
// A text constant as a formula: ="…", with each " doubled.
std::string formulaText(const std::string& text) {
    std::string out = "=\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

Status setProperties(lxw_workbook* wb, const layout::Document& doc) {
    std::string title = doc.title;
    lxw_doc_properties props = {};
    props.title = title.empty() ? nullptr : title.data();
    props.created = parseIsoTime(doc.createdIso).value();  // checked in checkDocument
    lxw_error err = workbook_set_properties(wb, &props);
    if (!err) err = workbook_set_custom_property_string(wb, kSheetIdProperty, doc.sheetId.c_str());
    if (!err && !doc.templateVersion.empty())
        err = workbook_set_custom_property_string(wb, kTemplateVersionProperty, doc.templateVersion.c_str());
    if (!err) err = workbook_define_name(wb, kSheetIdProperty, formulaText(doc.sheetId).c_str());
    if (!err && !doc.templateVersion.empty())
        err = workbook_define_name(wb, kTemplateVersionProperty, formulaText(doc.templateVersion).c_str());
    return err ? lxwStatus(err, "xlsx " + doc.sheetId + ": setting the properties") : Status::ok();
}

Status buildWorkbook(lxw_workbook* wb, const layout::Document& doc, const XlsxOptions& options) {
    setDefaultFont(wb);
    Status s = setProperties(wb, doc);
    if (!s) return s;
    Build b{wb, FormatCache(wb, options.fontName), ChoiceSheet(ownSheetName(doc, kChoiceSheetName)), {}};
    int continuations = 0;
    for (size_t i = 0; i < doc.pages.size(); ++i) {
        const layout::Page& page = doc.pages[i];
        if (page.continuation) {
            ++continuations;
            const std::string base = kContinuationSheetName + (continuations > 1 ? std::to_string(continuations) : "");
            s = writeContinuationPage(b, doc, page, ownSheetName(doc, base));
        } else {
            s = writePage(b, doc, page);
        }
        if (!s) return withContext(s, pageContext(doc, i));
    }
    s = writeUnprinted(b, doc);
    if (!s) return withContext(s, "xlsx " + doc.sheetId + ": unprinted fields");
    return b.choices.write(wb, b.formats, "xlsx " + doc.sheetId);
}

}  // namespace

Result<std::string> renderXlsx(const layout::Document& doc, const XlsxOptions& options) {
    Status s = checkDocument(doc);
    if (!s) return s;
    // tempDir is checked even when /dev/shm takes the scratch files, so a
    // wrong setting shows on every machine, not only on those without it.
    if (!isWritableDir(options.tempDir))
        return Status::ioError("xlsx " + doc.sheetId + ": temp dir " + options.tempDir + " is not writable");
    MemoryFile file;
    s = file.create();
    if (!s) return Status::ioError("xlsx " + doc.sheetId + ": " + s.message());

    std::string tmpdir = scratchDir(options.tempDir);
    lxw_workbook_options wbOptions = {};
    wbOptions.tmpdir = tmpdir.data();
    // Rows are written as they are filled (see writeRows), and text goes
    // into the cells as inline strings instead of a shared string table.
    wbOptions.constant_memory = LXW_TRUE;
    WorkbookPtr wb(workbook_new_opt(file.path().c_str(), &wbOptions));
    if (!wb) return lxwStatus(LXW_ERROR_MEMORY_MALLOC_FAILED, "xlsx " + doc.sheetId + ": creating the workbook");
    s = buildWorkbook(wb.get(), doc, options);
    if (!s) return s;

    lxw_error err;
    {
        std::lock_guard<std::mutex> lock(closeMutex());
        err = workbook_close(wb.release());  // writes the file and frees the workbook
    }
    if (err) return lxwStatus(err, "xlsx " + doc.sheetId + ": writing the workbook");
    Result<std::string> bytes = file.read();
    if (!bytes.isOk()) return Status::ioError("xlsx " + doc.sheetId + ": " + bytes.status().message());
    return bytes;
}

}  // namespace render
