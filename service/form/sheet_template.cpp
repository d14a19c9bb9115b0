#include "form/sheet_template.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <iterator>
#include <set>

#include "common/utf8.h"

namespace form {
namespace {

using common::FieldError;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string member(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string element(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }
std::string quoted(const std::string& s) { return "'" + (common::decodeUtf8(s) ? s : std::string("?")) + "'"; }

// Every problem of one template, each at its JSON path; parsing goes on after
// a problem so that all of them are reported at once.
class Problems {
public:
    void add(const std::string& path, const std::string& code, const std::string& message) {
        list_.push_back({path.empty() ? "(root)" : path, code, message});
    }
    bool empty() const { return list_.empty(); }
    const std::vector<FieldError>& list() const { return list_; }

private:
    std::vector<FieldError> list_;
};

// The JSON parser's default handler, also noting a key given twice in one
// object (Poco keeps the last silently), with its path.
class DuplicateKeyHandler : public Poco::JSON::ParseHandler {
public:
    explicit DuplicateKeyHandler(Problems& problems) : problems_(problems) {}

    void startObject() override {
        beforeValue();
        ParseHandler::startObject();
        frames_.push_back({false, 0, {}, ""});
    }
    void endObject() override {
        ParseHandler::endObject();
        frames_.pop_back();
    }
    void startArray() override {
        beforeValue();
        ParseHandler::startArray();
        frames_.push_back({true, 0, {}, ""});
    }
    void endArray() override {
        ParseHandler::endArray();
        frames_.pop_back();
    }
    void key(const std::string& k) override {
        if (!frames_.empty()) {
            Frame& top = frames_.back();
            top.current = k;
            if (!top.keys.insert(k).second) problems_.add(path(), "duplicate_key", "key " + quoted(k) + " is given twice");
        }
        ParseHandler::key(k);
    }
    void value(int v) override { beforeValue(), ParseHandler::value(v); }
    void value(unsigned v) override { beforeValue(), ParseHandler::value(v); }
    void value(Poco::Int64 v) override { beforeValue(), ParseHandler::value(v); }
    void value(Poco::UInt64 v) override { beforeValue(), ParseHandler::value(v); }
    void value(const std::string& s) override { beforeValue(), ParseHandler::value(s); }
    void value(double d) override { beforeValue(), ParseHandler::value(d); }
    void value(bool b) override { beforeValue(), ParseHandler::value(b); }
    void null() override { beforeValue(), ParseHandler::null(); }

private:
    struct Frame {
        bool array;
        size_t next;  // array: index of the next element
        std::set<std::string> keys;  // object: keys seen so far
        std::string current;         // object: the current key; array: "[i]"
    };
    void beforeValue() {
        if (!frames_.empty() && frames_.back().array) frames_.back().current = "[" + std::to_string(frames_.back().next++) + "]";
    }
    std::string path() const {
        std::string out;
        for (const auto& f : frames_)
            out += f.array || out.empty() ? f.current : "." + f.current;
        return out;
    }

    Problems& problems_;
    std::vector<Frame> frames_;
};

// The known name closest to a misspelt one (at most two edits apart), or "".
std::string closest(const std::string& name, const std::vector<std::string>& known) {
    std::string best;
    size_t bestDistance = 3;
    for (const auto& k : known) {
        std::vector<size_t> row(k.size() + 1);
        for (size_t j = 0; j <= k.size(); ++j) row[j] = j;
        for (size_t i = 1; i <= name.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= k.size(); ++j) {
                size_t up = row[j];
                bool same = std::tolower(static_cast<unsigned char>(name[i - 1])) ==
                            std::tolower(static_cast<unsigned char>(k[j - 1]));
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
                diagonal = up;
            }
        }
        if (row[k.size()] < bestDistance) {
            bestDistance = row[k.size()];
            best = k;
        }
    }
    return best;
}

std::string unknownMessage(const std::string& what, const std::string& name, const std::vector<std::string>& known,
                           const std::string& where = "") {
    std::string message = "unknown " + what + " " + quoted(name) + where;
    std::string guess = closest(name, known);
    if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
    return message;
}

// One JSON object of the template at its path. The getters report a member of
// the wrong type and return the default, so that parsing goes on.
class Node {
public:
    Node(Object::Ptr object, std::string path, Problems& problems)
        : o_(std::move(object)), path_(std::move(path)), problems_(problems) {}

    const std::string& path() const { return path_; }
    std::string at(const std::string& key) const { return member(path_, key); }
    bool has(const std::string& key) const { return o_->has(key); }
    Problems& problems() const { return problems_; }
    void problem(const std::string& key, const std::string& code, const std::string& message) const {
        problems_.add(key.empty() ? path_ : at(key), code, message);
    }

    // Refuses every member not in known.
    void only(const std::vector<std::string>& known, const std::string& what) const {
        for (const auto& [key, value] : *o_)
            if (std::find(known.begin(), known.end(), key) == known.end())
                problems_.add(at(key), "unknown_key", unknownMessage("key", key, known, " in " + what));
    }

