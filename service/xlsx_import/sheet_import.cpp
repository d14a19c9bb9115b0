#include "xlsx_import/sheet_import.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "form/validator.h"
#include "form/wareki.h"
#include "layout/document.h"
#include "render/workbook_names.h"

namespace xlsx_import {
namespace {

using common::FieldError;
using common::Result;
using common::Status;
using form::CellSpec;
using form::FieldSpec;
using form::FieldType;
using form::OptionSpec;
using Poco::JSON::Array;
using Poco::JSON::Object;

const std::string kChecked = "■";
const std::string kUnchecked = "□";

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Spaces around a value (ASCII and 全角) are not part of it.
std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    for (;;) {
        if (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
        else if (e - b >= 3 && s.compare(b, 3, "\u3000") == 0) b += 3;
        else break;
    }
    for (;;) {
        if (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
        else if (e - b >= 3 && s.compare(e - 3, 3, "\u3000") == 0) e -= 3;
        else break;
    }
    return s.substr(b, e - b);
}

bool startsWith(const std::string& s, const std::string& head) { return s.compare(0, head.size(), head) == 0; }

// ---- Where each entry is ---------------------------------------------------

struct Entry {
    const FieldSpec* field = nullptr;
    const CellSpec* spec = nullptr;  // nullptr: an unprinted field's cell (no decorations)
    std::string name;                // defined name
    bool mayBeAbsent = false;        // on a page printed only under a condition
};

struct Location {
    std::string cell, name, label;
};

std::string itemPath(const std::string& key, int item, const std::string& column) {
    return "fields." + key + "[" + std::to_string(item) + "]." + column;
}

// ---- Values ----------------------------------------------------------------

std::string numberText(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

// The text a cell shows, for a text field: numbers as they read (a phone
// number Excel took for a number has lost its leading 0; the validator says so).
std::string textOf(const CellValue& v) {
    switch (v.type) {
        case CellType::Text: return v.text;
        case CellType::Number: return numberText(v.number);
        case CellType::Bool: return v.number != 0 ? "TRUE" : "FALSE";
        case CellType::Error: return v.text;
    }
    return v.text;
}

std::string withoutDecorations(std::string s, const CellSpec* spec) {
    if (!spec) return s;
    if (!spec->prefix.empty() && startsWith(s, spec->prefix)) s.erase(0, spec->prefix.size());
    if (!spec->suffix.empty() && s.size() >= spec->suffix.size() &&
        s.compare(s.size() - spec->suffix.size(), spec->suffix.size(), spec->suffix) == 0)
        s.erase(s.size() - spec->suffix.size());
    return s;
}

std::string isoDate(const form::Date& d) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

std::string hhmm(int minutes) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
    return buf;
}

struct Moment {
    form::Date date;
    int minutes = 0;  // of the day
};

// An Excel date serial. 1900 system: day 1 is 1900-01-01 and day 60 the
// 29 February 1900 Excel counts but that never was; 1904 system: day 0 is
// 1904-01-01. The time is rounded to the minute.
std::optional<Moment> momentOfSerial(double serial, bool date1904) {
    if (!(serial >= 0 && serial < 2958466)) return std::nullopt;
    long long days = static_cast<long long>(std::floor(serial));
    long long minutes = std::llround((serial - static_cast<double>(days)) * 1440);
    if (minutes >= 1440) {
        ++days;
        minutes -= 1440;
    }
    long long epochDays;
    if (date1904) {
        epochDays = form::daysSinceEpoch(form::Date{1904, 1, 1}) + days;
    } else if (days == 60) {
        return std::nullopt;
    } else if (days < 60) {
        if (days < 1) {
            if (days == 0 && serial < 1) return Moment{form::Date{}, static_cast<int>(minutes)};  // a time alone
            return std::nullopt;
        }
        epochDays = form::daysSinceEpoch(form::Date{1899, 12, 31}) + days;
    } else {
        epochDays = form::daysSinceEpoch(form::Date{1899, 12, 30}) + days;
    }
    return Moment{form::dateFromDays(epochDays), static_cast<int>(minutes)};
}

// "14:30", "14時30分", "14時" as minutes of the day.
std::optional<int> parseTimeText(const std::string& s) {
    if (auto t = form::parseTime(s)) return t->hour * 60 + t->minute;
    int h = -1, m = 0;
    char rest[8] = {};
    if (std::sscanf(s.c_str(), "%d:%d%7s", &h, &m, rest) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
        return h * 60 + m;
    const size_t ji = s.find("時");
    if (ji == std::string::npos || ji == 0) return std::nullopt;
    const std::string hours = s.substr(0, ji), after = s.substr(ji + 3);
    if (hours.find_first_not_of("0123456789") != std::string::npos || hours.size() > 2) return std::nullopt;
    h = std::stoi(hours);
    if (!after.empty()) {
        if (after.size() < 4 || after.compare(after.size() - 3, 3, "分") != 0) return std::nullopt;
        const std::string mins = after.substr(0, after.size() - 3);
        if (mins.empty() || mins.size() > 2 || mins.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        m = std::stoi(mins);
    }
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

// ---- Choices ---------------------------------------------------------------

struct NoteFormat {
    std::string before, after;
};

NoteFormat noteFormatOf(const OptionSpec& o) {
    const std::string f = o.noteFormat.empty() ? "({})" : o.noteFormat;
    const size_t at = f.find("{}");
    if (at == std::string::npos) return {f, ""};
    return {f.substr(0, at), f.substr(at + 2)};
}

struct Reading {
    size_t end;
    std::string note;
};

// The ways option o can be read at text[pos...]: its label, then perhaps
// its note in the option's format.
std::vector<Reading> readOption(const std::string& t, size_t pos, const OptionSpec& o) {
    std::vector<Reading> out;
    if (o.label.empty() || t.compare(pos, o.label.size(), o.label) != 0) return out;
    const size_t p = pos + o.label.size();
    if (!o.noteKey.empty()) {
        const NoteFormat nf = noteFormatOf(o);
        if (t.compare(p, nf.before.size(), nf.before) == 0) {
            const size_t q = p + nf.before.size();
            if (nf.after.empty()) {
                for (size_t e = q + 1; e <= t.size(); ++e) out.push_back({e, t.substr(q, e - q)});
            } else {
                // Shortest note first; a longer one when the rest does not
                // read (a note may itself hold the closing bracket).
                for (size_t e = t.find(nf.after, q); e != std::string::npos; e = t.find(nf.after, e + 1))
                    out.push_back({e + nf.after.size(), t.substr(q, e - q)});
            }
        }
    }
    out.push_back({p, ""});
    return out;
}

struct Choice {
    size_t option;
    std::string note;
    std::string cell, name;  // the box's cell and defined name, for a ticked box
};

const char* const kSeparators[] = {"、", ",", "，"};

// Reads t as chosen labels (each once, any order) joined by 、, as the
// workbook prints a multi field or an enum's one answer cell.
bool parseChoices(const std::string& t, size_t pos, const FieldSpec& f, bool multi, std::vector<Choice>& out) {
    for (size_t i = 0; i < f.options.size(); ++i) {
        if (std::any_of(out.begin(), out.end(), [i](const Choice& c) { return c.option == i; })) continue;
        for (const Reading& r : readOption(t, pos, f.options[i])) {
            out.push_back(Choice{i, r.note, "", ""});
            if (r.end == t.size()) return true;
            if (multi)
                for (const char* sep : kSeparators) {
                    const std::string s = sep;
                    if (t.compare(r.end, s.size(), s) == 0 && parseChoices(t, r.end + s.size(), f, multi, out))
                        return true;
                }
            out.pop_back();
        }
    }
    return false;
}

// ---- The import ------------------------------------------------------------

class Importer {
public:
    Importer(const form::SheetTemplate& sheet, const Workbook& wb) : sheet_(sheet), wb_(wb) {}

    ImportResult run() {
        collectEntries();
        ImportResult result;
        result.fields = new Object;
        for (const FieldSpec& f : sheet_.fields) {
            if (f.isNote || f.type == FieldType::Derived) continue;
            auto it = entries_.find(f.key);
            if (it == entries_.end()) continue;
            if (f.type == FieldType::Table) readTable(f, it->second, *result.fields);
            else readField(f, it->second, *result.fields);
        }
        result.problems = std::move(problems_);
        auto valid = form::validateFields(sheet_, result.fields, "fields");
        if (!valid)
            for (const FieldError& e : valid.status().fieldErrors()) {
                const Location where = locate(e.field);
                result.problems.push_back({e.field, e.code, e.message, where.cell, where.name, where.label});
            }
        return result;
    }

private:
    void collectEntries() {
        std::set<std::string> seen;
        std::set<std::string> shown;
        for (const auto& page : sheet_.pages)
            for (const CellSpec& cs : page.cells) {
                if (cs.field.empty()) continue;
                shown.insert(cs.field);
                const FieldSpec* f = sheet_.field(cs.field);
                const std::string entry = form::entryName(cs, cs.field);
                if (!f || !seen.insert(entry).second) continue;
                entries_[f->key].push_back({f, &cs, render::definedNameFor(entry), !page.onlyWhen.empty()});
            }
        for (const FieldSpec& f : sheet_.fields) {
            if (shown.count(f.key) || f.isNote || f.type == FieldType::Derived || f.type == FieldType::Table) continue;
            entries_[f.key].push_back({&f, nullptr, render::definedNameFor(f.key), false});
        }
        for (const auto& [key, list] : entries_) {
            const Entry& first = list.front();
            locations_["fields." + key] = locationOf(first, first.field->label);
            for (const FieldSpec& f : sheet_.fields)
                if (f.key == key)
                    for (const OptionSpec& o : f.options)
                        if (!o.noteKey.empty()) locations_["fields." + o.noteKey] = locationOf(first, f.label);
            for (const Entry& e : list)
                if (e.spec && e.spec->item >= 0) {
                    const FieldSpec* col = columnOf(*e.field, e.spec->column);
                    locations_[itemPath(key, e.spec->item, e.spec->column)] = locationOf(
                        e, e.field->label + " " + std::to_string(e.spec->item + 1) + "行目 " + (col ? col->label : ""));
                }
            locateBoxCells(list);
        }
    }

    // A row of boxes split into cells: the field is where its first box is,
    // each note where its note cell is.
    void locateBoxCells(const std::vector<Entry>& list) {
        const Entry& first = list.front();
        const FieldSpec& f = *first.field;
        if ((f.type != FieldType::Enum && f.type != FieldType::Multi) || !hasBoxCells(f, first)) return;
        bool firstBox = true;
        for (const OptionSpec& o : f.options) {
            if (!first.spec->option.empty() && first.spec->option != o.value) continue;
            if (firstBox && !wb_.names.count(lower(first.name)))
                locations_["fields." + f.key] =
                    boxLocation(render::definedNameFor(form::boxEntryName(*first.spec, f.key, o.value)), f.label);
            firstBox = false;
        }
        for (const Entry& e : list)
            for (const OptionSpec& o : f.options) {
                if (!e.spec || o.noteKey.empty() || (!e.spec->option.empty() && e.spec->option != o.value)) continue;
                const std::string name = render::definedNameFor(form::noteEntryName(*e.spec, f.key, o.value));
                if (wb_.names.count(lower(name))) locations_["fields." + o.noteKey] = boxLocation(name, f.label);
            }
    }

    static const FieldSpec* columnOf(const FieldSpec& table, const std::string& key) {
        for (const FieldSpec& c : table.columns)
            if (c.key == key) return &c;
        return nullptr;
    }

    Location locationOf(const Entry& e, const std::string& label) const {
        Location l;
        l.name = e.name;
        l.label = label;
        auto it = wb_.names.find(lower(e.name));
        if (it != wb_.names.end()) l.cell = formatCellRef(it->second);
        return l;
    }

    Location locate(const std::string& path) const {
        auto it = locations_.find(path);
        if (it != locations_.end()) return it->second;
        const size_t bracket = path.find('[');
        if (bracket != std::string::npos) {
            it = locations_.find(path.substr(0, bracket));
            if (it != locations_.end()) return it->second;
        }
        return Location{};
    }

    void problem(const std::string& path, const std::string& code, const std::string& message) {
        const Location where = locate(path);
        problems_.push_back({path, code, message, where.cell, where.name, where.label});
    }

    // The entry's cell, or nullptr when empty. Formulas and error values are
    // reported and read as empty.
    const CellValue* cellOf(const Entry& e, const std::string& path, const std::string& label, bool* missing) {
        *missing = false;
        auto it = wb_.names.find(lower(e.name));
        if (it == wb_.names.end()) {
            *missing = !e.mayBeAbsent;
            if (*missing)
                problem(path, "missing_cell", "「" + label + "」のセル(名前 " + e.name + ")がブックにありません。");
            return nullptr;
        }
        const CellValue* v = wb_.cell(it->second);
        if (!v) return nullptr;
        if (v->type == CellType::Text && trim(v->text) == layout::kSeeAttachment) {
            // The box points to the 別紙: the whole text is in the hidden cell.
            auto whole = wb_.names.find(lower(render::continuedNameFor(e.name)));
            if (whole != wb_.names.end()) v = wb_.cell(whole->second);
            if (!v) return nullptr;
        }
        if (v->formula) {
            problem(path, "formula",
                    "「" + label + "」のセルに数式があります。数式は計算せず読み込みません。値を入力してください。");
            return nullptr;
        }
        if (v->type == CellType::Error) {
            problem(path, "cell_error", "「" + label + "」のセルがエラー値(" + v->text + ")です。");
            return nullptr;
        }
        if (v->type == CellType::Text && trim(v->text).empty()) return nullptr;
        return v;
    }

    // A scalar field (or table column) from one cell, as the JSON a job takes;
    // what cannot be read goes on as it is, for the validator to name.
    Poco::Dynamic::Var scalarOf(const FieldSpec& f, const CellSpec* spec, const CellValue& v) {
        const std::string text = withoutDecorations(trim(textOf(v)), spec);
        switch (f.type) {
            case FieldType::Number:
                if (v.type == CellType::Number) {
                    if (v.number == std::floor(v.number) && std::fabs(v.number) < 1e15)
                        return static_cast<Poco::Int64>(v.number);
                    return v.number;
                }
                if (!text.empty() && text.size() < 16 && text.find_first_not_of("0123456789") == std::string::npos)
                    return static_cast<Poco::Int64>(std::stoll(text));
                if (text.size() > 1 && text[0] == '-' && text.size() < 16 &&
                    text.find_first_not_of("0123456789", 1) == std::string::npos)
                    return static_cast<Poco::Int64>(std::stoll(text));
                return text;
            case FieldType::Date:
                if (v.type == CellType::Number) {
                    auto m = momentOfSerial(v.number, wb_.date1904);
                    if (m && m->date.year > 0) return isoDate(m->date);
                    return text;
                }
                if (auto d = form::parseDateText(text)) return isoDate(*d);
                return text;
            case FieldType::DateTime: {
                if (v.type == CellType::Number) {
                    auto m = momentOfSerial(v.number, wb_.date1904);
                    if (m && m->date.year > 0) return isoDate(m->date) + "T" + hhmm(m->minutes) + ":00+09:00";
                    return text;
                }
                if (form::parseIsoDateTimeJst(text)) return text;
                size_t split = text.find(' ');
                if (split == std::string::npos) split = text.find("\u3000");
                if (split != std::string::npos) {
                    auto d = form::parseDateText(text.substr(0, split));
                    auto t = parseTimeText(trim(text.substr(split + (text[split] == ' ' ? 1 : 3))));
                    if (d && t) return isoDate(*d) + "T" + hhmm(*t) + ":00+09:00";
                }
                return text;
            }
            case FieldType::Time:
                if (v.type == CellType::Number) {
                    auto m = momentOfSerial(v.number, wb_.date1904);
                    if (m) return hhmm(m->minutes);
                    return text;
                }
                if (auto t = parseTimeText(text)) return hhmm(*t);
                return text;
            case FieldType::Bool:
                if (v.type == CellType::Bool) return v.number != 0;
                if (startsWith(text, kChecked)) return true;
                if (startsWith(text, kUnchecked)) return false;
                // A table prints a bool as あり/なし.
                if (text == "あり" || text == "TRUE" || text == "true") return true;
                if (text == "なし" || text == "FALSE" || text == "false") return false;
                return text;
            default:
                return text;
        }
    }

    // Enum or multi from the text of one answer cell ("要介護1", "杖、その他(シルバーカー)").
    void readChoiceText(const FieldSpec& f, const std::string& text, Object& out, const std::string& key) {
        std::vector<Choice> chosen;
        const bool multi = f.type == FieldType::Multi;
        if (!parseChoices(text, 0, f, multi, chosen)) {
            // Perhaps the ascii values themselves; otherwise the validator names the text.
            if (multi) {
                Array::Ptr a = new Array;
                a->add(text);
                out.set(key, a);
            } else {
                out.set(key, text);
            }
            return;
        }
        setChoices(f, chosen, out, key);
    }

    void setChoices(const FieldSpec& f, std::vector<Choice> chosen, Object& out, const std::string& key) {
        std::sort(chosen.begin(), chosen.end(), [](const Choice& a, const Choice& b) { return a.option < b.option; });
        if (f.type == FieldType::Multi) {
            Array::Ptr a = new Array;
            for (const Choice& c : chosen) a->add(f.options[c.option].value);
            out.set(key, a);
        } else if (!chosen.empty()) {
            out.set(key, f.options[chosen.front().option].value);
        }
        for (const Choice& c : chosen) {
            const OptionSpec& o = f.options[c.option];
            if (o.noteKey.empty() || trim(c.note).empty()) continue;
            const FieldSpec* noteSpec = sheet_.field(o.noteKey);
            if (noteSpec && noteSpec->type == FieldType::Number) {
                CellValue v;
                v.text = trim(c.note);
                out.set(o.noteKey, scalarOf(*noteSpec, nullptr, v));
            } else {
                out.set(o.noteKey, c.note);
            }
        }
    }

    // A box cell: "■", "■その他(メモ)" or TRUE chosen (with the note typed
    // after the label, if any), "□…", FALSE or empty not chosen.
    std::optional<Choice> readBox(const FieldSpec& f, const OptionSpec& o, const CellValue& v, const std::string& path,
                                  const Location& at) {
        const size_t index = static_cast<size_t>(&o - f.options.data());
        const std::string text = trim(textOf(v));
        if (v.type == CellType::Bool) {
            if (v.number == 0) return std::nullopt;
            return Choice{index, "", at.cell, at.name};
        }
        if (text.empty() || startsWith(text, kUnchecked)) return std::nullopt;
        if (!startsWith(text, kChecked)) {
            problemAt(path, "invalid_box",
                      "「" + f.label + "」の「" + o.label + "」の欄は■(選ぶ)か□(選ばない)で入力してください。", at);
            return std::nullopt;
        }
        const std::string rest = trim(text.substr(kChecked.size()));
        for (const Reading& r : readOption(rest, 0, o))
            if (r.end == rest.size()) return Choice{index, r.note, at.cell, at.name};
        if (!o.noteKey.empty() && startsWith(rest, o.label))
            return Choice{index, trim(rest.substr(o.label.size())), at.cell, at.name};
        return Choice{index, "", at.cell, at.name};
    }

    // Whether the entry's boxes are cells of their own (a row of boxes split
    // into a box, a label and a note cell per option), as the renderer makes
    // every row of boxes that fits its range; otherwise the row is one cell.
    bool hasBoxCells(const FieldSpec& f, const Entry& e) const {
        if (!e.spec || e.spec->format == "label" || f.options.empty()) return false;
        if (!e.spec->option.empty()) return true;
        const std::string name = render::definedNameFor(form::boxEntryName(*e.spec, f.key, f.options.front().value));
        return wb_.names.count(lower(name)) > 0;
    }

    Location boxLocation(const std::string& name, const std::string& label) const {
        Location l;
        l.name = name;
        l.label = label;
        auto it = wb_.names.find(lower(name));
        if (it != wb_.names.end()) l.cell = formatCellRef(it->second);
        return l;
    }

    void problemAt(const std::string& path, const std::string& code, const std::string& message, const Location& at) {
        problems_.push_back({path, code, message, at.cell, at.name, at.label});
    }

    // The note typed in an option's note cell ("" when empty or absent).
    std::string noteCellText(const FieldSpec& f, const Entry& e, const OptionSpec& o) {
        if (o.noteKey.empty()) return "";
        const std::string name = render::definedNameFor(form::noteEntryName(*e.spec, f.key, o.value));
        if (!wb_.names.count(lower(name))) return "";
        bool missing = false;
        const CellValue* v = cellOf(Entry{e.field, e.spec, name, true}, "fields." + o.noteKey, f.label, &missing);
        return v ? trim(textOf(*v)) : "";
    }

    // Each option's box of one entry: ■ (or TRUE) ticked, □ or empty not; a
    // note in its note cell goes with a ticked box, and is a problem beside
    // an unticked one.
    void readBoxCells(const FieldSpec& f, const Entry& e, const std::string& path, std::vector<Choice>* boxes,
                      bool* anyBoxCell) {
        for (const OptionSpec& o : f.options) {
            if (!e.spec->option.empty() && e.spec->option != o.value) continue;
            const std::string name = render::definedNameFor(form::boxEntryName(*e.spec, f.key, o.value));
            bool missing = false;
            const CellValue* v = cellOf(Entry{e.field, e.spec, name, e.mayBeAbsent}, path, f.label, &missing);
            *anyBoxCell = *anyBoxCell || (!missing && wb_.names.count(lower(name)) > 0);
            std::optional<Choice> c;
            if (v) c = readBox(f, o, *v, path, boxLocation(name, f.label));
            const std::string note = noteCellText(f, e, o);
            if (c) {
                if (!note.empty()) c->note = note;
                boxes->push_back(*c);
            } else if (!note.empty()) {
                const std::string noteName = render::definedNameFor(form::noteEntryName(*e.spec, f.key, o.value));
                problemAt("fields." + o.noteKey, "note_without_choice",
                          "「" + f.label + "」の「" + o.label + "」が□のまま、その記入欄に入力があります。" +
                              "■にするか、記入欄を空にしてください。",
                          boxLocation(noteName, f.label));
            }
        }
    }

    void readField(const FieldSpec& f, const std::vector<Entry>& entries, Object& out) {
        const std::string path = "fields." + f.key;
        const bool choices = f.type == FieldType::Enum || f.type == FieldType::Multi;
        std::vector<Choice> boxes;
        bool anyBoxCell = false;
        for (const Entry& e : entries) {
            if (choices && hasBoxCells(f, e)) {
                readBoxCells(f, e, path, &boxes, &anyBoxCell);
                continue;
            }
            bool missing = false;
            const CellValue* v = cellOf(e, path, f.label, &missing);
            if (!v || out.has(f.key)) continue;
            if (choices) readChoiceText(f, withoutDecorations(trim(textOf(*v)), e.spec), out, f.key);
            else out.set(f.key, scalarOf(f, e.spec, *v));
        }
        // A bool false is the same box as no answer: it is left out.
        if (f.type == FieldType::Bool && out.has(f.key) && out.get(f.key).isBoolean() &&
            !out.get(f.key).extract<bool>())
            out.remove(f.key);
        if (!anyBoxCell || out.has(f.key)) return;
        if (f.type == FieldType::Enum && boxes.size() > 1) {
            // Named at the second box ticked: the first is taken as meant.
            problemAt(path, "too_many_choices",
                      "「" + f.label + "」は一つだけ■にしてください(「" + f.options[boxes[0].option].label + "」と「" +
                          f.options[boxes[1].option].label + "」が■です)。",
                      Location{boxes[1].cell, boxes[1].name, f.label});
            return;
        }
        if (!boxes.empty()) setChoices(f, boxes, out, f.key);  // nothing ticked: the field is left out
    }

    void readTable(const FieldSpec& f, const std::vector<Entry>& entries, Object& out) {
        std::map<int, Object::Ptr> rows;
        for (const Entry& e : entries) {
            if (!e.spec || e.spec->item < 0) continue;
            const FieldSpec* col = columnOf(f, e.spec->column);
            if (!col) continue;
            const std::string path = itemPath(f.key, e.spec->item, col->key);
            bool missing = false;
            const CellValue* v = cellOf(e, path, f.label + " " + col->label, &missing);
            if (!v) continue;
            Object::Ptr& row = rows[e.spec->item];
            if (!row) row = new Object;
            if (col->type == FieldType::Enum || col->type == FieldType::Multi)
                readChoiceText(*col, trim(textOf(*v)), *row, col->key);
            else
                row->set(col->key, scalarOf(*col, e.spec, *v));
        }
        if (rows.empty()) return;
        // Rows left empty in between close up, as on paper.
        Array::Ptr a = new Array;
        for (auto& [item, row] : rows)
            if (row->size() > 0) a->add(row);
        if (a->size() > 0) out.set(f.key, a);
    }

    const form::SheetTemplate& sheet_;
    const Workbook& wb_;
    std::map<std::string, std::vector<Entry>> entries_;  // by field key, in template order
    std::map<std::string, Location> locations_;          // by field path
    std::vector<ImportProblem> problems_;
};

// What ties the workbook to Renkei: the custom document property, else the
// defined name of the same name (kept by programs that drop custom
// properties when they save).
std::optional<std::string> markOf(const Workbook& wb, const std::string& name) {
    auto property = wb.customProperties.find(name);
    if (property != wb.customProperties.end()) return property->second;
    auto constant = wb.constants.find(lower(name));
    if (constant != wb.constants.end()) return constant->second;
    return std::nullopt;
}

Status refuse(const std::string& code, const std::string& message) {
    return Status::invalidArgument("workbook refused: " + code, {FieldError{"workbook", code, message}});
}

}  // namespace

Result<ImportResult> importWorkbook(const form::SheetTemplate& sheet, const std::string& bytes,
                                    const ReadLimits& limits) {
    Result<Workbook> wb = readWorkbook(bytes, limits);
    if (!wb) return wb.status();
    const std::optional<std::string> id = markOf(*wb, render::kSheetIdProperty);
    if (!id)
        return refuse("not_renkei_workbook",
                      "Renkeiで作成したブックではありません。様式のブックをダウンロードして入力してください。");
    if (*id != sheet.id)
        return refuse("wrong_sheet",
                      "このブックは別の帳票(" + *id + ")のものです。「" + sheet.title + "」のブックを使ってください。");
    const std::optional<std::string> version = markOf(*wb, render::kTemplateVersionProperty);
    if (!version || *version != sheet.version)
        return refuse("wrong_template_version",
                      "このブックは様式の版(" + version.value_or("不明") + ")が現在の版(" + sheet.version +
                          ")と違います。新しいブックをダウンロードしてください。");
    return Importer(sheet, *wb).run();
}

std::vector<FieldError> toFieldErrors(const std::vector<ImportProblem>& problems) {
    std::vector<FieldError> out;
    for (const ImportProblem& p : problems) {
        std::string where;
        if (!p.cell.empty()) where = "(セル " + p.cell + "、名前 " + p.name + ")";
        out.push_back({p.field, p.code, p.message + where});
    }
    return out;
}

}  // namespace xlsx_import
