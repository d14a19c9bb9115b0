#include "form/validator.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <regex>
#include <set>

#include "common/characters.h"
#include "common/utf8.h"
#include "form/wareki.h"

namespace form {
namespace {

using common::FieldError;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }

// null, "" and text of nothing but spaces (half or full width), tabs and line
// breaks mean "not filled in": a required field sent as "　" is missing.
bool isBlank(const Var& v) {
    if (v.isEmpty()) return true;
    if (!v.isString()) return false;
    auto cps = common::decodeUtf8(v.extract<std::string>());
    return cps && std::all_of(cps->begin(), cps->end(), [](char32_t c) {
               return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == 0x3000;
           });
}
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

std::string quoted(const FieldSpec& f) { return "「" + f.label + "」"; }

class Checker {
public:
    Checker(const SheetTemplate& sheet, std::vector<FieldError>& errors) : sheet_(sheet), errors_(errors) {}

    void error(const std::string& path, const std::string& code, const std::string& message) {
        errors_.push_back({path, code, message});
    }

    // Validates one value of spec f at path; on success stores it in out.
    bool check(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        switch (f.type) {
        case FieldType::Text:
        case FieldType::MText:
        case FieldType::Phone: return checkText(f, v, path, out);
        case FieldType::Date: return checkWith(f, v, path, out, "invalid_date", "日付(YYYY-MM-DD)", isDate);
        case FieldType::Time: return checkWith(f, v, path, out, "invalid_time", "時刻(HH:MM)", isTime);
        case FieldType::DateTime:
            return checkWith(f, v, path, out, "invalid_datetime", "日時(YYYY-MM-DDTHH:MM+09:00)", isDateTime);
        case FieldType::Number: return checkNumber(f, v, path, out);
        case FieldType::Bool: return checkBool(f, v, path, out);
        case FieldType::Enum: return checkEnum(f, v, path, out);
        case FieldType::Multi: return checkMulti(f, v, path, out);
        case FieldType::Table: return checkTable(f, v, path, out);
        case FieldType::Derived:
            error(path, "read_only", quoted(f) + "はサーバーが計算する項目のため、入力できません。");
            return false;
        }
        return false;
    }

private:
    bool wrongType(const FieldSpec& f, const std::string& path, const std::string& expected) {
        error(path, "wrong_type", quoted(f) + "の形式が正しくありません(" + expected + "で指定してください)。");
        return false;
    }

    // Common checks for strings: a JSON string of valid UTF-8 holding only
    // characters XML and the fonts can carry, and line breaks only where the
    // field has lines. On success `text` is the value as stored and printed:
    // CRLF and CR become LF (browsers' textareas and Windows tools send CRLF),
    // a tab becomes a space, and marks are composed with their base where
    // Unicode has a precomposed character.
    bool checkString(const FieldSpec& f, const Var& v, const std::string& path, std::u32string& text) {
        if (!v.isString()) return wrongType(f, path, "文字列");
        auto cps = common::decodeUtf8(v.extract<std::string>());
        if (!cps) {
            error(path, "invalid_utf8", quoted(f) + "に不正な文字コード(UTF-8以外)が含まれています。");
            return false;
        }
        auto bad = std::find_if(cps->begin(), cps->end(), common::isForbiddenCharacter);
        if (bad != cps->end()) {
            const char* kind = common::isNoncharacter(*bad) ? "非文字" : "制御文字";
            error(path, "invalid_characters",
                  quoted(f) + "に使用できない" + kind + "(" + common::codePointName(*bad) + ")が含まれています。");
            return false;
        }
        const bool multiLine = f.type == FieldType::MText;
        std::u32string out;
        out.reserve(cps->size());
        for (size_t i = 0; i < cps->size(); ++i) {
            char32_t c = (*cps)[i];
            if (c == U'\r' || c == U'\n') {
                if (!multiLine) {
                    error(path, "line_break", quoted(f) + "は1行で入力してください(改行は使えません)。");
                    return false;
                }
                if (c == U'\r' && i + 1 < cps->size() && (*cps)[i + 1] == U'\n') ++i;
                c = U'\n';
            } else if (c == U'\t') {
                c = U' ';
            }
            out.push_back(c);
        }
        text = common::composeMarks(out);
        return true;
    }

