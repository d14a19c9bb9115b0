#include "layout/layout_builder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "common/utf8.h"
#include "form/validator.h"
#include "form/wareki.h"
#include "layout/printable_text.h"
#include "layout/reply_codes.h"
#include "layout/sheet_parts.h"
#include "layout/text_fitter.h"
#include "reply/reply_ref.h"

namespace layout {
namespace {

using form::CellSpec;
using form::FieldSpec;
using form::FieldType;
using form::FieldValue;
using form::FormData;

const char* kChecked = "■";
const char* kUnchecked = "□";

Borders bordersOf(const std::string& spec) {
    Borders b;
    if (spec == "none") return b;
    bool all = spec == "all";
    b.top = all || spec.find('t') != std::string::npos;
    b.right = all || spec.find('r') != std::string::npos;
    b.bottom = all || spec.find('b') != std::string::npos;
    b.left = all || spec.find('l') != std::string::npos;
    return b;
}

HAlign hAlignOf(form::HAlign a) {
    return a == form::HAlign::Center ? HAlign::Center : a == form::HAlign::Right ? HAlign::Right : HAlign::Left;
}

VAlign vAlignOf(form::VAlign a) {
    return a == form::VAlign::Top ? VAlign::Top : a == form::VAlign::Bottom ? VAlign::Bottom : VAlign::Middle;
}

std::string noteText(const form::OptionSpec& o, const FormData& data) {
    if (o.noteKey.empty() || !data.has(o.noteKey)) return "";
    std::string out = o.noteFormat;
    size_t at = out.find("{}");
    if (at == std::string::npos) return out + data.text(o.noteKey);
    return out.replace(at, 2, data.text(o.noteKey));
}

bool isChosen(const FieldValue* v, const std::string& option) {
    if (!v) return false;
    return v->scalar == option || std::find(v->list.begin(), v->list.end(), option) != v->list.end();
}

std::string formatScalar(const FieldSpec& f, const std::string& format, const std::string& raw) {
    if (raw.empty()) return "";
    switch (f.type) {
    case FieldType::Date: {
        auto d = form::parseIsoDate(raw);
        if (!d) return raw;
        if (format == "wareki_short") return form::formatWarekiShort(*d);
        if (format == "birth") return form::formatWareki(*d) + "生";
        return form::formatWareki(*d);
    }
    case FieldType::DateTime: {
        auto dt = form::parseIsoDateTimeJst(raw);
        return dt ? form::formatWarekiDateTime(*dt) : raw;
    }
    case FieldType::Time: {
        auto t = form::parseTime(raw);
        return t ? form::formatTime(*t) : raw;
    }
    case FieldType::Bool: return raw == "true" ? "あり" : "なし";
    default: return raw;
    }
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

CellContent formatChoices(const CellSpec& cell, const FieldSpec& f, const FormData& data) {
    CellContent c;
    const FieldValue* v = data.get(f.key);
    std::vector<std::string> boxes, chosen;
    for (const auto& o : f.options) {
        bool on = isChosen(v, o.value);
        std::string label = o.label + (on ? noteText(o, data) : "");
        if (cell.option.empty() || cell.option == o.value) boxes.push_back((on ? kChecked : kUnchecked) + label);
        if (on) chosen.push_back(label);
        if (f.type == FieldType::Enum) c.choices.push_back(o.label);
    }
    if (cell.format == "label") {
        c.printed = join(chosen, "、");
    } else {
        c.printed = join(boxes, "　");
    }
    if (!cell.option.empty()) {
        // One box standing for one option: the spreadsheet shows the same box.
        c.value = c.printed;
        c.choices.clear();
    } else {
        c.value = join(chosen, "、");
    }
    if (f.type == FieldType::Enum && v && f.option(v->scalar) && !noteText(*f.option(v->scalar), data).empty())
        c.choices.clear();  // a value with a note is not one of the plain labels
    return c;
}

}  // namespace

CellContent formatCell(const CellSpec& cell, const FieldSpec& f, const FormData& data) {
    if (f.type == FieldType::Enum || f.type == FieldType::Multi) return formatChoices(cell, f, data);
    CellContent c;
    if (f.type == FieldType::Bool) {
        bool on = data.text(f.key) == "true";
        c.printed = std::string(on ? kChecked : kUnchecked) + cell.text;
        c.value = c.printed;
        c.choices = {std::string(kChecked) + cell.text, std::string(kUnchecked) + cell.text};
        return c;
    }
    std::string raw;
    const FieldSpec* spec = &f;
    if (f.type == FieldType::Table) {
        const FieldValue* v = data.get(f.key);
        for (const auto& col : f.columns)
            if (col.key == cell.column) spec = &col;
        if (v && cell.item >= 0 && static_cast<size_t>(cell.item) < v->rows.size()) {
            auto it = v->rows[cell.item].find(cell.column);
            if (it != v->rows[cell.item].end()) {
                if (spec->type == FieldType::Enum || spec->type == FieldType::Multi) {
                    FormData one;
                    one.values[spec->key] = it->second;
                    CellSpec plain = cell;
                    plain.format = "label";
                    return formatChoices(plain, *spec, one);
                }
                raw = it->second.scalar;
            }
        }
    } else {
        raw = data.text(f.key);
    }
    std::string text = formatScalar(*spec, cell.format, raw);
    if (text.empty()) {
        c.printed = cell.placeholder;
        return c;
    }
    c.printed = cell.prefix + text + cell.suffix;
    c.numeric = spec->type == FieldType::Number || (spec->type == FieldType::Derived && spec->derive == "age");
    c.before = cell.prefix;
    c.after = cell.suffix;
    c.value = text;
    const bool validIso = !raw.empty() && text != raw;  // formatScalar leaves what it cannot read as it is
    if (spec->type == FieldType::Date && validIso) c.kind = ValueKind::Date;
    if (spec->type == FieldType::DateTime && validIso) c.kind = ValueKind::DateTime;
    if (spec->type == FieldType::Time && validIso) c.kind = ValueKind::Time;
    if (c.kind != ValueKind::Text) {
        c.value = raw;
        c.dateFormat = cell.format;
    }
    return c;
}

namespace {

struct Overflow {
    std::string label;
    std::u32string text;
};

class Builder {
public:
    Builder(const form::SheetTemplate& sheet, const FormData& data, const TextMeasurer& measurer,
            const BuildOptions& options)
        : sheet_(sheet),
          data_(withDocumentFields(sheet, data, options)),
          measurer_(measurer),
          options_(options),
          names_(maskedNames(data, options), options.mask) {}

