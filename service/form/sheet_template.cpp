#include "form/sheet_template.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <sstream>

namespace form {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Thrown while parsing; turned into a Status at the end of parseTemplate().
struct TemplateError {
    std::string message;
};

[[noreturn]] void fail(const std::string& message) { throw TemplateError{message}; }

std::string getString(const Object::Ptr& o, const std::string& key, const std::string& def = "") {
    if (!o->has(key)) return def;
    if (!o->get(key).isString()) fail("'" + key + "' must be a string");
    return o->getValue<std::string>(key);
}

double getNumber(const Object::Ptr& o, const std::string& key, double def) {
    if (!o->has(key)) return def;
    if (!o->get(key).isNumeric()) fail("'" + key + "' must be a number");
    return o->getValue<double>(key);
}

bool getBool(const Object::Ptr& o, const std::string& key, bool def) {
    if (!o->has(key)) return def;
    if (!o->get(key).isBoolean()) fail("'" + key + "' must be true or false");
    return o->getValue<bool>(key);
}

Object::Ptr getObject(const Object::Ptr& o, const std::string& key) {
    Object::Ptr child = o->getObject(key);
    if (!child) fail("'" + key + "' must be an object");
    return child;
}

Array::Ptr getArray(const Object::Ptr& o, const std::string& key) {
    Array::Ptr child = o->getArray(key);
    if (!child) fail("'" + key + "' must be an array");
    return child;
}

FieldType parseType(const std::string& name) {
    static const std::pair<const char*, FieldType> kTypes[] = {
        {"text", FieldType::Text},   {"mtext", FieldType::MText},   {"date", FieldType::Date},
        {"datetime", FieldType::DateTime}, {"time", FieldType::Time}, {"number", FieldType::Number},
        {"enum", FieldType::Enum},   {"multi", FieldType::Multi},   {"bool", FieldType::Bool},
        {"phone", FieldType::Phone}, {"table", FieldType::Table},   {"derived", FieldType::Derived}};
    for (const auto& [n, t] : kTypes)
        if (name == n) return t;
    fail("unknown field type '" + name + "'");
}

int defaultMaxLength(FieldType type) {
    switch (type) {
    case FieldType::Text: return 100;
    case FieldType::MText: return 4000;
    case FieldType::Phone: return 20;
    default: return 0;
    }
}

FieldSpec parseField(const Object::Ptr& o);

std::vector<Condition> parseConditions(const Array::Ptr& conds, const std::string& owner) {
    std::vector<Condition> out;
    for (size_t i = 0; i < conds->size(); ++i) {
        Object::Ptr c = conds->getObject(i);
        if (!c) fail("conditions of '" + owner + "' must be objects");
        Condition cond;
        cond.field = getString(c, "field");
        if (c->has("anyOf")) {
            Array::Ptr values = getArray(c, "anyOf");
            for (size_t k = 0; k < values->size(); ++k) cond.anyOf.push_back(values->getElement<std::string>(k));
        }
        out.push_back(cond);
    }
    return out;
}

// An option's note becomes a field of its own, validated like any other.
FieldSpec noteField(const FieldSpec& owner, const OptionSpec& option, const Poco::Dynamic::Var& note) {
    FieldSpec f;
    f.isNote = true;
    f.section = owner.section;
    f.type = FieldType::Text;
    f.designLength = 30;
    f.maxLength = defaultMaxLength(FieldType::Text);
    f.key = owner.key + "_note";
    if (note.isString()) {
        f.key = note.extract<std::string>();
    } else if (note.type() == typeid(Object::Ptr)) {
        Object::Ptr n = note.extract<Object::Ptr>();
        f = parseField([&] {
            Object::Ptr copy = new Object(*n);
            if (!copy->has("key")) copy->set("key", owner.key + "_note");
            if (!copy->has("type")) copy->set("type", "text");
            if (!copy->has("length")) copy->set("length", 30);
            copy->set("label", owner.label + "(" + option.label + ")");
            return copy;
        }());
        f.isNote = true;
        f.section = owner.section;
        // "required": a note that must be given whenever its option is chosen.
        if (f.required) {
            f.required = false;
            f.requiredWhen.push_back({owner.key, {option.value}});
        }
    }
    f.label = owner.label + "(" + option.label + ")";
    return f;
}

std::vector<OptionSpec> parseOptions(const Array::Ptr& list, FieldSpec& owner, std::vector<FieldSpec>& notes) {
    std::vector<OptionSpec> options;
    std::set<std::string> seen;
    for (size_t i = 0; i < list->size(); ++i) {
        OptionSpec opt;
        Poco::Dynamic::Var note;
        if (Array::Ptr pair = list->getArray(i)) {
            if (pair->size() != 2) fail("option pair must be [value, label]");
            opt.value = pair->getElement<std::string>(0);
            opt.label = pair->getElement<std::string>(1);
        } else if (Object::Ptr o = list->getObject(i)) {
            opt.value = getString(o, "value");
            opt.label = getString(o, "label");
            if (o->has("note")) note = o->get("note");
            if (note.type() == typeid(Object::Ptr)) opt.noteFormat = getString(note.extract<Object::Ptr>(), "format");
            if (o->has("onlyWhen")) opt.onlyWhen = parseConditions(getArray(o, "onlyWhen"), owner.key);
        } else {
            fail("option " + std::to_string(i) + " of '" + owner.key + "' must be a pair or an object");
        }
        if (opt.value.empty() || opt.label.empty()) fail("option of '" + owner.key + "' needs a value and a label");
        if (!seen.insert(opt.value).second) fail("duplicate option '" + opt.value + "' in '" + owner.key + "'");
        bool hasNote = !note.isEmpty() && !(note.isBoolean() && !note.extract<bool>());
        if (hasNote) {
            FieldSpec nf = noteField(owner, opt, note);
            opt.noteKey = nf.key;
            notes.push_back(nf);
        }
        if (opt.noteFormat.empty()) opt.noteFormat = "({})";
        options.push_back(opt);
    }
    return options;
}

FieldSpec parseField(const Object::Ptr& o) {
    FieldSpec f;
    f.key = getString(o, "key");
    if (f.key.empty()) fail("a field has no key");
    f.label = getString(o, "label");
    if (f.label.empty()) fail("field '" + f.key + "' has no label");
    f.type = parseType(getString(o, "type"));
    f.section = getString(o, "section");
    f.required = getBool(o, "required", false);
    f.designLength = static_cast<int>(getNumber(o, "length", 0));
    f.designLines = static_cast<int>(getNumber(o, "lines", 1));
    f.maxLength = static_cast<int>(getNumber(o, "maxLength", defaultMaxLength(f.type)));
    if (o->has("min")) f.min = static_cast<long long>(getNumber(o, "min", 0));
    if (o->has("max")) f.max = static_cast<long long>(getNumber(o, "max", 0));
    f.charset = getString(o, "charset");
    if (!f.charset.empty() && f.charset != "digits" && f.charset != "katakana")
        fail("field '" + f.key + "': unknown charset '" + f.charset + "'");
    f.digits = static_cast<int>(getNumber(o, "digits", 0));
    if (f.digits < 0 || (f.digits > 0 && (f.type != FieldType::Text || f.charset == "katakana")))
        fail("field '" + f.key + "': digits is a positive count for text fields of digits");
    if (f.digits > 0) {
        f.charset = "digits";
        // The hard cap of a fixed-length number is its length.
        if (!o->has("maxLength")) f.maxLength = f.digits;
        if (f.maxLength < f.digits) fail("field '" + f.key + "': maxLength is less than digits");
    }
    f.exclusive = getString(o, "exclusive");
    f.printed = getBool(o, "printed", true);
    f.derive = getString(o, "derive");
    f.maxRows = static_cast<int>(getNumber(o, "maxRows", 0));
    if (o->has("requiredWhen")) f.requiredWhen = parseConditions(getArray(o, "requiredWhen"), f.key);
    f.mustBeTrue = getBool(o, "mustBeTrue", false);
    const bool builtIn = std::any_of(std::begin(kPersonalKeys), std::end(kPersonalKeys),
                                     [&](const char* k) { return f.key == k; });
    f.personal = getBool(o, "personal", builtIn);
    if (builtIn && !f.personal) fail("field '" + f.key + "' is always personal (rules.md §4.1)");
    if (f.mustBeTrue && f.type != FieldType::Bool) fail("field '" + f.key + "': mustBeTrue is for bool fields");
    if (o->has("from")) {
        Array::Ptr from = getArray(o, "from");
        for (size_t i = 0; i < from->size(); ++i) f.deriveFrom.push_back(from->getElement<std::string>(i));
    }
    if (f.type == FieldType::Table) {
        Array::Ptr cols = getArray(o, "columns");
        for (size_t i = 0; i < cols->size(); ++i) f.columns.push_back(parseField(cols->getObject(i)));
        if (f.maxRows <= 0) fail("table '" + f.key + "' needs maxRows");
    }
    return f;
}

void parseFields(const Array::Ptr& list, SheetTemplate& t) {
    for (size_t i = 0; i < list->size(); ++i) {
        Object::Ptr o = list->getObject(i);
        if (!o) fail("fields[" + std::to_string(i) + "] must be an object");
        FieldSpec f = parseField(o);
        std::vector<FieldSpec> notes;
        if (f.type == FieldType::Enum || f.type == FieldType::Multi) {
            if (!o->has("options")) fail("field '" + f.key + "' needs options");
            f.options = parseOptions(getArray(o, "options"), f, notes);
        }
        for (auto& col : f.columns) {
            if (col.type == FieldType::Enum || col.type == FieldType::Multi) {
                Array::Ptr cols = getArray(o, "columns");
                for (size_t k = 0; k < cols->size(); ++k) {
                    Object::Ptr co = cols->getObject(k);
                    if (getString(co, "key") != col.key) continue;
                    std::vector<FieldSpec> ignored;
                    col.options = parseOptions(getArray(co, "options"), col, ignored);
                }
            }
        }
        if (f.type == FieldType::Multi && !f.exclusive.empty() && !f.option(f.exclusive))
            fail("field '" + f.key + "': exclusive option '" + f.exclusive + "' is not an option");
        t.fields.push_back(f);
        for (auto& n : notes) t.fields.push_back(n);
    }
    std::set<std::string> keys;
    for (const auto& f : t.fields)
        if (!keys.insert(f.key).second) fail("duplicate field key '" + f.key + "'");
    for (const auto& f : t.fields) {
        for (const auto& c : f.requiredWhen)
            if (!t.field(c.field)) fail("field '" + f.key + "': requiredWhen names unknown field '" + c.field + "'");
        for (const auto& k : f.deriveFrom)
            if (!t.field(k)) fail("field '" + f.key + "': derived from unknown field '" + k + "'");
        for (const auto& o : f.options)
            for (const auto& c : o.onlyWhen)
                if (!t.field(c.field)) fail("option '" + o.value + "' of '" + f.key + "': onlyWhen names unknown field '" + c.field + "'");
    }
}

HAlign parseAlign(const std::string& s) {
    if (s.empty() || s == "left") return HAlign::Left;
    if (s == "center") return HAlign::Center;
    if (s == "right") return HAlign::Right;
    fail("unknown align '" + s + "'");
}

VAlign parseVAlign(const std::string& s) {
    if (s.empty() || s == "middle") return VAlign::Middle;
    if (s == "top") return VAlign::Top;
    if (s == "bottom") return VAlign::Bottom;
    fail("unknown valign '" + s + "'");
}

std::pair<int, int> parsePair(const Object::Ptr& o, const std::string& key, std::pair<int, int> def) {
    if (!o->has(key)) return def;
    Array::Ptr a = getArray(o, key);
    if (a->size() != 2) fail("'" + key + "' must be [row, column]");
    return {a->getElement<int>(0), a->getElement<int>(1)};
}

CellSpec parseCell(const Object::Ptr& o, const SheetTemplate& t) {
    CellSpec c;
    std::tie(c.row, c.col) = parsePair(o, "at", {-1, -1});
    std::tie(c.rowSpan, c.colSpan) = parsePair(o, "span", {1, 1});
    c.text = getString(o, "text");
    c.field = getString(o, "field");
    c.format = getString(o, "format");
    c.option = getString(o, "option");
    c.prefix = getString(o, "prefix");
    c.suffix = getString(o, "suffix");
    c.placeholder = getString(o, "placeholder");
    c.column = getString(o, "column");
    c.masked = getString(o, "masked");
    c.hasMask = o->has("masked");
    c.item = static_cast<int>(getNumber(o, "item", -1));
    c.fontSizePt = getNumber(o, "fontSizePt", 0);
    c.hAlign = parseAlign(getString(o, "align"));
    c.vAlign = parseVAlign(getString(o, "valign"));
    c.border = getString(o, "border", "all");
    c.label = c.field.empty();
    std::string where = "cell at [" + std::to_string(c.row) + "," + std::to_string(c.col) + "]";
    if (c.row < 0 || c.col < 0 || c.rowSpan < 1 || c.colSpan < 1) fail(where + ": bad position or span");
    if (c.fontSizePt != 0 && c.fontSizePt < 7) fail(where + ": font size under 7 pt");
    if (!c.field.empty()) {
        const FieldSpec* f = t.field(c.field);
        if (!f) fail(where + ": unknown field '" + c.field + "'");
        if (!c.option.empty() && !f->option(c.option)) fail(where + ": unknown option '" + c.option + "'");
        if (c.hasMask && !c.masked.empty() && !t.field(c.masked)) fail(where + ": masked names unknown field '" + c.masked + "'");
        if (c.hasMask && !c.masked.empty() && t.field(c.masked)->personal)
            fail(where + ": masked names '" + c.masked + "', a personal field itself");
        const FieldSpec* shown = f;
        if (f->type == FieldType::Table) {
            shown = nullptr;
            for (const auto& col : f->columns)
                if (col.key == c.column) shown = &col;
            if (!shown || c.item < 0 || c.item >= f->maxRows) fail(where + ": bad table column or item");
        }
        // A fax must not carry what identifies the patient (rules.md §4.1).
        if ((f->personal || shown->personal) && !c.hasMask)
            fail(where + ": field '" + (shown == f ? f->key : f->key + "." + shown->key) +
                 "' of template '" + t.id + "' is personal and has no \"masked\" rule");
    }
    if (c.border != "all" && c.border != "none" && c.border.find_first_not_of("trbl") != std::string::npos)
        fail(where + ": bad border '" + c.border + "'");
    return c;
}

PageSpec parsePage(const Object::Ptr& o, const SheetTemplate& t, size_t index) {
    PageSpec p;
    p.name = getString(o, "name", std::to_string(index + 1) + "枚目");
    p.onlyWhen = getString(o, "onlyWhen");
    if (!p.onlyWhen.empty() && !t.field(p.onlyWhen)) fail("page " + p.name + ": onlyWhen names unknown field '" + p.onlyWhen + "'");
    int rows = static_cast<int>(getNumber(o, "rows", 0));
    double rowHeight = getNumber(o, "rowHeightMm", 6);
    if (rows <= 0 || rowHeight <= 0) fail("page " + p.name + " needs rows and rowHeightMm");
    p.rowHeightsMm.assign(rows, rowHeight);
    if (o->has("rowHeightsMm")) {
        Object::Ptr overrides = getObject(o, "rowHeightsMm");
        for (const auto& [k, v] : *overrides) {
            int r = std::stoi(k);
            if (r < 0 || r >= rows) fail("page " + p.name + ": rowHeightsMm names row " + k);
            p.rowHeightsMm[r] = v.convert<double>();
        }
    }
    double total = 0;
    for (double h : p.rowHeightsMm) total += h;
    if (total > t.pageHeightMm - 2 * t.marginMm + 0.01)
        fail("page " + p.name + ": rows take " + std::to_string(total) + " mm, more than the page holds");
    Array::Ptr cells = getArray(o, "cells");
    std::vector<std::vector<int>> owner(rows, std::vector<int>(t.columnWidthsMm.size(), -1));
    for (size_t i = 0; i < cells->size(); ++i) {
        Object::Ptr co = cells->getObject(i);
        if (!co) fail("page " + p.name + ": cells must be objects");
        CellSpec c;
        try {
            c = parseCell(co, t);
        } catch (const TemplateError& e) {
            fail("page " + p.name + ": " + e.message);
        }
        if (c.row + c.rowSpan > rows || c.col + c.colSpan > static_cast<int>(t.columnWidthsMm.size()))
            fail("page " + p.name + ": cell at [" + std::to_string(c.row) + "," + std::to_string(c.col) +
                 "] leaves the grid");
        for (int r = c.row; r < c.row + c.rowSpan; ++r)
            for (int k = c.col; k < c.col + c.colSpan; ++k) {
                if (owner[r][k] >= 0)
                    fail("page " + p.name + ": cell at [" + std::to_string(c.row) + "," + std::to_string(c.col) +
                         "] overlaps cell " + std::to_string(owner[r][k]));
                owner[r][k] = static_cast<int>(i);
            }
        p.cells.push_back(c);
    }
    if (o->has("rules")) {
        Array::Ptr rules = getArray(o, "rules");
        for (size_t i = 0; i < rules->size(); ++i) {
            Object::Ptr ro = rules->getObject(i);
            RuleSpec r;
            Array::Ptr from = getArray(ro, "fromMm"), to = getArray(ro, "toMm");
            r.x1Mm = from->getElement<double>(0);
            r.y1Mm = from->getElement<double>(1);
            r.x2Mm = to->getElement<double>(0);
            r.y2Mm = to->getElement<double>(1);
            r.widthPt = getNumber(ro, "widthPt", 0.5);
            if (r.widthPt < 0.5) fail("page " + p.name + ": rules thinner than 0.5 pt vanish on a fax");
            r.dashed = getBool(ro, "dashed", false);
            p.rules.push_back(r);
        }
    }
    return p;
}

SheetTemplate parseRoot(const Object::Ptr& root) {
    SheetTemplate t;
    t.id = getString(root, "id");
    t.title = getString(root, "title");
    t.version = getString(root, "version");
    if (t.id.empty() || t.title.empty() || t.version.empty()) fail("id, title and version are required");
    if (root->has("page")) {
        Object::Ptr page = getObject(root, "page");
        t.pageWidthMm = getNumber(page, "widthMm", 210);
        t.pageHeightMm = getNumber(page, "heightMm", 297);
        t.marginMm = getNumber(page, "marginMm", 12);
    }
    if (t.marginMm < 5) fail("margins under 5 mm do not survive a fax machine");
    t.fontSizePt = getNumber(root, "fontSizePt", 9);
    t.minFontSizePt = getNumber(root, "minFontSizePt", 7);
    if (t.minFontSizePt < 7 || t.fontSizePt < t.minFontSizePt) fail("font sizes must be at least 7 pt");
    double printable = t.pageWidthMm - 2 * t.marginMm;
    Object::Ptr grid = getObject(root, "grid");
    if (grid->has("columnsMm")) {
        Array::Ptr cols = getArray(grid, "columnsMm");
        double sum = 0;
        for (size_t i = 0; i < cols->size(); ++i) {
            t.columnWidthsMm.push_back(cols->getElement<double>(i));
            sum += t.columnWidthsMm.back();
        }
        if (sum > printable + 0.01) fail("grid columns are wider than the page");
    } else {
        int n = static_cast<int>(getNumber(grid, "columns", 0));
        if (n <= 0) fail("grid needs columns or columnsMm");
        t.columnWidthsMm.assign(n, printable / n);
    }
    parseFields(getArray(root, "fields"), t);
    Array::Ptr pages = getArray(root, "pages");
    if (pages->size() == 0) fail("a template needs at least one page");
    for (size_t i = 0; i < pages->size(); ++i) t.pages.push_back(parsePage(pages->getObject(i), t, i));
    return t;
}

}  // namespace