    bool checkText(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        std::u32string cps;
        if (!checkString(f, v, path, cps)) return false;
        // Counted as printed: a variation sequence or a base with its marks is
        // one character. A fixed-length number gets its own message below.
        size_t length = common::characterCount(cps);
        if (f.digits == 0 && f.maxLength > 0 && length > static_cast<size_t>(f.maxLength)) {
            error(path, "too_long",
                  quoted(f) + "は" + std::to_string(f.maxLength) + "文字以内で入力してください(現在" +
                      std::to_string(length) + "文字)。");
            return false;
        }
        const std::string s = common::encodeUtf8(cps);
        if (f.type == FieldType::Phone && !isPhone(s)) {
            error(path, "invalid_phone", quoted(f) + "は市外局番から始まる電話番号(例: 0166-00-1234)で入力してください。");
            return false;
        }
        if (!f.charset.empty() && !inCharset(f.charset, cps)) {
            error(path, "invalid_charset",
                  quoted(f) + (f.charset == "digits" ? "は半角数字で入力してください。" : "は全角カタカナで入力してください。"));
            return false;
        }
        if (f.digits > 0 && cps.size() != static_cast<size_t>(f.digits)) {
            error(path, "wrong_digit_count",
                  quoted(f) + "は半角数字" + std::to_string(f.digits) + "桁で入力してください(現在" +
                      std::to_string(cps.size()) + "桁)。");
            return false;
        }
        out.scalar = s;
        return true;
    }

    bool checkWith(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out,
                   const std::string& code, const std::string& what, bool (*valid)(const std::string&)) {
        std::u32string cps;
        if (!checkString(f, v, path, cps)) return false;
        const std::string s = common::encodeUtf8(cps);
        if (!valid(s)) {
            error(path, code, quoted(f) + "は正しい" + what + "で入力してください。");
            return false;
        }
        if (f.type == FieldType::Date && *parseIsoDate(s) < kEarliestConvertibleDate) {
            error(path, "out_of_range", quoted(f) + "は明治6年(1873年)1月1日以降の日付で入力してください。");
            return false;
        }
        out.scalar = s;
        return true;
    }

    static bool isDate(const std::string& s) { return parseIsoDate(s).has_value(); }
    static bool isTime(const std::string& s) { return parseTime(s).has_value(); }
    static bool isDateTime(const std::string& s) { return parseIsoDateTimeJst(s).has_value(); }