    Document build() {
        doc_.sheetId = sheet_.id;
        doc_.title = sheet_.title;
        doc_.documentId = options_.documentId;
        doc_.createdIso = options_.createdIso;
        doc_.pageWidthMm = sheet_.pageWidthMm;
        doc_.pageHeightMm = sheet_.pageHeightMm;
        doc_.marginMm = sheet_.marginMm;
        for (const auto& page : sheet_.pages) {
            if (!page.onlyWhen.empty() && !data_.has(page.onlyWhen) && !options_.everyPage) continue;
            doc_.pages.push_back(buildPage(page));
            addSharedText(page);
        }
        addContinuationPages();
        addReplyCodes(doc_, options_.replyRef, options_.codeDocument, measurer_);
        doc_.templateVersion = sheet_.version;
        if (options_.mask == MaskMode::None) addUnprintedCells();
        return std::move(doc_);
    }

private:
    Page buildPage(const form::PageSpec& spec) {
        Page page;
        page.name = spec.name;
        page.gridLeftMm = sheet_.marginMm;
        page.gridTopMm = sheet_.marginMm;
        page.columnWidthsMm = sheet_.columnWidthsMm;
        page.rowHeightsMm = spec.rowHeightsMm;
        std::vector<double> colX(1, page.gridLeftMm), rowY(1, page.gridTopMm);
        for (double w : page.columnWidthsMm) colX.push_back(colX.back() + w);
        for (double h : page.rowHeightsMm) rowY.push_back(rowY.back() + h);
        for (const auto& cs : spec.cells) page.cells.push_back(buildCell(cs, colX, rowY));
        for (const auto& r : spec.rules)
            page.rules.push_back({page.gridLeftMm + r.x1Mm, page.gridTopMm + r.y1Mm, page.gridLeftMm + r.x2Mm,
                                  page.gridTopMm + r.y2Mm, r.widthPt, r.dashed});
        return page;
    }

