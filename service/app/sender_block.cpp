#include "app/sender_block.h"

#include <Poco/JSON/Array.h>

#include <optional>

#include "partners/partner_directory.h"

namespace app {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

struct SenderField {
    const char* key;
    const char* label;               // for the message
    std::string offices::Office::*value;
    bool number;                     // compared as a phone number (digits only)
};

const SenderField kSenderFields[] = {
    {"sender_office_name", "事業所名", &offices::Office::name, false},
    {"sender_office_no", "介護保険事業所番号", &offices::Office::officeNumber, false},
    {"sender_address", "事業所所在地", &offices::Office::address, false},
    {"sender_phone", "電話番号", &offices::Office::phone, true},
    {"sender_fax", "FAX番号", &offices::Office::fax, true},
};

// Without spaces (ASCII and U+3000), so "春野 恵子" and "春野　恵子" agree.
std::string withoutSpaces(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ' || text[i] == '\t') continue;
        if (text.compare(i, 3, "\xE3\x80\x80") == 0) {
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

bool sameValue(const std::string& given, const std::string& registered, bool number) {
    if (number) {
        auto a = partners::normalizeFaxNumber(given);
        auto b = partners::normalizeFaxNumber(registered);
        return a && b && *a == *b;
    }
    return withoutSpaces(given) == withoutSpaces(registered);
}

// The field's text when it is a non-empty string; nullopt when it is absent
// or empty (to be filled in); "" never returned. Other types are the
// validator's to report, so they count as given and are left alone.
std::optional<std::string> givenText(const Object::Ptr& fields, const std::string& key, bool& otherType) {
    otherType = false;
    if (!fields->has(key) || fields->get(key).isEmpty()) return std::nullopt;
    const Poco::Dynamic::Var& v = fields->get(key);
    if (!v.isString()) {
        otherType = true;
        return std::nullopt;
    }
    std::string text = v.extract<std::string>();
    if (withoutSpaces(text).empty()) return std::nullopt;
    return text;
}

void checkCareManager(Object::Ptr out, const offices::Office& office, const std::string& path,
                      std::vector<common::FieldError>& errors) {
    bool otherType = false;
    auto given = givenText(out, "sender_cm_name", otherType);
    if (otherType || office.careManagers.empty()) return;  // any name, when the office lists none
    if (!given) {
        if (office.careManagers.size() == 1) out->set("sender_cm_name", office.careManagers.front());
        return;  // several: the validator asks for one
    }
    for (const auto& name : office.careManagers)
        if (sameValue(*given, name, false)) {
            out->set("sender_cm_name", name);  // as registered
            return;
        }
    std::string listed;
    for (const auto& name : office.careManagers) listed += (listed.empty() ? "" : "、") + name;
    errors.push_back({path + "sender_cm_name", "unknown_care_manager",
                      "担当ケアマネジャー「" + *given + "」は事業所「" + office.name + "」に登録されていません(登録: " +
                          listed + ")。"});
}

}  // namespace

common::Result<Object::Ptr> withSenderFields(const Object::Ptr& fields, const form::SheetTemplate& sheet,
                                             const offices::Office& office, const std::string& pathPrefix) {
    if (!fields) return fields;
    Object::Ptr out = new Object(*fields);
    std::vector<common::FieldError> errors;
    for (const SenderField& f : kSenderFields) {
        if (!sheet.field(f.key)) continue;
        const std::string& registered = office.*f.value;
        bool otherType = false;
        auto given = givenText(out, f.key, otherType);
        if (otherType) continue;
        if (!given) {
            if (!registered.empty()) out->set(f.key, registered);
            continue;
        }
        if (registered.empty()) {
            errors.push_back({pathPrefix + f.key, "sender_not_registered",
                              std::string("送信元の") + f.label + "は事業所の登録内容から記入されます。事業所「" +
                                  office.name + "」には登録がないため指定できません。"});
        } else if (!sameValue(*given, registered, f.number)) {
            errors.push_back({pathPrefix + f.key, "sender_mismatch",
                              std::string("送信元の") + f.label + "は事業所の登録内容から記入されます(登録: " +
                                  registered + ")。別の値は指定できません。"});
        } else {
            out->set(f.key, registered);  // as registered, so every copy reads the same
        }
    }
    if (sheet.field("sender_cm_name")) checkCareManager(out, office, pathPrefix, errors);
    if (!errors.empty()) return common::Status::invalidArgument("sender block", errors);
    return out;
}

common::Result<Object::Ptr> withSenderBlock(const Object::Ptr& body, const form::TemplateRegistry& templates,
                                            const offices::Office& office) {
    Object::Ptr out = new Object(*body);
    std::vector<common::FieldError> errors;
    auto fill = [&](Object::Ptr holder, const std::string& prefix) {
        if (!holder->has("sheet") || !holder->get("sheet").isString()) return;
        const form::SheetTemplate* sheet = templates.find(holder->getValue<std::string>("sheet"));
        Object::Ptr fields = holder->getObject("fields");
        if (!sheet || !fields) return;
        auto filled = withSenderFields(fields, *sheet, office, prefix + "fields.");
        if (!filled) {
            for (const auto& e : filled.status().fieldErrors()) errors.push_back(e);
            return;
        }
        holder->set("fields", filled.value());
    };
    if (out->has("fields")) fill(out, "");
    if (Array::Ptr documents = out->getArray("documents")) {
        Array::Ptr copy = new Array;
        for (size_t i = 0; i < documents->size(); ++i) {
            Object::Ptr d = documents->getObject(i);
            if (!d) {
                copy->add(documents->get(i));
                continue;
            }
            Object::Ptr document = new Object(*d);
            fill(document, "documents[" + std::to_string(i) + "].");
            copy->add(document);
        }
        out->set("documents", copy);
    }
    if (!errors.empty()) return common::Status::invalidArgument("sender block", errors);
    return out;
}

void setCoverSender(Object& coverFields, const offices::Office& office) {
    const std::pair<const char*, const std::string*> values[] = {
        {"sender_office_name", &office.name},
        {"sender_address", &office.address},
        {"sender_phone", &office.phone},
        {"sender_fax", &office.fax},
    };
    for (const auto& [key, value] : values)
        if (!value->empty()) coverFields.set(key, *value);
}

}  // namespace app