std::string fieldTypeName(FieldType type) {
    switch (type) {
    case FieldType::Text: return "text";
    case FieldType::MText: return "mtext";
    case FieldType::Date: return "date";
    case FieldType::DateTime: return "datetime";
    case FieldType::Time: return "time";
    case FieldType::Number: return "number";
    case FieldType::Enum: return "enum";
    case FieldType::Multi: return "multi";
    case FieldType::Bool: return "bool";
    case FieldType::Phone: return "phone";
    case FieldType::Table: return "table";
    case FieldType::Derived: return "derived";
    }
    return "text";
}

const OptionSpec* FieldSpec::option(const std::string& value) const {
    for (const auto& o : options)
        if (o.value == value) return &o;
    return nullptr;
}

const FieldSpec* SheetTemplate::field(const std::string& key) const {
    for (const auto& f : fields)
        if (f.key == key) return &f;
    return nullptr;
}

common::Result<SheetTemplate> parseTemplate(const std::string& json, const std::string& sourceName) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var parsed = parser.parse(json);
        Object::Ptr root = parsed.extract<Object::Ptr>();
        return parseRoot(root);
    } catch (const TemplateError& e) {
        return common::Status::invalidArgument(sourceName + ": " + e.message);
    } catch (const Poco::Exception& e) {
        return common::Status::invalidArgument(sourceName + ": " + e.displayText());
    } catch (const std::exception& e) {
        return common::Status::invalidArgument(sourceName + ": " + e.what());
    }
}

common::Result<SheetTemplate> loadTemplate(const std::string& path) {
    std::string json;
    try {
        Poco::FileInputStream in(path);
        Poco::StreamCopier::copyToString(in, json);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError(path + ": " + e.displayText());
    }
    return parseTemplate(json, path);
}

}  // namespace form