    // Document::sharedText for a printed page: the template's own text, never
    // what was filled in. The first page also adds what any page may print
    // around the fields and on the 別紙.
    void addSharedText(const form::PageSpec& spec) {
        std::vector<std::string>& out = doc_.sharedText;
        // Line by line: a line break is no character to print.
        auto add = [&out](const std::string& text) {
            for (std::size_t start = 0; start <= text.size();) {
                std::size_t end = std::min(text.find('\n', start), text.size());
                if (end > start) out.push_back(text.substr(start, end - start));
                start = end + 1;
            }
        };
        if (out.empty()) {
            add(std::string(kChecked) + kUnchecked + kSeeAttachment + "0123456789");
            add(sheet_.title + "　別紙　/【】(続き)利用者: 様※");
        }
        auto addOptions = [&add](const FieldSpec& f) {
            for (const auto& o : f.options) add(o.label);
        };
        for (const auto& cs : spec.cells) {
            for (const std::string* text : {&cs.text, &cs.prefix, &cs.suffix, &cs.placeholder}) add(*text);
            const FieldSpec* field = cs.field.empty() ? nullptr : sheet_.field(cs.field);
            if (!field) continue;
            addOptions(*field);
            for (const auto& col : field->columns)
                if (col.key == cs.column) addOptions(col);
        }
    }

    Cell buildCell(const CellSpec& cs, const std::vector<double>& colX, const std::vector<double>& rowY) {
        Cell cell;
        cell.row = cs.row;
        cell.col = cs.col;
        cell.rowSpan = cs.rowSpan;
        cell.colSpan = cs.colSpan;
        cell.xMm = colX[cs.col];
        cell.yMm = rowY[cs.row];
        cell.widthMm = colX[cs.col + cs.colSpan] - cell.xMm;
        cell.heightMm = rowY[cs.row + cs.rowSpan] - cell.yMm;
        cell.borders = bordersOf(cs.border);
        std::string printed = cs.text;
        const FieldSpec* field = cs.field.empty() ? nullptr : sheet_.field(cs.field);
        const bool masked = options_.mask != MaskMode::None && cs.hasMask;
        if (masked) field = cs.masked.empty() ? nullptr : sheet_.field(cs.masked);
        if (masked && !field) printed.clear();  // withheld from the fax entirely
        if (field) {
            CellContent content = formatCell(cs, *field, data_);
            printed = content.printed;
            cell.value = content.value;
            cell.choices = content.choices;
            cell.numeric = content.numeric;
            cell.fieldKey = field->key;
            cell.entryName = form::entryName(cs, field->key);
            cell.kind = content.kind;
            cell.dateFormat = content.dateFormat;
            cell.before = content.before;
            cell.after = content.after;
        } else {
            cell.value = cs.text;
        }
        if (field) {
            // The name hides in family fields and free text as well as in its own
            // cell; this one place covers every entry cell and so the 別紙 too.
            printed = names_.apply(printed);
            cell.value = names_.apply(cell.value);
        }
        std::string where = field ? field->key : "label";
        FitRequest req;
        req.text = printableText(printed, measurer_, where, doc_.warnings);
        req.widthMm = std::max(0.0, cell.widthMm - 2 * cell.paddingMm);
        req.heightMm = std::max(0.0, cell.heightMm - 2 * cell.paddingMm);
        req.fontSizePt = cs.fontSizePt > 0 ? cs.fontSizePt : sheet_.fontSizePt;
        req.minFontSizePt = std::min(req.fontSizePt, sheet_.minFontSizePt);
        const FieldSpec* shown = field;  // the spec of what the cell shows (a table column)
        if (field && field->type == FieldType::Table)
            for (const auto& col : field->columns)
                if (col.key == cs.column) shown = &col;
        req.preferSingleLine = !shown || shown->type != FieldType::MText;
        req.hAlign = hAlignOf(cs.hAlign);
        req.vAlign = vAlignOf(cs.vAlign);
        FitResult fit = fitText(req, measurer_);
        bool notesMoved = false;  // the row's notes went to the 別紙
        if (!fit.fits && field && shown == field && isBoxRow(cs, *field)) {
            // The boxes always print with their marks; only the notes move to the 別紙.
            notesMoved = true;
            req.text = printableText(boxesWithReferences(cs, *field), measurer_, where, doc_.warnings);
            fit = fitText(req, measurer_);
            if (!fit.fits) doc_.warnings.push_back("choices_overflow: " + field->key);
        } else if (!fit.fits && field) {
            // Nothing is cut: the box points to the continuation page, which carries the whole text.
            overflows_.push_back({shown == field ? field->label
                                                 : field->label + " " + std::to_string(cs.item + 1) + " " + shown->label,
                                  req.text});
            req.text = common::decodeUtf8(kSeeAttachment).value();
            cell.continued = true;
            fit = fitText(req, measurer_);
        } else if (!fit.fits) {
            doc_.warnings.push_back("label_overflow: " + cs.text);
        }
        cell.text = fit.block;
        if (field && options_.sheetParts && options_.mask == MaskMode::None)
            cell.sheetParts = sheetPartsOf(cs, *field, cell, req.fontSizePt, req.minFontSizePt, notesMoved);
        return cell;
    }

