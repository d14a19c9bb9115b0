// Issue 13: what does not fit on a real sheet goes to the 別紙 without taking
// anything from page 1. Generated from templates/: every sheet, every box row
// with a note, every sheet's free text, so a new sheet is covered as it is.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "form/template_registry.h"
#include "form/validator.h"
#include "form/wareki.h"
#include "layout/layout_builder.h"
#include "render/font_metrics.h"
#include "test_support.h"

using namespace layout;

namespace {

const form::TemplateRegistry& registry() {
    static auto loaded = form::TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(loaded.isOk());
    return *loaded.value();
}

const render::FontMetrics& fonts() {
    static auto opened = render::FontMetrics::open("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
                                                   "/usr/share/fonts/truetype/ipamj/ipamjm.ttf");
    REQUIRE(opened.isOk());
    return *opened.value();
}

Poco::JSON::Object::Ptr sampleFields(const std::string& sheet) {
    auto text = testing_support::readFile(testing_support::sourcePath("templates/" + sheet + "/sample.json"));
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>()->getObject("fields");
}

Document build(const form::SheetTemplate& sheet, const Poco::JSON::Object::Ptr& fields, MaskMode mask,
               std::string& problem) {
    auto data = form::validateFields(sheet, fields);
    if (!data) {
        problem = data.status().fieldErrors().empty() ? data.status().message()
                                                      : data.status().fieldErrors().front().field + " " +
                                                            data.status().fieldErrors().front().code;
        return {};
    }
    BuildOptions options;
    options.documentId = "0123456789abcdef0123456789abcdef";
    options.createdIso = "2025-11-20T10:00:00+09:00";
    options.mask = mask;
    return buildDocument(sheet, data.value(), fonts(), options);
}

std::string cellText(const Cell& c) {
    std::string out;
    for (const auto& l : c.text.lines) out += l.text;
    return out;
}

std::string continuationText(const Document& doc) {
    std::string out;
    for (const auto& p : doc.pages)
        if (p.continuation)
            for (const auto& c : p.cells) out += cellText(c) + "\n";
    return out;
}

std::string repeat(const std::string& s, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += s;
    return out;
}

// A sample copy with the field set to choose every option that carries a note
// (one for an enum), each note as long as it may be.
Poco::JSON::Object::Ptr withLongNotes(const form::SheetTemplate& sheet, const form::FieldSpec& f,
                                      std::vector<std::string>& chosenLabels) {
    auto fields = Poco::JSON::Parser().parse(testing_support::readFile(testing_support::sourcePath(
                                                 "templates/" + sheet.id + "/sample.json")))
                      .extract<Poco::JSON::Object::Ptr>()
                      ->getObject("fields");
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& o : f.options) {
        if (o.noteKey.empty()) continue;
        const form::FieldSpec* note = sheet.field(o.noteKey);
        const int length = note && note->maxLength > 0 ? std::min(note->maxLength, 80) : 60;
        if (note && note->type == form::FieldType::Number)
            fields->set(o.noteKey, note->min ? *note->min : 1);
        else
            fields->set(o.noteKey, repeat("補足", length / 2));
        chosenLabels.push_back(o.label);
        list->add(o.value);
        if (f.type == form::FieldType::Enum) {
            fields->set(f.key, o.value);
            return fields;
        }
    }
    fields->set(f.key, list);
    return fields;
}

}  // namespace

TEST_CASE("A note too long for its box row leaves every box and mark on the sheet, with a reference to the 別紙",
          "[layout][issue13]") {
    int rows = 0;
    for (const auto* sheet : registry().all()) {
        for (const auto& f : sheet->fields) {
            if (f.type != form::FieldType::Enum && f.type != form::FieldType::Multi) continue;
            std::vector<std::string> chosen;
            auto fields = withLongNotes(*sheet, f, chosen);
            if (chosen.empty()) continue;
            std::string problem;
            Document doc = build(*sheet, fields, MaskMode::None, problem);
            if (!problem.empty()) {
                WARN(sheet->id << " " << f.key << ": long notes not accepted as a whole (" << problem << ")");
                continue;
            }
            std::string boxes;
            for (const auto& p : doc.pages)
                for (const auto& c : p.cells)
                    if (!p.continuation && c.fieldKey == f.key) boxes += cellText(c);
            if (boxes.empty()) continue;  // not printed as boxes on this sheet
            INFO(sheet->id << " " << f.key << ": " << boxes);
            ++rows;
            CHECK(boxes.find("別紙参照") == std::string::npos);
            for (const auto& label : chosen) CHECK(boxes.find("■" + label) != std::string::npos);
            const std::string attached = continuationText(doc);
            for (size_t at = boxes.find("※"); at != std::string::npos; at = boxes.find("※", at + 1)) {
                size_t end = at + std::string("※").size();
                while (end < boxes.size() && std::isdigit(static_cast<unsigned char>(boxes[end]))) ++end;
                CHECK(attached.find(boxes.substr(at, end - at) + " ") != std::string::npos);
            }
        }
    }
    CHECK(rows >= 8);  // the discharge sheet alone has eight rows with notes
}

TEST_CASE("Every 別紙 page names the patient as the fax does, the 記入日 and n/m, and marks a text that goes on",
          "[layout][issue13]") {
    for (const auto* sheet : registry().all()) {
        const form::FieldSpec* pt = sheet->field("pt_name");
        if (!pt) continue;
        const form::FieldSpec* free = nullptr;
        for (const auto& f : sheet->fields)
            if (f.type == form::FieldType::MText && f.maxLength >= 3000 && !free) free = &f;
        if (!free) continue;
        for (MaskMode mask : {MaskMode::None, MaskMode::Initials}) {
            auto fields = sampleFields(sheet->id);
            fields->set(free->key, repeat("退院後の生活について本人と家族の意向を確認した。", free->maxLength / 24));
            std::string problem;
            Document doc = build(*sheet, fields, mask, problem);
            INFO(sheet->id << " " << free->key << " mask " << static_cast<int>(mask) << " " << problem);
            REQUIRE(problem.empty());
            std::vector<const Page*> extra;
            for (const auto& p : doc.pages)
                if (p.continuation) extra.push_back(&p);
            REQUIRE(extra.size() >= 2);
            const std::string name = fields->getValue<std::string>("pt_name");
            const std::string date =
                form::formatWareki(*form::parseIsoDate(fields->getValue<std::string>("doc_date")));
            for (size_t i = 0; i < extra.size(); ++i) {
                std::string head = cellText(extra[i]->cells.at(0)) + cellText(extra[i]->cells.at(1));
                INFO("page " << i + 1 << ": " << head);
                CHECK(head.find(std::to_string(i + 1) + "/" + std::to_string(extra.size())) != std::string::npos);
                CHECK(head.find("利用者") != std::string::npos);
                CHECK(head.find(date) != std::string::npos);
                CHECK((head.find(name) != std::string::npos) == (mask == MaskMode::None));
            }
            std::string second;
            for (const auto& c : extra[1]->cells) second += cellText(c);
            CHECK(second.find("(続き)") != std::string::npos);
        }
    }
}
