#include "app/workbook_intake.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "xlsx_import/sheet_import.h"

namespace app {
namespace {

using common::FieldError;
using common::Status;
using Poco::JSON::Array;
using Poco::JSON::Object;

// A deep copy, so the caller's body is never changed.
Object::Ptr copyOf(const Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return Poco::JSON::Parser().parse(out.str()).extract<Object::Ptr>();
}

bool decodeBase64(const std::string& text, std::string* out) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    try {
        std::ostringstream bytes;
        bytes << decoder.rdbuf();
        *out = bytes.str();
    } catch (const Poco::Exception&) {
        return false;
    }
    return !out->empty();
}

// Replaces doc's workbook with its fields; problems go to errors.
void importInto(Object& doc, const std::string& prefix, const form::TemplateRegistry& templates,
                const xlsx_import::ReadLimits& limits, std::vector<FieldError>& errors) {
    if (doc.has("fields")) {
        errors.push_back({prefix + "workbook", "conflict", "workbook と fields は同時に指定できません。"});
        return;
    }
    Poco::Dynamic::Var value = doc.get("workbook");
    std::string bytes;
    if (!value.isString() || !decodeBase64(value.extract<std::string>(), &bytes)) {
        errors.push_back({prefix + "workbook", "wrong_type", "workbook はExcelのブック(.xlsx)をBase64で指定してください。"});
        return;
    }
    Poco::Dynamic::Var sheetId = doc.get("sheet");
    const form::SheetTemplate* sheet = sheetId.isString() ? templates.find(sheetId.extract<std::string>()) : nullptr;
    if (!sheet) return;  // the request parser names the sheet
    auto imported = xlsx_import::importWorkbook(*sheet, bytes, limits);
    if (!imported) {
        for (const FieldError& e : imported.status().fieldErrors())
            errors.push_back({prefix + e.field, e.code, e.message});
        return;
    }
    if (!imported->problems.empty()) {
        for (FieldError& e : xlsx_import::toFieldErrors(imported->problems)) {
            e.field = prefix + e.field;
            errors.push_back(std::move(e));
        }
        return;
    }
    doc.remove("workbook");
    doc.set("fields", imported->fields);
}

}  // namespace

common::Result<Object::Ptr> withImportedWorkbooks(const Object::Ptr& body, const form::TemplateRegistry& templates,
                                                  const xlsx_import::ReadLimits& limits) {
    bool any = body->has("workbook");
    Array::Ptr docs = body->getArray("documents");
    if (docs)
        for (size_t i = 0; i < docs->size(); ++i)
            if (docs->isObject(i) && docs->getObject(i)->has("workbook")) any = true;
    if (!any) return body;
    Object::Ptr out = copyOf(body);
    std::vector<FieldError> errors;
    if (out->has("workbook")) importInto(*out, "", templates, limits, errors);
    Array::Ptr outDocs = out->getArray("documents");
    if (outDocs)
        for (size_t i = 0; i < outDocs->size(); ++i)
            if (outDocs->isObject(i) && outDocs->getObject(i)->has("workbook"))
                importInto(*outDocs->getObject(i), "documents[" + std::to_string(i) + "].", templates, limits, errors);
    if (!errors.empty()) return Status::invalidArgument("invalid workbook", errors);
    return out;
}

xlsx_import::ReadLimits workbookLimits(const config::Settings& settings) {
    xlsx_import::ReadLimits limits;
    limits.maxParts = static_cast<size_t>(settings.xlsxImportMaxParts);
    limits.maxPartCompressedBytes = static_cast<std::uint64_t>(settings.xlsxImportMaxPartCompressedBytes);
    limits.maxPartBytes = static_cast<std::uint64_t>(settings.xlsxImportMaxPartBytes);
    limits.maxTotalBytes = static_cast<std::uint64_t>(settings.xlsxImportMaxTotalBytes);
    return limits;
}

}  // namespace app