    // ---- The workbook's cells for a box row or a decorated value -----------

    // A box, ■ or □ from a ■/□ drop-down, standing for one option (or a bool).
    SheetPiece boxPiece(const std::string& fieldKey, const std::string& entry, bool on, int group) const {
        SheetPiece p;
        p.content.value = on ? kChecked : kUnchecked;
        p.content.choices = {kChecked, kUnchecked};
        p.content.fieldKey = fieldKey;
        p.content.entryName = entry;
        p.content.text.hAlign = HAlign::Center;
        p.widthEm = 1;
        p.group = group;
        return p;
    }

    SheetPiece labelPiece(const std::string& text, int group) const {
        SheetPiece p;
        p.content.value = text;
        p.widthEm = textWidthEm(text, measurer_);
        p.group = group;
        return p;
    }

    // An option's note cell: the note as it was sent, without its brackets.
    // moved: the PDF printed it on the 別紙 (boxesWithReferences), so the
    // cell shows 別紙参照 as a box that continues there does, and the whole
    // note goes with the 別紙 sheets and the hidden sheet (Cell::continued).
    SheetPiece notePiece(const form::OptionSpec& o, const std::string& entry, int group, bool moved) const {
        SheetPiece p;
        const FieldSpec* spec = sheet_.field(o.noteKey);
        p.content.value = data_.has(o.noteKey) ? names_.apply(data_.text(o.noteKey)) : "";
        p.content.continued = moved && !p.content.value.empty();
        p.content.fieldKey = o.noteKey;
        p.content.entryName = entry;
        p.content.numeric = spec && spec->type == FieldType::Number;
        p.widthEm = p.content.numeric ? 1 : 3;  // a grade or count, or a few words
        p.group = group;
        p.grows = true;
        return p;
    }

    // ■ 男 □ 女 …: box, label, and for an option with a note its bracket
    // around the note cell: 「その他(」 [note] 「)」.
    std::vector<SheetPiece> boxRowPieces(const CellSpec& cs, const FieldSpec& f, bool notesMoved) const {
        std::vector<SheetPiece> pieces;
        const FieldValue* v = data_.get(f.key);
        int group = 0;
        for (const auto& o : f.options) {
            if (!cs.option.empty() && cs.option != o.value) continue;
            pieces.push_back(boxPiece(f.key, form::boxEntryName(cs, f.key, o.value), isChosen(v, o.value), group));
            if (o.noteKey.empty()) {
                pieces.push_back(labelPiece(o.label, group));
            } else {
                const std::string format = o.noteFormat.empty() ? "({})" : o.noteFormat;
                const size_t at = format.find("{}");
                const std::string before = at == std::string::npos ? format : format.substr(0, at);
                const std::string after = at == std::string::npos ? "" : format.substr(at + 2);
                pieces.push_back(labelPiece(o.label + before, group));
                // Only a chosen option's note moved (boxesWithReferences).
                const bool moved = notesMoved && isChosen(v, o.value);
                pieces.push_back(notePiece(o, form::noteEntryName(cs, f.key, o.value), group, moved));
                if (!after.empty()) pieces.push_back(labelPiece(after, group));
            }
            ++group;
        }
        return pieces;
    }