    std::string text(const std::string& key, const std::string& def = "") const {
        if (!has(key)) return def;
        if (!o_->get(key).isString()) {
            problem(key, "wrong_type", "must be a string");
            return def;
        }
        return o_->getValue<std::string>(key);
    }
    double number(const std::string& key, double def) const {
        if (!has(key)) return def;
        const Var v = o_->get(key);
        if (!v.isNumeric() || v.isString() || v.isBoolean()) {
            problem(key, "wrong_type", "must be a number");
            return def;
        }
        return v.convert<double>();
    }
    long long whole(const std::string& key, long long def) const {
        if (!has(key)) return def;
        const Var v = o_->get(key);
        double d = v.isNumeric() && !v.isString() && !v.isBoolean() ? v.convert<double>() : 0.5;
        if (d != std::floor(d) || std::abs(d) > 1e15) {
            problem(key, "wrong_type", "must be a whole number");
            return def;
        }
        return static_cast<long long>(d);
    }
    bool flag(const std::string& key, bool def) const {
        if (!has(key)) return def;
        if (!o_->get(key).isBoolean()) {
            problem(key, "wrong_type", "must be true or false");
            return def;
        }
        return o_->getValue<bool>(key);
    }
    std::optional<Node> object(const std::string& key) const {
        if (!has(key)) return std::nullopt;
        Object::Ptr child = o_->getObject(key);
        if (!child) {
            problem(key, "wrong_type", "must be an object");
            return std::nullopt;
        }
        return Node(child, at(key), problems_);
    }
    Array::Ptr array(const std::string& key) const {
        if (!has(key)) return nullptr;
        Array::Ptr child = o_->getArray(key);
        if (!child) problem(key, "wrong_type", "must be an array");
        return child;
    }
    // The objects of an array member, each at its path; other elements are reported.
    std::vector<Node> objects(const std::string& key) const {
        std::vector<Node> out;
        Array::Ptr list = array(key);
        if (!list) return out;
        for (size_t i = 0; i < list->size(); ++i) {
            Object::Ptr o = list->getObject(i);
            if (!o) problems_.add(element(at(key), i), "wrong_type", "must be an object");
            else out.emplace_back(o, element(at(key), i), problems_);
        }
        return out;
    }
    std::vector<std::string> strings(const std::string& key) const {
        std::vector<std::string> out;
        Array::Ptr list = array(key);
        if (!list) return out;
        for (size_t i = 0; i < list->size(); ++i) {
            if (!list->get(i).isString()) problems_.add(element(at(key), i), "wrong_type", "must be a string");
            else out.push_back(list->getElement<std::string>(i));
        }
        return out;
    }
    Var get(const std::string& key) const { return o_->get(key); }
    const Object& object() const { return *o_; }

private:
    Object::Ptr o_;
    std::string path_;
    Problems& problems_;
};

const std::vector<std::pair<std::string, FieldType>>& typeNames() {
    static const std::vector<std::pair<std::string, FieldType>> kTypes = {
        {"text", FieldType::Text},   {"mtext", FieldType::MText},       {"date", FieldType::Date},
        {"datetime", FieldType::DateTime}, {"time", FieldType::Time},   {"number", FieldType::Number},
        {"enum", FieldType::Enum},   {"multi", FieldType::Multi},       {"bool", FieldType::Bool},
        {"phone", FieldType::Phone}, {"table", FieldType::Table},       {"derived", FieldType::Derived}};
    return kTypes;
}

template <typename T>
std::vector<std::string> namesOf(const std::vector<std::pair<std::string, T>>& list) {
    std::vector<std::string> out;
    for (const auto& entry : list) out.push_back(entry.first);
    return out;
}

// Derivations the server computes (form::validateFields, layout::build for
// reply_ref) and how many fields each is computed from.
struct Derivation {
    size_t minFrom, maxFrom;
};
const std::vector<std::pair<std::string, Derivation>>& derivations() {
    static const std::vector<std::pair<std::string, Derivation>> kDerivations = {
        {"age", {2, 2}}, {"initials", {1, 2}}, {"municipality", {1, 1}}, {"reply_ref", {0, 0}}};
    return kDerivations;
}

// The cell formats each field type prints with (layout::formatCell).
std::vector<std::string> formatsFor(FieldType type) {
    switch (type) {
    case FieldType::Date: return {"wareki", "wareki_short", "birth"};
    case FieldType::Enum:
    case FieldType::Multi: return {"checks", "label", "check"};
    case FieldType::Bool: return {"check"};
    default: return {};
    }
}

int defaultMaxLength(FieldType type) {
    switch (type) {
    case FieldType::Text: return 100;
    case FieldType::MText: return 4000;
    case FieldType::Phone: return 20;
    default: return 0;
    }
}

// Where a field is declared: on the sheet, as a table column, or as an
// option's note.
enum class Place { Sheet, Column, Note };

// Members of a field, and the types each means something for (empty: all).
struct MemberRule {
    std::string key;
    std::vector<FieldType> types;
    std::vector<Place> places;  // empty: everywhere
};
const std::vector<MemberRule>& fieldMembers() {
    using T = FieldType;
    static const std::vector<MemberRule> kMembers = {
        {"key", {}, {}},
        {"label", {}, {Place::Sheet, Place::Column}},
        {"type", {}, {}},
        {"section", {}, {Place::Sheet, Place::Column}},
        {"required", {}, {}},
        {"requiredWhen", {}, {Place::Sheet}},
        {"length", {T::Text, T::MText, T::Phone, T::Number, T::Derived}, {}},
        {"lines", {T::MText, T::Text, T::Derived}, {}},
        {"maxLength", {T::Text, T::MText, T::Phone}, {}},
        {"min", {T::Number, T::Derived}, {}},  // derived: the published range of an age
        {"max", {T::Number, T::Derived}, {}},
        {"charset", {T::Text, T::MText}, {}},
        {"digits", {T::Text}, {}},
        {"options", {T::Enum, T::Multi}, {Place::Sheet, Place::Column}},
        {"exclusive", {T::Multi}, {Place::Sheet, Place::Column}},
        {"mustBeTrue", {T::Bool}, {Place::Sheet}},
        {"printed", {}, {Place::Sheet}},
        {"personal", {}, {Place::Sheet, Place::Column}},
        {"derive", {T::Derived}, {Place::Sheet}},
        {"from", {T::Derived}, {Place::Sheet}},
        {"columns", {T::Table}, {Place::Sheet}},
        {"maxRows", {T::Table}, {Place::Sheet}},
        {"format", {}, {Place::Note}},
    };
    return kMembers;
}

// A note field and the path of the option's "note" that declares it.
struct NoteDecl {
    FieldSpec spec;
    std::string path;
};

// A reference to another field, resolved once every field is known.
struct FieldRef {
    std::string path;
    std::string key;
    std::vector<std::string> anyOf;  // option values of that field
    std::string what;                // "requiredWhen", "onlyWhen", "from"
};

class TemplateParser {
public:
    explicit TemplateParser(Problems& problems) : problems_(problems) {}

