#include "xlsx_import_support.h"

#include <set>
#include <stdexcept>

#include "config/settings.h"
#include "test_support.h"

namespace xlsx_import_test {
namespace {

bool isFalseOrAbsent(const form::FieldValue* v) { return !v || (v->scalar == "false" && v->list.empty()); }

std::string show(const form::FieldValue& v) {
    std::string out = "'" + v.scalar + "'";
    for (const auto& item : v.list) out += " [" + item + "]";
    if (!v.rows.empty()) out += " (" + std::to_string(v.rows.size()) + " rows)";
    return out;
}

std::string compare(const std::string& key, const form::FieldValue* a, const form::FieldValue* b, bool isBool) {
    if (isBool && isFalseOrAbsent(a) && isFalseOrAbsent(b)) return "";
    if (!a && !b) return "";
    if (!a || !b) return key + ": " + (a ? show(*a) : "absent") + " != " + (b ? show(*b) : "absent");
    if (a->scalar != b->scalar || a->list != b->list || a->rows.size() != b->rows.size())
        return key + ": " + show(*a) + " != " + show(*b);
    for (size_t i = 0; i < a->rows.size(); ++i) {
        std::set<std::string> keys;
        for (const auto& [k, v] : a->rows[i]) keys.insert(k);
        for (const auto& [k, v] : b->rows[i]) keys.insert(k);
        for (const auto& k : keys) {
            auto ia = a->rows[i].find(k);
            auto ib = b->rows[i].find(k);
            std::string d = compare(key + "[" + std::to_string(i) + "]." + k, ia == a->rows[i].end() ? nullptr : &ia->second,
                                    ib == b->rows[i].end() ? nullptr : &ib->second, false);
            if (!d.empty()) return d;
        }
    }
    return "";
}

}  // namespace

Env& Env::get() {
    static Env env = [] {
        Env e;
        e.templates = form::TemplateRegistry::load(testing_support::sourcePath("templates")).value();
        config::Settings defaults;
        e.fonts = render::FontMetrics::open(defaults.primaryFont, defaults.fallbackFont).value();
        e.service = std::make_unique<app::DocumentService>(e.templates, e.fonts, render::XlsxOptions());
        return e;
    }();
    return env;
}

std::string Env::renderXlsx(const form::SheetTemplate& sheet, const form::FormData& data) const {
    auto doc = service->render(sheet, data, app::Format::Xlsx, "0123456789abcdef0123456789abcdef",
                               "2025-11-20T15:10:00+09:00");
    if (!doc) throw std::runtime_error("render: " + doc.status().toString());
    return doc->bytes;
}

std::string sameFields(const form::SheetTemplate& sheet, const form::FormData& a, const form::FormData& b) {
    for (const auto& f : sheet.fields) {
        if (f.type == form::FieldType::Derived) continue;
        std::string d = compare(f.key, a.get(f.key), b.get(f.key), f.type == form::FieldType::Bool);
        if (!d.empty()) return d;
    }
    return "";
}

}  // namespace xlsx_import_test