    // Without the ASCII and 全角 spaces around it (" 様" -> "様").
    static std::string trimSpaces(const std::string& s) {
        const std::string wide = "\u3000";
        size_t b = 0, e = s.size();
        while (b < e) {
            if (s[b] == ' ') ++b;
            else if (s.compare(b, wide.size(), wide) == 0) b += wide.size();
            else break;
        }
        while (e > b) {
            if (s[e - 1] == ' ') --e;
            else if (e - b >= wide.size() && s.compare(e - wide.size(), wide.size(), wide) == 0) e -= wide.size();
            else break;
        }
        return s.substr(b, e - b);
    }

    // 〒 [value], [value] 様, (朝 [value] 時頃: the decorations in label cells.
    std::vector<SheetPiece> decoratedPieces(const CellSpec& cs, const Cell& cell) const {
        std::vector<SheetPiece> pieces;
        const std::string before = trimSpaces(cs.prefix), after = trimSpaces(cs.suffix);
        if (!before.empty()) pieces.push_back(labelPiece(before, 0));
        SheetPiece value;
        value.content = cell;
        value.content.before.clear();
        value.content.after.clear();
        value.content.text.lines.clear();
        value.widthEm = 2;
        value.grows = true;
        value.keepsFontSize = true;
        pieces.push_back(std::move(value));
        if (!after.empty()) pieces.push_back(labelPiece(after, 0));
        for (SheetPiece& p : pieces)
            if (p.content.fieldKey.empty()) p.content.text.hAlign = p.content.value == before ? HAlign::Right : HAlign::Left;
        return pieces;
    }

    // The workbook's cells for an entry cell, or none when the cell is one
    // cell in the workbook as well (or its parts do not fit its range).
    std::vector<Cell> sheetPartsOf(const CellSpec& cs, const FieldSpec& f, const Cell& cell, double sizePt,
                                   double minSizePt, bool notesMoved) const {
        std::vector<SheetPiece> pieces;
        bool oneRow = false;
        if (f.type == FieldType::Enum || f.type == FieldType::Multi) {
            if (cs.format == "label") return {};
            pieces = boxRowPieces(cs, f, notesMoved);
        } else if (f.type == FieldType::Bool) {
            pieces.push_back(boxPiece(f.key, form::entryName(cs, f.key), data_.text(f.key) == "true", 0));
            if (!cs.text.empty()) pieces.push_back(labelPiece(cs.text, 0));
            pieces.back().grows = true;
        } else if (f.type != FieldType::Table && (!cs.prefix.empty() || !cs.suffix.empty())) {
            pieces = decoratedPieces(cs, cell);
            oneRow = true;
        }
        if (pieces.empty()) return {};
        return placeSheetParts(cell, pieces, sheet_.columnWidthsMm, sizePt, minSizePt, oneRow);
    }

    // Every field no page shows, but its notes (they go with their option)
    // and what the server derives.
    void addUnprintedCells() {
        std::set<std::string> shown;
        for (const auto& page : sheet_.pages)
            for (const auto& cs : page.cells)
                if (!cs.field.empty()) shown.insert(cs.field);
        int row = 0;
        for (const auto& f : sheet_.fields) {
            if (shown.count(f.key) || f.isNote || f.type == FieldType::Derived || f.type == FieldType::Table) continue;
            CellSpec cs;
            cs.field = f.key;
            CellContent content = formatCell(cs, f, data_);
            Cell label;
            label.row = row;
            label.value = f.label;
            Cell entry;
            entry.row = row;
            entry.col = 1;
            entry.value = content.value;
            entry.choices = content.choices;
            entry.numeric = content.numeric;
            entry.fieldKey = f.key;
            entry.entryName = f.key;
            entry.kind = content.kind;
            entry.dateFormat = content.dateFormat;
            doc_.unprintedCells.push_back(std::move(label));
            doc_.unprintedCells.push_back(std::move(entry));
            ++row;
        }
    }