    static bool isPhone(const std::string& s) {
        // Japanese numbers: start with 0, 10 or 11 digits, optional hyphens between groups.
        static const std::regex kPattern("^0\\d{1,4}-?\\d{1,4}-?\\d{3,4}$");
        if (!std::regex_match(s, kPattern)) return false;
        size_t digits = std::count_if(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        return digits == 10 || digits == 11;
    }

    static bool inCharset(const std::string& charset, const std::u32string& cps) {
        for (char32_t c : cps) {
            if (charset == "digits" && !(c >= U'0' && c <= U'9')) return false;
            // The combining (semi-)voiced marks write kana with no precomposed
            // form (セ゚, カ゚); the others were composed by checkString.
            if (charset == "katakana" && !((c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || c == 0x30FB ||
                                           c == 0x3099 || c == 0x309A || c == U' ' || c == 0x3000))
                return false;
        }
        return true;
    }

    bool checkNumber(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        // Poco counts a bool as an integer: true is not 1 here.
        if (v.isBoolean() || v.isString() || !v.isNumeric()) return wrongType(f, path, "数値");
        if (!v.isInteger()) {
            if (v.isNumeric()) {
                double d = v.convert<double>();
                if (!(d > -1e15 && d < 1e15) || d != static_cast<double>(static_cast<long long>(d)))
                    return wrongType(f, path, "整数");
            } else {
                return wrongType(f, path, "数値");
            }
        }
        long long n = static_cast<long long>(v.convert<double>());
        if ((f.min && n < *f.min) || (f.max && n > *f.max)) {
            std::string range = (f.min ? std::to_string(*f.min) : "") + "〜" + (f.max ? std::to_string(*f.max) : "");
            error(path, "out_of_range", quoted(f) + "は" + range + "の範囲で入力してください。");
            return false;
        }
        out.scalar = std::to_string(n);
        return true;
    }

    bool checkBool(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        if (!v.isBoolean()) return wrongType(f, path, "true または false");
        out.scalar = v.extract<bool>() ? "true" : "false";
        return true;
    }

    bool checkEnum(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        if (!v.isString()) return wrongType(f, path, "選択肢の値(文字列)");
        const std::string s = v.extract<std::string>();
        if (!f.option(s)) return invalidOption(f, path, s);
        out.scalar = s;
        return true;
    }

    bool invalidOption(const FieldSpec& f, const std::string& path, const std::string& value) {
        std::string shown = common::decodeUtf8(value) ? value : "?";
        error(path, "invalid_option", quoted(f) + "に「" + shown + "」は選べません。");
        return false;
    }

    bool checkMulti(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        if (!isArray(v)) return wrongType(f, path, "選択肢の値の配列");
        Array::Ptr a = v.extract<Array::Ptr>();
        std::set<std::string> chosen;
        bool ok = true;
        for (size_t i = 0; i < a->size(); ++i) {
            Var item = a->get(i);
            std::string itemPath = path + "[" + std::to_string(i) + "]";
            if (!item.isString()) {
                ok = wrongType(f, itemPath, "選択肢の値(文字列)");
                continue;
            }
            std::string s = item.extract<std::string>();
            if (!f.option(s)) {
                ok = invalidOption(f, itemPath, s);
            } else if (!chosen.insert(s).second) {
                error(itemPath, "duplicate_option", quoted(f) + "で「" + f.option(s)->label + "」が重複しています。");
                ok = false;
            }
        }
        if (!f.exclusive.empty() && chosen.count(f.exclusive) && chosen.size() > 1) {
            error(path, "exclusive_option",
                  quoted(f) + "で「" + f.option(f.exclusive)->label + "」は他の選択肢と同時に選べません。");
            ok = false;
        }
        if (!ok) return false;
        for (const auto& o : f.options)
            if (chosen.count(o.value)) out.list.push_back(o.value);
        return true;
    }

    bool checkTable(const FieldSpec& f, const Var& v, const std::string& path, FieldValue& out) {
        if (!isArray(v)) return wrongType(f, path, "行の配列");
        Array::Ptr a = v.extract<Array::Ptr>();
        if (a->size() > static_cast<size_t>(f.maxRows)) {
            error(path, "too_many_rows", quoted(f) + "は" + std::to_string(f.maxRows) + "行までです。");
            return false;
        }
        bool ok = true;
        for (size_t i = 0; i < a->size(); ++i) {
            std::string rowPath = path + "[" + std::to_string(i) + "]";
            Var row = a->get(i);
            if (!isObject(row)) {
                ok = wrongType(f, rowPath, "オブジェクト");
                continue;
            }
            Object::Ptr o = row.extract<Object::Ptr>();
            std::map<std::string, FieldValue> values;
            for (const auto& [key, value] : *o) {
                auto col = std::find_if(f.columns.begin(), f.columns.end(), [&name = key](const FieldSpec& c) { return c.key == name; });
                if (col == f.columns.end()) {
                    error(rowPath + "." + key, "unknown_field", "「" + key + "」は" + quoted(f) + "にない項目です。");
                    ok = false;
                    continue;
                }
                if (isBlank(value)) continue;
                FieldValue fv;
                if (check(*col, value, rowPath + "." + key, fv)) values[key] = fv;
                else ok = false;
            }
            for (const auto& col : f.columns)
                if (col.required && !values.count(col.key)) {
                    error(rowPath + "." + col.key, "required", quoted(col) + "は必須です。");
                    ok = false;
                }
            out.rows.push_back(values);
        }
        return ok;
    }

    const SheetTemplate& sheet_;
    std::vector<FieldError>& errors_;
};

bool conditionHolds(const Condition& c, const FormData& data) {
    const FieldValue* v = data.get(c.field);
    if (!v) return false;
    if (c.anyOf.empty()) return true;
    for (const auto& want : c.anyOf) {
        if (v->scalar == want) return true;
        if (std::find(v->list.begin(), v->list.end(), want) != v->list.end()) return true;
    }
    return false;
}

// Which option owns a note field, and whether that option is chosen.
bool noteOwnerChosen(const SheetTemplate& sheet, const std::string& noteKey, const FormData& data,
                     const FieldSpec** owner, const OptionSpec** option) {
    for (const auto& f : sheet.fields)
        for (const auto& o : f.options)
            if (o.noteKey == noteKey) {
                *owner = &f;
                *option = &o;
                const FieldValue* v = data.get(f.key);
                if (!v) return false;
                return v->scalar == o.value || std::find(v->list.begin(), v->list.end(), o.value) != v->list.end();
            }
    return false;
}

void derive(const SheetTemplate& sheet, FormData& data) {
    for (const auto& f : sheet.fields) {
        if (f.type != FieldType::Derived) continue;
        std::string value;
        if (f.derive == "age" && f.deriveFrom.size() == 2) {
            auto birth = parseIsoDate(data.text(f.deriveFrom[0]));
            auto asOf = parseIsoDate(data.text(f.deriveFrom[1]));
            if (birth && asOf && !(*asOf < *birth)) value = std::to_string(ageOn(*birth, *asOf));
        } else if (f.derive == "initials" && !f.deriveFrom.empty()) {
            // from [kana] or [name, kana]: the default masking is kana initials.
            value = kanaInitials(data.text(f.deriveFrom.back()));
        } else if (f.derive == "municipality" && f.deriveFrom.size() == 1) {
            value = municipalityOf(data.text(f.deriveFrom[0]));
        }
        if (!value.empty()) data.values[f.key].scalar = value;
    }
}

}  // namespace

common::Result<FormData> validateFields(const SheetTemplate& sheet, const Object::Ptr& fields,
                                        const std::string& pathPrefix) {
    std::vector<FieldError> errors;
    Checker checker(sheet, errors);
    FormData data;
    auto pathOf = [&](const std::string& key) { return pathPrefix.empty() ? key : pathPrefix + "." + key; };
    if (!fields) {
        errors.push_back({pathPrefix, "wrong_type", "「fields」はオブジェクトで指定してください。"});
        return common::Status::invalidArgument("invalid fields", errors);
    }
    for (const auto& [key, value] : *fields) {
        const FieldSpec* f = sheet.field(key);
        if (!f) {
            std::string shown = common::decodeUtf8(key) ? key : "?";
            errors.push_back({pathOf(shown), "unknown_field", "「" + shown + "」はこの帳票(" + sheet.title + ")にない項目です。"});
            continue;
        }
        // Blank means "not filled in" (see isBlank); an empty list likewise.
        if (isBlank(value)) continue;
        FieldValue fv;
        if (!checker.check(*f, value, pathOf(key), fv)) continue;
        if (f->type == FieldType::Multi && fv.list.empty()) continue;  // nothing chosen
        if (f->type == FieldType::Table && fv.rows.empty()) continue;   // no rows
        data.values[key] = std::move(fv);
    }
    for (const auto& f : sheet.fields) {
        if (f.type == FieldType::Derived || data.has(f.key)) continue;
        bool required = f.required;
        for (const auto& c : f.requiredWhen) required = required || conditionHolds(c, data);
        if (!required) continue;
        // A value that was sent but rejected already has its own error.
        std::string path = pathOf(f.key);
        bool reported = std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) {
            return e.field == path || e.field.rfind(path + "[", 0) == 0 || e.field.rfind(path + ".", 0) == 0;
        });
        if (!reported) errors.push_back({path, "required", quoted(f) + "は必須です。"});
    }
    for (const auto& f : sheet.fields) {
        const FieldValue* v = data.get(f.key);
        if (!v) continue;
        if (f.mustBeTrue && v->scalar != "true")
            errors.push_back({pathOf(f.key), "must_be_true", quoted(f) + "を確認のうえ、チェックしてください。"});
        for (const auto& o : f.options) {
            if (o.onlyWhen.empty() || !(v->scalar == o.value || std::count(v->list.begin(), v->list.end(), o.value))) continue;
            bool allowed = std::any_of(o.onlyWhen.begin(), o.onlyWhen.end(), [&](const Condition& c) { return conditionHolds(c, data); });
            if (!allowed)
                errors.push_back({pathOf(f.key), "option_not_allowed",
                                  quoted(f) + "の「" + o.label + "」は、この内容では選べません。"});
        }
    }
    for (const auto& f : sheet.fields) {
        if (!f.isNote || !data.has(f.key)) continue;
        const FieldSpec* owner = nullptr;
        const OptionSpec* option = nullptr;
        if (!noteOwnerChosen(sheet, f.key, data, &owner, &option) && owner)
            errors.push_back({pathOf(f.key), "note_without_option",
                              quoted(f) + "は" + quoted(*owner) + "で「" + option->label + "」を選んだときだけ入力できます。"});
    }
    if (!errors.empty()) return common::Status::invalidArgument("invalid fields", errors);
    derive(sheet, data);
    return data;
}