    SheetTemplate parse(const Node& root);

private:
    FieldSpec parseField(const Node& n, Place place, std::vector<NoteDecl>& notes);
    std::vector<Condition> parseConditions(const Node& n, const std::string& key);
    std::vector<OptionSpec> parseOptions(const Node& n, FieldSpec& owner, Place place, std::vector<NoteDecl>& notes);
    FieldSpec noteField(const Node& option, const FieldSpec& owner, const OptionSpec& o);
    void parseFields(const Node& root);
    void checkReferences();
    PageSpec parsePage(const Node& n, size_t index);
    std::optional<CellSpec> parseCell(const Node& n);
    void parseFaxCover(const Node& root);
    void parseCover(const Node& root);

    Problems& problems_;
    SheetTemplate t_;
    std::vector<FieldRef> refs_;
    std::map<std::string, std::string> fieldPaths_;  // key -> path of its declaration
};

FieldType parseType(const Node& n, FieldType def) {
    const std::string name = n.text("type");
    for (const auto& [typeName, type] : typeNames())
        if (name == typeName) return type;
    if (n.has("type") && n.get("type").isString())
        n.problem("type", "unknown_type", unknownMessage("field type", name, namesOf(typeNames())));
    else if (!n.has("type"))
        n.problem("", "missing_key", "a field needs a type");
    return def;
}

std::vector<Condition> TemplateParser::parseConditions(const Node& n, const std::string& key) {
    std::vector<Condition> out;
    for (const Node& c : n.objects(key)) {
        c.only({"field", "anyOf"}, "a condition");
        Condition cond;
        cond.field = c.text("field");
        if (cond.field.empty()) c.problem("field", "missing_key", "a condition needs a field");
        cond.anyOf = c.strings("anyOf");
        if (c.has("anyOf") && cond.anyOf.empty()) c.problem("anyOf", "empty", "an empty anyOf never holds");
        if (!cond.field.empty()) refs_.push_back({c.at("field"), cond.field, cond.anyOf, key});
        out.push_back(cond);
    }
    return out;
}

// An option's note becomes a field of its own, validated like any other.
FieldSpec TemplateParser::noteField(const Node& option, const FieldSpec& owner, const OptionSpec& o) {
    FieldSpec f;
    const Var note = option.get("note");
    if (note.type() == typeid(Object::Ptr)) {
        std::vector<NoteDecl> none;
        f = parseField(Node(note.extract<Object::Ptr>(), option.at("note"), problems_), Place::Note, none);
        if (f.key.empty()) f.key = owner.key + "_note";
        // "required": a note that must be given whenever its option is chosen.
        if (f.required) {
            f.required = false;
            f.requiredWhen.push_back({owner.key, {o.value}});
        }
    } else if (note.isString()) {
        f.key = note.extract<std::string>();
        f.type = FieldType::Text;
        f.designLength = 30;
        f.maxLength = defaultMaxLength(FieldType::Text);
    } else {
        f.key = owner.key + "_note";
        f.type = FieldType::Text;
        f.designLength = 30;
        f.maxLength = defaultMaxLength(FieldType::Text);
    }
    f.isNote = true;
    f.section = owner.section;
    f.label = owner.label + "(" + o.label + ")";
    return f;
}

std::vector<OptionSpec> TemplateParser::parseOptions(const Node& n, FieldSpec& owner, Place place,
                                                     std::vector<NoteDecl>& notes) {
    std::vector<OptionSpec> options;
    std::set<std::string> seen;
    Array::Ptr list = n.array("options");
    if (!list) {
        if (!n.has("options")) n.problem("", "missing_key", "an " + fieldTypeName(owner.type) + " field needs options");
        return options;
    }
    if (list->size() == 0) n.problem("options", "empty", "an empty option list");
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = element(n.at("options"), i);
        OptionSpec opt;
        if (Array::Ptr pair = list->getArray(i)) {
            if (pair->size() != 2 || !pair->get(0).isString() || !pair->get(1).isString()) {
                problems_.add(path, "wrong_type", "an option pair must be [value, label], two strings");
                continue;
            }
            opt.value = pair->getElement<std::string>(0);
            opt.label = pair->getElement<std::string>(1);
        } else if (Object::Ptr object = list->getObject(i)) {
            Node o(object, path, problems_);
            o.only({"value", "label", "note", "onlyWhen"}, "an option");
            opt.value = o.text("value");
            opt.label = o.text("label");
            if (place == Place::Column && (o.has("note") || o.has("onlyWhen")))
                o.problem(o.has("note") ? "note" : "onlyWhen", "not_for_place",
                          "an option of a table column takes neither a note nor onlyWhen");
            else if (o.has("onlyWhen"))
                opt.onlyWhen = parseConditions(o, "onlyWhen");
            const Var note = o.has("note") ? o.get("note") : Var();
            const bool hasNote = place != Place::Column && o.has("note") && !(note.isBoolean() && !note.extract<bool>());
            if (o.has("note") && !note.isBoolean() && !note.isString() && note.type() != typeid(Object::Ptr))
                o.problem("note", "wrong_type", "a note is true, the note's key, or an object");
            else if (hasNote) {
                FieldSpec nf = noteField(o, owner, opt);
                opt.noteKey = nf.key;
                if (note.type() == typeid(Object::Ptr)) {
                    opt.noteFormat = Node(note.extract<Object::Ptr>(), o.at("note"), problems_).text("format");
                    if (!opt.noteFormat.empty() && opt.noteFormat.find("{}") == std::string::npos)
                        problems_.add(member(o.at("note"), "format"), "unknown_format",
                                      "a note's format must hold {} where the note goes");
                }
                notes.push_back({nf, o.at("note")});
            }
        } else {
            problems_.add(path, "wrong_type", "an option is a [value, label] pair or an object");
            continue;
        }
        if (opt.value.empty() || opt.label.empty())
            problems_.add(path, "missing_key", "an option needs a value and a label");
        else if (!seen.insert(opt.value).second)
            problems_.add(path, "duplicate_option", "option " + quoted(opt.value) + " is given twice");
        if (opt.noteFormat.empty()) opt.noteFormat = "({})";
        options.push_back(opt);
    }
    return options;
}

FieldSpec TemplateParser::parseField(const Node& n, Place place, std::vector<NoteDecl>& notes) {
    FieldSpec f;
    f.key = n.text("key");
    if (f.key.empty() && place != Place::Note) n.problem("", "missing_key", "a field needs a key");
    f.type = place == Place::Note && !n.has("type") ? FieldType::Text : parseType(n, FieldType::Text);
    const bool typeKnown = !n.has("type") ? place == Place::Note
                                          : n.get("type").isString() &&
                                                std::any_of(typeNames().begin(), typeNames().end(),
                                                            [&](const auto& e) { return e.first == n.text("type"); });

    // Members: known at all, then meaningful for this type and place.
    std::vector<std::string> known;
    for (const auto& rule : fieldMembers())
        if (rule.places.empty() || std::count(rule.places.begin(), rule.places.end(), place)) known.push_back(rule.key);
    n.only(known, place == Place::Note ? "an option's note" : place == Place::Column ? "a table column" : "a field");
    if (typeKnown)
        for (const auto& rule : fieldMembers())
            if (n.has(rule.key) && !rule.types.empty() && !std::count(rule.types.begin(), rule.types.end(), f.type))
                n.problem(rule.key, "not_for_type", "'" + rule.key + "' means nothing on a " + fieldTypeName(f.type) + " field");
    if (place == Place::Column && (f.type == FieldType::Table || f.type == FieldType::Derived))
        n.problem("type", "not_for_place", "a table column cannot be a " + fieldTypeName(f.type) + " field");
    if (place == Place::Note &&
        !(f.type == FieldType::Text || f.type == FieldType::MText || f.type == FieldType::Number ||
          f.type == FieldType::Phone || f.type == FieldType::Date || f.type == FieldType::Time))
        n.problem("type", "not_for_place", "a note cannot be a " + fieldTypeName(f.type) + " field");

    f.label = n.text("label");
    if (f.label.empty() && place != Place::Note) n.problem("", "missing_key", "field " + quoted(f.key) + " needs a label");
    f.section = n.text("section");
    f.required = n.flag("required", false);
    f.designLength = static_cast<int>(n.whole("length", place == Place::Note ? 30 : 0));
    f.designLines = static_cast<int>(n.whole("lines", 1));
    f.maxLength = static_cast<int>(n.whole("maxLength", defaultMaxLength(f.type)));
    if (n.has("min")) f.min = n.whole("min", 0);
    if (n.has("max")) f.max = n.whole("max", 0);
    if (f.min && f.max && *f.min > *f.max) n.problem("max", "bad_range", "max is less than min");
    f.charset = n.text("charset");
    if (!f.charset.empty() && f.charset != "digits" && f.charset != "katakana")
        n.problem("charset", "unknown_charset", unknownMessage("charset", f.charset, {"digits", "katakana"}));
    f.digits = static_cast<int>(n.whole("digits", 0));
    if (f.digits < 0 || (f.digits > 0 && f.charset == "katakana"))
        n.problem("digits", "bad_digits", "digits is a positive count for text fields of digits");
    if (f.digits > 0) {
        f.charset = "digits";
        // The hard cap of a fixed-length number is its length.
        if (!n.has("maxLength")) f.maxLength = f.digits;
        if (f.maxLength < f.digits) n.problem("maxLength", "bad_digits", "maxLength is less than digits");
    }
    if (f.designLength < 0 || f.designLines < 1 || f.maxLength < 0)
        n.problem("", "bad_size", "length and maxLength are counts, lines at least 1");
    f.printed = n.flag("printed", true);
    f.mustBeTrue = n.flag("mustBeTrue", false);
    if (n.has("requiredWhen")) f.requiredWhen = parseConditions(n, "requiredWhen");
    const bool builtIn = std::any_of(std::begin(kPersonalKeys), std::end(kPersonalKeys),
                                     [&](const char* k) { return f.key == k; });
    f.personal = n.flag("personal", builtIn);
    if (builtIn && !f.personal) n.problem("personal", "always_personal", "field " + quoted(f.key) + " is always personal (rules.md §4.1)");

    if (f.type == FieldType::Derived && typeKnown) {
        f.derive = n.text("derive");
        f.deriveFrom = n.strings("from");
        auto d = std::find_if(derivations().begin(), derivations().end(), [&](const auto& e) { return e.first == f.derive; });
        if (!n.has("derive"))
            n.problem("", "missing_key", "a derived field needs 'derive'");
        else if (d == derivations().end())
            n.problem("derive", "unknown_derivation", unknownMessage("derivation", f.derive, namesOf(derivations())));
        else if (f.deriveFrom.size() < d->second.minFrom || f.deriveFrom.size() > d->second.maxFrom)
            n.problem("from", "bad_from",
                      "'" + f.derive + "' is derived from " +
                          (d->second.maxFrom == 0 ? std::string("nothing (no 'from')")
                           : d->second.minFrom == d->second.maxFrom
                               ? std::to_string(d->second.minFrom) + " field(s)"
                               : std::to_string(d->second.minFrom) + " to " + std::to_string(d->second.maxFrom) + " fields"));
        Array::Ptr from = n.has("from") && n.get("from").type() == typeid(Array::Ptr) ? n.array("from") : nullptr;
        for (size_t i = 0; from && i < from->size(); ++i)
            if (from->get(i).isString()) refs_.push_back({element(n.at("from"), i), from->getElement<std::string>(i), {}, "from"});
    }
    if (f.type == FieldType::Enum || f.type == FieldType::Multi) {
        f.options = parseOptions(n, f, place, notes);
        f.exclusive = n.text("exclusive");
        if (!f.exclusive.empty() && !f.option(f.exclusive))
            n.problem("exclusive", "unknown_option", "exclusive option " + quoted(f.exclusive) + " is not an option");
    }
    if (f.type == FieldType::Table && place == Place::Sheet) {
        f.maxRows = static_cast<int>(n.whole("maxRows", 0));
        if (f.maxRows <= 0) n.problem("maxRows", "missing_key", "a table needs maxRows, at least 1");
        std::set<std::string> keys;
        for (const Node& c : n.objects("columns")) {
            std::vector<NoteDecl> none;
            FieldSpec col = parseField(c, Place::Column, none);
            if (!col.key.empty() && !keys.insert(col.key).second)
                c.problem("key", "duplicate_field", "column " + quoted(col.key) + " is declared twice");
            f.columns.push_back(col);
        }
        if (f.columns.empty() && !n.has("columns")) n.problem("", "missing_key", "a table needs columns");
    }
    return f;
}

void TemplateParser::parseFields(const Node& root) {
    if (!root.has("fields")) root.problem("", "missing_key", "a template needs fields");
    auto declare = [&](const FieldSpec& f, const std::string& path, const std::string& keyPath) {
        if (f.key.empty()) return;
        auto earlier = fieldPaths_.find(f.key);
        if (earlier != fieldPaths_.end())
            problems_.add(keyPath, "duplicate_field",
                          "field " + quoted(f.key) + " is declared twice (also at " + earlier->second + ")");
        else
            fieldPaths_.emplace(f.key, path);
    };
    for (const Node& n : root.objects("fields")) {
        std::vector<NoteDecl> notes;
        FieldSpec f = parseField(n, Place::Sheet, notes);
        declare(f, n.path(), n.at("key"));
        t_.fields.push_back(f);
        for (auto& note : notes) {
            declare(note.spec, note.path, note.path);
            t_.fields.push_back(note.spec);
        }
    }
}

void TemplateParser::checkReferences() {
    for (const auto& r : refs_) {
        const FieldSpec* f = t_.field(r.key);
        if (!f) {
            problems_.add(r.path, "unknown_field", r.what + " names unknown field " + quoted(r.key));
            continue;
        }
        for (const auto& v : r.anyOf)
            if (!f->options.empty() && !f->option(v))
                problems_.add(r.path, "unknown_option", r.what + " names " + quoted(v) + ", not an option of " + quoted(r.key));
    }
}

HAlign parseAlign(const Node& n) {
    const std::string s = n.text("align");
    if (s.empty() || s == "left") return HAlign::Left;
    if (s == "center") return HAlign::Center;
    if (s == "right") return HAlign::Right;
    n.problem("align", "unknown_align", unknownMessage("align", s, {"left", "center", "right"}));
    return HAlign::Left;
}

VAlign parseVAlign(const Node& n) {
    const std::string s = n.text("valign");
    if (s.empty() || s == "middle") return VAlign::Middle;
    if (s == "top") return VAlign::Top;
    if (s == "bottom") return VAlign::Bottom;
    n.problem("valign", "unknown_align", unknownMessage("valign", s, {"top", "middle", "bottom"}));
    return VAlign::Middle;
}

std::pair<int, int> parsePair(const Node& n, const std::string& key, std::pair<int, int> def) {
    if (!n.has(key)) return def;
    Array::Ptr a = n.array(key);
    if (!a) return def;
    auto whole = [](const Var& v) { return v.isNumeric() && !v.isString() && !v.isBoolean() && v.convert<double>() == std::floor(v.convert<double>()); };
    if (a->size() != 2 || !whole(a->get(0)) || !whole(a->get(1))) {
        n.problem(key, "wrong_type", "must be two whole numbers");
        return def;
    }
    return {a->get(0).convert<int>(), a->get(1).convert<int>()};
}

std::optional<CellSpec> TemplateParser::parseCell(const Node& n) {
    CellSpec c;
    c.field = n.text("field");
    const bool bound = n.has("field");
    static const std::vector<std::string> kLabelMembers = {"at", "span", "text", "fontSizePt", "align", "valign", "border"};
    std::vector<std::string> known = kLabelMembers;
    for (const char* k : {"field", "format", "option", "prefix", "suffix", "placeholder", "item", "column", "masked"})
        known.push_back(k);
    n.only(known, "a cell");
    if (!bound)
        for (const auto& k : known)
            if (n.has(k) && std::find(kLabelMembers.begin(), kLabelMembers.end(), k) == kLabelMembers.end())
                n.problem(k, "not_for_place", "'" + k + "' means nothing on a label cell (one without 'field')");
    if (!n.has("at")) n.problem("", "missing_key", "a cell needs 'at' [row, column]");
    std::tie(c.row, c.col) = parsePair(n, "at", {-1, -1});
    std::tie(c.rowSpan, c.colSpan) = parsePair(n, "span", {1, 1});
    c.text = n.text("text");
    c.format = n.text("format");
    c.option = n.text("option");
    c.prefix = n.text("prefix");
    c.suffix = n.text("suffix");
    c.placeholder = n.text("placeholder");
    c.column = n.text("column");
    c.masked = n.text("masked");
    c.hasMask = n.has("masked");
    c.item = static_cast<int>(n.whole("item", -1));
    c.fontSizePt = n.number("fontSizePt", 0);
    c.hAlign = parseAlign(n);
    c.vAlign = parseVAlign(n);
    c.border = n.text("border", "all");
    c.label = c.field.empty();
    bool ok = true;
    if (n.has("at") && (c.row < 0 || c.col < 0)) {
        n.problem("at", "bad_position", "row and column start at 0");
        ok = false;
    }
    if (c.rowSpan < 1 || c.colSpan < 1) {
        n.problem("span", "bad_position", "a span is at least [1, 1]");
        ok = false;
    }
    if (c.fontSizePt != 0 && c.fontSizePt < 7) n.problem("fontSizePt", "too_small", "font size under 7 pt");
    if (c.border != "all" && c.border != "none" &&
        (c.border.empty() || c.border.find_first_not_of("trbl") != std::string::npos))
        n.problem("border", "bad_border", "border is all, none or letters of t r b l, not " + quoted(c.border));
    if (bound && c.field.empty()) n.problem("field", "missing_key", "an empty field key");
    if (!c.field.empty()) {
        const FieldSpec* f = t_.field(c.field);
        if (!f) {
            n.problem("field", "unknown_field", unknownMessage("field", c.field, [&] {
                          std::vector<std::string> keys;
                          for (const auto& spec : t_.fields) keys.push_back(spec.key);
                          return keys;
                      }()));
            return ok ? std::optional<CellSpec>(c) : std::nullopt;
        }
        if (c.hasMask && !c.masked.empty()) {
            const FieldSpec* stand = t_.field(c.masked);
            if (!stand) n.problem("masked", "unknown_field", "masked names unknown field " + quoted(c.masked));
            else if (stand->personal) n.problem("masked", "personal_stand_in", "masked names " + quoted(c.masked) + ", a personal field itself");
        }
        const FieldSpec* shown = f;
        if (f->type == FieldType::Table) {
            shown = nullptr;
            for (const auto& col : f->columns)
                if (col.key == c.column) shown = &col;
            if (!shown) n.problem("column", "unknown_field", "table " + quoted(f->key) + " has no column " + quoted(c.column));
            if (c.item < 0 || c.item >= f->maxRows)
                n.problem("item", "bad_item", "a cell of table " + quoted(f->key) + " needs an item from 0 to " + std::to_string(f->maxRows - 1));
        } else {
            if (n.has("item")) n.problem("item", "not_for_type", "'item' is for table fields");
            if (n.has("column")) n.problem("column", "not_for_type", "'column' is for table fields");
        }
        if (shown) {
            // A table's choice column prints its label alone.
            std::vector<std::string> formats = f->type == FieldType::Table && (shown->type == FieldType::Enum || shown->type == FieldType::Multi)
                                                   ? std::vector<std::string>{"label"}
                                                   : formatsFor(shown->type);
            if (!c.format.empty() && std::find(formats.begin(), formats.end(), c.format) == formats.end())
                n.problem("format", "unknown_format",
                          formats.empty() ? "a " + fieldTypeName(shown->type) + " field prints as it is, with no format"
                                          : unknownMessage("format", c.format, formats) + " for a " + fieldTypeName(shown->type) + " field");
            const bool choice = shown->type == FieldType::Enum || shown->type == FieldType::Multi;
            if (!c.option.empty() && !(choice && c.format == "check"))
                n.problem("option", "not_for_type", "'option' goes with format 'check' on an enum or multi field");
            else if (!c.option.empty() && !shown->option(c.option))
                n.problem("option", "unknown_option", unknownMessage("option", c.option, [&] {
                              std::vector<std::string> values;
                              for (const auto& o : shown->options) values.push_back(o.value);
                              return values;
                          }()) + " of " + quoted(shown->key));
            if (choice && c.format == "check" && c.option.empty() && f->type != FieldType::Table)
                n.problem("format", "missing_key", "format 'check' on an enum or multi field needs 'option'");
            // A fax must not carry what identifies the patient (rules.md §4.1).
            if ((f->personal || shown->personal) && !c.hasMask)
                n.problem("masked", "personal_unmasked",
                          "cell at [" + std::to_string(c.row) + "," + std::to_string(c.col) + "]: field '" +
                              (shown == f ? f->key : f->key + "." + shown->key) + "' of template '" + t_.id +
                              "' is personal and has no \"masked\" rule");
        }
    }
    return ok ? std::optional<CellSpec>(c) : std::nullopt;
}

PageSpec TemplateParser::parsePage(const Node& n, size_t index) {
    n.only({"name", "onlyWhen", "rows", "rowHeightMm", "rowHeightsMm", "cells", "rules"}, "a page");
    PageSpec p;
    p.name = n.text("name", std::to_string(index + 1) + "枚目");
    p.onlyWhen = n.text("onlyWhen");
    if (!p.onlyWhen.empty() && !t_.field(p.onlyWhen))
        n.problem("onlyWhen", "unknown_field", "onlyWhen names unknown field " + quoted(p.onlyWhen));
    const long long rowCount = n.whole("rows", 0);
    const int rows = rowCount > 0 && rowCount <= 1000 ? static_cast<int>(rowCount) : 0;
    const double rowHeight = n.number("rowHeightMm", 6);
    if (rows <= 0) n.problem("rows", "missing_key", "a page needs rows, 1 to 1000");
    if (rowHeight <= 0) n.problem("rowHeightMm", "bad_size", "rowHeightMm must be positive");
    p.rowHeightsMm.assign(rows, rowHeight);
    if (auto overrides = n.object("rowHeightsMm")) {
        for (const auto& [k, v] : overrides->object()) {
            const bool digits = !k.empty() && k.size() < 5 && k.find_first_not_of("0123456789") == std::string::npos;
            const int r = digits ? std::stoi(k) : -1;
            if (r < 0 || r >= rows) {
                overrides->problem(k, "bad_row", "rowHeightsMm names row " + quoted(k) + ", not a row of this page");
                continue;
            }
            const double h = overrides->number(k, rowHeight);
            if (h <= 0) overrides->problem(k, "bad_size", "a row height must be positive");
            else p.rowHeightsMm[r] = h;
        }
    }
    double total = 0;
    for (double h : p.rowHeightsMm) total += h;
    if (total > t_.pageHeightMm - 2 * t_.marginMm + 0.01)
        n.problem("rows", "too_tall", "rows take " + std::to_string(total) + " mm, more than the page holds");
    if (!n.has("cells")) n.problem("", "missing_key", "a page needs cells");
    const int columns = static_cast<int>(t_.columnWidthsMm.size());
    std::vector<std::vector<std::string>> owner(rows, std::vector<std::string>(columns));
    for (const Node& cn : n.objects("cells")) {
        auto c = parseCell(cn);
        if (!c) continue;
        if (c->row < 0) continue;  // no position: reported
        if (c->row + c->rowSpan > rows || c->col + c->colSpan > columns) {
            cn.problem("span", "outside_grid", "cell at [" + std::to_string(c->row) + "," + std::to_string(c->col) + "] leaves the grid");
            continue;
        }
        bool overlaps = false;
        for (int r = c->row; r < c->row + c->rowSpan && !overlaps; ++r)
            for (int k = c->col; k < c->col + c->colSpan && !overlaps; ++k) {
                if (!owner[r][k].empty()) {
                    cn.problem("at", "overlap", "cell at [" + std::to_string(c->row) + "," + std::to_string(c->col) + "] overlaps " + owner[r][k]);
                    overlaps = true;
                }
            }
        if (!overlaps)
            for (int r = c->row; r < c->row + c->rowSpan; ++r)
                for (int k = c->col; k < c->col + c->colSpan; ++k) owner[r][k] = cn.path();
        p.cells.push_back(*c);
    }
    for (const Node& rn : n.objects("rules")) {
        rn.only({"fromMm", "toMm", "widthPt", "dashed"}, "a rule");
        RuleSpec r;
        auto point = [&](const std::string& key, double& x, double& y) {
            Array::Ptr a = rn.array(key);
            if (!rn.has(key)) rn.problem("", "missing_key", "a rule needs '" + key + "' [x, y]");
            if (!a) return;
            if (a->size() != 2 || !a->get(0).isNumeric() || a->get(0).isString() || !a->get(1).isNumeric() || a->get(1).isString()) {
                rn.problem(key, "wrong_type", "must be [x, y] in mm");
                return;
            }
            x = a->get(0).convert<double>();
            y = a->get(1).convert<double>();
        };
        point("fromMm", r.x1Mm, r.y1Mm);
        point("toMm", r.x2Mm, r.y2Mm);
        r.widthPt = rn.number("widthPt", 0.5);
        if (r.widthPt < 0.5) rn.problem("widthPt", "too_thin", "rules thinner than 0.5 pt vanish on a fax");
        r.dashed = rn.flag("dashed", false);
        p.rules.push_back(r);
    }
    return p;
}

void TemplateParser::parseFaxCover(const Node& root) {
    auto n = root.object("faxCover");
    if (!n) return;
    n->only({"document", "note"}, "faxCover");
    FaxCoverEntry entry;
    entry.document = n->text("document");
    entry.note = n->text("note");
    if (entry.document.empty()) n->problem("document", "missing_key", "faxCover needs the cover's documents option");
    if (n->has("note") && (entry.note.empty() || common::utf8Length(entry.note) > kMaxCoverNoteChars))
        n->problem("note", "bad_size", "a note is 1 to " + std::to_string(kMaxCoverNoteChars) + " characters");
    t_.faxCover = entry;
}

void TemplateParser::parseCover(const Node& root) {
    auto n = root.object("cover");
    if (!n) return;
    n->only({"requestOptions", "defaults", "fromDocument", "recipientFromDocument", "patientLabel", "otherDocument"}, "cover");
    CoverSpec cover;
    // Each key the cover block names must be a field of this sheet.
    auto field = [&](const std::string& path, const std::string& key) -> const FieldSpec* {
        const FieldSpec* f = t_.field(key);
        if (!f) problems_.add(path, "unknown_field", "names " + quoted(key) + ", not a field of this sheet");
        return f;
    };
    auto keys = [&](const std::string& member) {
        std::vector<std::string> out = n->strings(member);
        for (size_t i = 0; i < out.size(); ++i) field(element(n->at(member), i), out[i]);
        return out;
    };
    cover.requestOptions = keys("requestOptions");
    for (size_t i = 0; i < cover.requestOptions.size(); ++i) {
        const FieldSpec* f = t_.field(cover.requestOptions[i]);
        if (f && (f->type == FieldType::Multi || f->type == FieldType::Table || f->type == FieldType::Derived ||
                  f->type == FieldType::Bool || f->type == FieldType::Number))
            problems_.add(element(n->at("requestOptions"), i), "not_for_type",
                          "a request sets cover options as strings; " + quoted(f->key) + " is a " + fieldTypeName(f->type) + " field");
    }
    cover.fromDocument = keys("fromDocument");
    cover.recipientFromDocument = keys("recipientFromDocument");
    if (auto defaults = n->object("defaults")) {
        for (const auto& [k, v] : defaults->object()) {
            const FieldSpec* f = field(defaults->at(k), k);
            const std::string value = defaults->text(k);
            if (f && v.isString() && !f->options.empty() && !f->option(value))
                defaults->problem(k, "unknown_option", quoted(value) + " is not an option of " + quoted(k));
            cover.defaults.emplace_back(k, value);
        }
    }
    if (auto label = n->object("patientLabel")) {
        label->only({"field", "from"}, "patientLabel");
        cover.patientLabelField = label->text("field");
        cover.patientLabelFrom = label->text("from");
        if (cover.patientLabelField.empty() || cover.patientLabelFrom.empty())
            label->problem("", "missing_key", "patientLabel needs 'field' (on the cover) and 'from' (on the sheets)");
        else
            field(label->at("field"), cover.patientLabelField);
    }
    for (const auto& [key, type] : kCoverServerKeys) {
        const FieldSpec* f = t_.field(key);
        if (!f || f->type != type)
            n->problem("", "missing_field", "the server fills " + quoted(key) + ": the cover needs it as a " + fieldTypeName(type) + " field");
    }
    cover.otherDocument = n->text("otherDocument");
    const FieldSpec* documents = t_.field(kCoverDocumentsKey);
    if (cover.otherDocument.empty())
        n->problem("", "missing_key", "cover needs otherDocument, the documents option for attachments");
    else if (documents && (!documents->option(cover.otherDocument) || documents->option(cover.otherDocument)->noteKey.empty()))
        n->problem("otherDocument", "unknown_option", quoted(cover.otherDocument) + " is not an option of 'documents' with a note");
    t_.cover = cover;
}

SheetTemplate TemplateParser::parse(const Node& root) {
    root.only({"id", "title", "version", "page", "fontSizePt", "minFontSizePt", "grid", "fields", "pages", "faxCover", "cover"},
              "a template");
    t_.id = root.text("id");
    t_.title = root.text("title");
    t_.version = root.text("version");
    for (const char* key : {"id", "title", "version"})
        if (!root.has(key)) root.problem("", "missing_key", std::string("a template needs '") + key + "'");
    if (auto page = root.object("page")) {
        page->only({"widthMm", "heightMm", "marginMm"}, "page");
        t_.pageWidthMm = page->number("widthMm", 210);
        t_.pageHeightMm = page->number("heightMm", 297);
        t_.marginMm = page->number("marginMm", 12);
        if (t_.marginMm < 5) page->problem("marginMm", "too_small", "margins under 5 mm do not survive a fax machine");
        if (t_.pageWidthMm <= 2 * t_.marginMm || t_.pageHeightMm <= 2 * t_.marginMm)
            page->problem("", "bad_size", "the margins leave no room on the page");
    }
    t_.fontSizePt = root.number("fontSizePt", 9);
    t_.minFontSizePt = root.number("minFontSizePt", 7);
    if (t_.minFontSizePt < 7 || t_.fontSizePt < t_.minFontSizePt)
        root.problem(t_.minFontSizePt < 7 ? "minFontSizePt" : "fontSizePt", "too_small", "font sizes must be at least 7 pt");
    const double printable = t_.pageWidthMm - 2 * t_.marginMm;
    if (auto grid = root.object("grid")) {
        grid->only({"columns", "columnsMm"}, "grid");
        if (grid->has("columns") && grid->has("columnsMm"))
            grid->problem("", "conflict", "give columns or columnsMm, not both");
        if (grid->has("columnsMm")) {
            Array::Ptr cols = grid->array("columnsMm");
            double sum = 0;
            for (size_t i = 0; cols && i < cols->size(); ++i) {
                const Var v = cols->get(i);
                if (!v.isNumeric() || v.isString() || v.convert<double>() <= 0) {
                    problems_.add(element(grid->at("columnsMm"), i), "wrong_type", "a column width is a positive number of mm");
                    continue;
                }
                t_.columnWidthsMm.push_back(v.convert<double>());
                sum += t_.columnWidthsMm.back();
            }
            if (sum > printable + 0.01) grid->problem("columnsMm", "too_wide", "grid columns are wider than the page");
        } else {
            const long long n = grid->whole("columns", 0);
            if (n <= 0 || n > 1000) grid->problem("columns", "missing_key", "grid needs columns (1 to 1000) or columnsMm");
            else t_.columnWidthsMm.assign(static_cast<size_t>(n), printable / static_cast<double>(n));
        }
    } else if (!root.has("grid")) {
        root.problem("", "missing_key", "a template needs a grid");
    }
    parseFields(root);
    checkReferences();
    if (!root.has("pages")) root.problem("", "missing_key", "a template needs pages");
    const std::vector<Node> pages = root.objects("pages");
    if (root.has("pages") && pages.empty()) root.problem("pages", "empty", "a template needs at least one page");
    for (size_t i = 0; i < pages.size(); ++i) t_.pages.push_back(parsePage(pages[i], i));
    parseFaxCover(root);
    parseCover(root);
    if (t_.faxCover && t_.cover) root.problem("faxCover", "conflict", "the cover sheet is not listed on itself");
    return t_;
}

}  // namespace