    // A row of ■/□ boxes (not the chosen labels alone, not a table column).
    static bool isBoxRow(const CellSpec& cs, const FieldSpec& f) {
        return (f.type == FieldType::Enum || f.type == FieldType::Multi) && cs.format != "label";
    }

    // The cell's boxes with each chosen option's note replaced by a reference
    // (※1, ※2 … numbered through the document); the notes go to the 別紙
    // under the same reference.
    std::string boxesWithReferences(const CellSpec& cs, const FieldSpec& f) {
        const FieldValue* v = data_.get(f.key);
        std::vector<std::string> boxes;
        for (const auto& o : f.options) {
            if (!cs.option.empty() && cs.option != o.value) continue;
            const bool on = isChosen(v, o.value);
            std::string label = o.label;
            if (on && !o.noteKey.empty() && data_.has(o.noteKey)) {
                const std::string ref = "※" + std::to_string(++references_);
                label += ref;
                overflows_.push_back({ref + " " + f.label + "(" + o.label + ")",
                                      common::decodeUtf8(names_.apply(data_.text(o.noteKey))).value_or(U"")});
            }
            boxes.push_back((on ? kChecked : kUnchecked) + label);
        }
        return join(boxes, "　");
    }

    // What heads every 別紙 page besides the title: the patient as the sheet's
    // name cell prints them (its masked stand-in on a masked fax) and the
    // sheet's 記入日, so that a page that comes loose can be put back.
    std::string continuationSubject() {
        std::vector<std::string> parts;
        for (const auto& page : sheet_.pages)
            for (const auto& cs : page.cells) {
                if (cs.field != "pt_name" || !parts.empty()) continue;
                const FieldSpec* f = sheet_.field(cs.field);
                const bool masked = options_.mask != MaskMode::None && cs.hasMask;
                if (masked) f = cs.masked.empty() ? nullptr : sheet_.field(cs.masked);
                if (f && data_.has(f->key)) parts.push_back("利用者:" + data_.text(f->key) + " 様");
            }
        if (const FieldSpec* date = sheet_.field("doc_date"); date && data_.has("doc_date"))
            parts.push_back(date->label + ":" + formatScalar(*date, "wareki", data_.text("doc_date")));
        return names_.apply(join(parts, "　"));
    }

