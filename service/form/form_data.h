// FormData: the validated values of one sheet, keyed by field key. Every
// value has been checked against the template, so the layout can print it
// without re-checking. Derived fields (age, initials, municipality) are filled
// in by the validator. Plain data.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace form {

struct FieldValue {
    std::string scalar;                 // text, phone, number ("12"), date/time ISO, enum value, "true"/"false"
    std::vector<std::string> list;      // multi: chosen values, in the template's option order
    std::vector<std::map<std::string, FieldValue>> rows;  // table rows by column key
};

struct FormData {
    std::map<std::string, FieldValue> values;

    bool has(const std::string& key) const { return values.count(key) > 0; }
    // The scalar of key, or "" when absent.
    std::string text(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? std::string() : it->second.scalar;
    }
    const FieldValue* get(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

}  // namespace form