std::string fieldTypeName(FieldType type) {
    for (const auto& [name, t] : typeNames())
        if (t == type) return name;
    return "text";
}

const OptionSpec* FieldSpec::option(const std::string& value) const {
    for (const auto& o : options)
        if (o.value == value) return &o;
    return nullptr;
}

std::string entryName(const CellSpec& cell, const std::string& fieldKey) {
    if (cell.item >= 0) return fieldKey + "." + std::to_string(cell.item + 1) + "." + cell.column;
    if (!cell.option.empty()) return fieldKey + "." + cell.option;
    return fieldKey;
}

std::string boxEntryName(const CellSpec& cell, const std::string& fieldKey, const std::string& option) {
    if (!cell.option.empty()) return entryName(cell, fieldKey);
    return entryName(cell, fieldKey) + "." + option;
}

std::string noteEntryName(const CellSpec& cell, const std::string& fieldKey, const std::string& option) {
    return boxEntryName(cell, fieldKey, option) + ".note";
}

const FieldSpec* SheetTemplate::field(const std::string& key) const {
    for (const auto& f : fields)
        if (f.key == key) return &f;
    return nullptr;
}

common::Result<SheetTemplate> parseTemplate(const std::string& json, const std::string& sourceName) {
    Problems problems;
    SheetTemplate t;
    try {
        Poco::JSON::Parser parser(new DuplicateKeyHandler(problems));
        Var parsed = parser.parse(json);
        if (parsed.type() != typeid(Object::Ptr)) {
            problems.add("", "wrong_type", "a template is a JSON object");
        } else {
            TemplateParser templateParser(problems);
            t = templateParser.parse(Node(parsed.extract<Object::Ptr>(), "", problems));
        }
    } catch (const Poco::Exception& e) {
        problems.add("", "bad_json", e.displayText());
    } catch (const std::exception& e) {
        problems.add("", "bad_json", e.what());
    }
    if (problems.empty()) return t;
    std::string message;
    for (const auto& p : problems.list()) message += (message.empty() ? "" : "\n") + sourceName + ": " + p.field + ": " + p.message;
    return common::Status::invalidArgument(message, problems.list());
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