    // 別紙: each overflowing field under its label, page after page, each page
    // headed with the sheet title, n/m, the patient and the 記入日. A text
    // that goes on over a page break is headed again with (続き).
    void addContinuationPages() {
        if (overflows_.empty()) return;
        const double left = sheet_.marginMm, top = sheet_.marginMm;
        const double width = sheet_.pageWidthMm - 2 * sheet_.marginMm;
        const double bottom = sheet_.pageHeightMm - sheet_.marginMm;
        const double size = options_.continuationFontSizePt;
        const double lineMm = size * kLineSpacing / kPtPerMm;
        const std::string subject = continuationSubject();
        const double headerMm = subject.empty() ? 12 : 17;
        std::vector<Page> pages;
        double y = bottom;  // forces a first page
        auto newPage = [&] {
            Page p;
            p.continuation = true;
            p.name = "別紙";
            pages.push_back(p);
            y = top + headerMm;
        };
        for (const auto& o : overflows_) {
            if (y + 3 * lineMm > bottom) newPage();
            pages.back().cells.push_back(textCell(left, y, width, lineMm * 1.3, "【" + o.label + "】", size));
            y += lineMm * 1.5;
            TextBlock all = wrapText(o.text, width - 1.6, size, measurer_);
            size_t next = 0;
            while (next < all.lines.size()) {
                if (y + lineMm > bottom) {
                    newPage();
                    pages.back().cells.push_back(
                        textCell(left, y, width, lineMm * 1.3, "【" + o.label + "】(続き)", size));
                    y += lineMm * 1.5;
                    continue;
                }
                size_t fit = static_cast<size_t>(std::max(1.0, std::floor((bottom - y) / lineMm)));
                Cell c;
                c.xMm = left;
                c.yMm = y;
                c.widthMm = width;
                // This page's lines only: copying every line for each page made long texts quadratic.
                c.text.fontSizePt = all.fontSizePt;
                c.text.lineHeightPt = all.lineHeightPt;
                c.text.hAlign = all.hAlign;
                c.text.lines.assign(std::make_move_iterator(all.lines.begin() + next),
                                    std::make_move_iterator(all.lines.begin() + std::min(all.lines.size(), next + fit)));
                c.text.vAlign = VAlign::Top;
                c.heightMm = c.text.lines.size() * lineMm + 1.6;
                y += c.heightMm;
                next += c.text.lines.size();
                pages.back().cells.push_back(c);
            }
            y += lineMm * 0.5;
        }
        for (size_t i = 0; i < pages.size(); ++i) {
            std::string heading = sheet_.title + "　別紙　" + std::to_string(i + 1) + "/" + std::to_string(pages.size());
            Cell h = textCell(left, top, width, 8, heading, 12);
            if (subject.empty()) {
                h.borders.bottom = true;
                pages[i].cells.insert(pages[i].cells.begin(), h);
            } else {
                Cell about = textCell(left, top + 8, width, 6, subject, 9);
                about.borders.bottom = true;
                pages[i].cells.insert(pages[i].cells.begin(), {h, about});
            }
            doc_.pages.push_back(std::move(pages[i]));
        }
    }

    Cell textCell(double x, double y, double w, double h, const std::string& text, double sizePt) {
        Cell c;
        c.xMm = x;
        c.yMm = y;
        c.widthMm = w;
        c.heightMm = h;
        FitRequest req;
        req.text = common::decodeUtf8(text).value_or(U"");
        req.widthMm = w - 2 * c.paddingMm;
        req.heightMm = h - 2 * c.paddingMm;
        req.fontSizePt = sizePt;
        req.minFontSizePt = std::min(sizePt, 7.0);
        req.preferSingleLine = true;
        c.text = fitText(req, measurer_).block;
        c.value = text;
        return c;
    }

    // Fields that depend on the document rather than the input: the reply
    // reference comes from the document id, the fax label from the mask mode.
    static FormData withDocumentFields(const form::SheetTemplate& sheet, const FormData& data,
                                       const BuildOptions& options) {
        FormData out = data;
        for (const auto& f : sheet.fields) {
            if (f.derive == "reply_ref" && !options.replyRef.empty()) {
                out.values[f.key].scalar = reply::displayReplyRef(options.replyRef);
            } else if (f.derive == "reply_ref" && options.documentId.size() >= 10) {
                std::string ref = "R";
                for (char c : options.documentId.substr(0, 10)) ref += static_cast<char>(std::toupper(c));
                out.values[f.key].scalar = ref;
            }
            if (f.derive == "initials" && options.mask == MaskMode::Partial && f.deriveFrom.size() == 2)
                out.values[f.key].scalar = form::partialMask(data.text(f.deriveFrom[0]));
        }
        return out;
    }

    static std::vector<PersonName> maskedNames(const FormData& data, const BuildOptions& options) {
        std::vector<PersonName> names = options.maskNames;
        names.push_back(patientName(data));
        return names;
    }

    const form::SheetTemplate& sheet_;
    const FormData data_;
    const TextMeasurer& measurer_;
    const BuildOptions& options_;
    const NameMask names_;
    Document doc_;
    std::vector<Overflow> overflows_;
    int references_ = 0;  // ※n given to notes moved to the 別紙 so far
};

}  // namespace

PersonName patientName(const FormData& data) {
    return {data.text(form::kPatientNameKey), data.text(form::kPatientKanaKey)};
}

Document buildDocument(const form::SheetTemplate& sheet, const FormData& data, const TextMeasurer& measurer,
                       const BuildOptions& options) {
    return Builder(sheet, data, measurer, options).build();
}

}  // namespace layout