std::string municipalityOf(const std::string& address) {
    auto cps = common::decodeUtf8(address);
    if (!cps) return "";
    std::u32string s = *cps;
    // Drop the prefecture: 北海道, 東京都, 京都府/大阪府, or …県.
    static const std::u32string kPrefEnds[] = {U"北海道", U"東京都", U"京都府", U"大阪府"};
    bool dropped = false;
    for (const auto& p : kPrefEnds)
        if (s.rfind(p, 0) == 0) {
            s = s.substr(p.size());
            dropped = true;
            break;
        }
    if (!dropped) {
        size_t ken = s.find(U'県');
        if (ken != std::u32string::npos && ken <= 3) s = s.substr(ken + 1);
    }
    // A 郡 comes before its town or village: 上川郡東神楽町 -> 東神楽町.
    size_t gun = s.find(U'郡');
    size_t firstEnd = s.find_first_of(U"市町村区");
    if (gun != std::u32string::npos && gun < firstEnd) {
        s = s.substr(gun + 1);
        firstEnd = s.find_first_of(U"市町村");
    }
    if (firstEnd == std::u32string::npos || firstEnd == 0 || firstEnd > 6) return "";
    return common::encodeUtf8(s.substr(0, firstEnd + 1));
}

std::string partialMask(const std::string& name) {
    auto cps = common::decodeUtf8(name);
    if (!cps) return "";
    std::u32string out;
    size_t inWord = 0;
    // By printed character: a base keeps or loses its marks and selector with it.
    for (size_t i = 0, end; i < cps->size(); i = end) {
        end = common::clusterEnd(*cps, i);
        char32_t c = (*cps)[i];
        if (c == U' ' || c == 0x3000) {
            out += c;
            inWord = 0;
            continue;
        }
        out += (inWord++ % 2 == 1) ? std::u32string(1, U'●') : cps->substr(i, end - i);
    }
    return common::encodeUtf8(out);
}

std::string kanaInitials(const std::string& kana) {
    auto cps = common::decodeUtf8(kana);
    if (!cps || cps->empty()) return "";
    std::string out;
    bool atWordStart = true;
    for (size_t i = 0, end; i < cps->size(); i = end) {
        end = common::clusterEnd(*cps, i);
        char32_t c = (*cps)[i];
        if (c == U' ' || c == 0x3000) {
            atWordStart = true;
            continue;
        }
        if (atWordStart) {
            if (!out.empty()) out += "・";
            out += common::encodeUtf8(cps->substr(i, end - i));
            atWordStart = false;
        }
    }
    return out;
}

}  // namespace form
