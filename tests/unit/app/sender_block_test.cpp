// The sender block is the office's (issue 15): filled from the profile,
// checked against it, never signed as another office.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "app/sender_block.h"
#include "form/template_registry.h"
#include "test_support.h"

using Poco::JSON::Object;

namespace {

offices::Office harunire() {
    offices::Office o;
    o.id = "harunire-no-oka";
    o.name = "居宅介護支援事業所 はるにれの丘";
    o.officeNumber = "0170000999";
    o.address = "北海道旭川市末広3条9丁目0番1号";
    o.phone = "0166-00-5678";
    o.fax = "0166-00-5679";
    o.careManagers = {"春野 恵子", "秋山 一郎"};
    return o;
}

Object::Ptr json(const std::string& text) { return Poco::JSON::Parser().parse(text).extract<Object::Ptr>(); }

std::shared_ptr<const form::TemplateRegistry> templates() {
    static auto loaded = form::TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(loaded.isOk());
    return loaded.value();
}

std::vector<std::string> problems(const common::Status& status) {
    std::vector<std::string> out;
    for (const auto& e : status.fieldErrors()) out.push_back(e.field + ":" + e.code);
    return out;
}

}  // namespace

TEST_CASE("Sender fields left out are filled from the office's profile, those the sheet lacks are not added", "[app][offices]") {
    auto filled = app::withSenderFields(json(R"({"pt_name": "雪原 正夫", "sender_cm_name": "秋山　一郎"})"),
                                        *templates()->find("discharge-liaison"), harunire(), "fields.");
    REQUIRE(filled.isOk());
    Object::Ptr f = filled.value();
    CHECK(f->getValue<std::string>("sender_office_name") == "居宅介護支援事業所 はるにれの丘");
    CHECK(f->getValue<std::string>("sender_fax") == "0166-00-5679");
    CHECK(f->getValue<std::string>("sender_cm_name") == "秋山 一郎");  // as registered
    CHECK_FALSE(f->has("sender_address"));    // the discharge sheet has no address field
    CHECK_FALSE(f->has("sender_office_no"));
    CHECK(f->getValue<std::string>("pt_name") == "雪原 正夫");
}

TEST_CASE("A sender field that disagrees with the profile is refused by name, equal spellings pass", "[app][offices]") {
    const auto& sheet = *templates()->find("admission-info");
    auto same = app::withSenderFields(
        json(R"({"sender_office_name": "居宅介護支援事業所　はるにれの丘", "sender_phone": "(0166)00-5678",
                 "sender_fax": "０１６６ー００ー５６７９", "sender_office_no": "0170000999", "sender_cm_name": "春野恵子"})"),
        sheet, harunire(), "fields.");
    REQUIRE(same.isOk());
    CHECK(same.value()->getValue<std::string>("sender_fax") == "0166-00-5679");

    auto forged = app::withSenderFields(
        json(R"({"sender_office_name": "居宅介護支援センター ななかまど", "sender_office_no": "0170000888",
                 "sender_address": "北海道旭川市永山", "sender_phone": "0166-00-7720", "sender_fax": "0166-00-7721",
                 "sender_cm_name": "白石 直美"})"),
        sheet, harunire(), "documents[2].fields.");
    REQUIRE(forged.status().code() == common::Status::Code::InvalidArgument);
    CHECK(problems(forged.status()) == std::vector<std::string>{
                                          "documents[2].fields.sender_office_name:sender_mismatch",
                                          "documents[2].fields.sender_office_no:sender_mismatch",
                                          "documents[2].fields.sender_address:sender_mismatch",
                                          "documents[2].fields.sender_phone:sender_mismatch",
                                          "documents[2].fields.sender_fax:sender_mismatch",
                                          "documents[2].fields.sender_cm_name:unknown_care_manager"});
    // The registered value is in the message, so the care worker sees what will be printed.
    CHECK(forged.status().fieldErrors().front().message.find("はるにれの丘") != std::string::npos);
}

TEST_CASE("The care manager: one of the office's, the only one filled in, any name when none are listed", "[app][offices]") {
    const auto& sheet = *templates()->find("physician-contact");
    offices::Office one = harunire();
    one.careManagers = {"春野 恵子"};
    auto filled = app::withSenderFields(json("{}"), sheet, one, "fields.");
    REQUIRE(filled.isOk());
    CHECK(filled.value()->getValue<std::string>("sender_cm_name") == "春野 恵子");

    auto several = app::withSenderFields(json("{}"), sheet, harunire(), "fields.");
    REQUIRE(several.isOk());
    CHECK_FALSE(several.value()->has("sender_cm_name"));  // the validator asks which one

    offices::Office open = harunire();
    open.careManagers.clear();
    auto any = app::withSenderFields(json(R"({"sender_cm_name": "臨時 代理"})"), sheet, open, "fields.");
    REQUIRE(any.isOk());
    CHECK(any.value()->getValue<std::string>("sender_cm_name") == "臨時 代理");
}

TEST_CASE("A value the office has not registered cannot be supplied, a wrong type is left to the validator", "[app][offices]") {
    offices::Office noNumber = harunire();
    noNumber.officeNumber.clear();
    auto refused = app::withSenderFields(json(R"({"sender_office_no": "0170000888", "sender_fax": 166})"),
                                         *templates()->find("admission-info"), noNumber, "fields.");
    REQUIRE_FALSE(refused.isOk());
    CHECK(problems(refused.status()) == std::vector<std::string>{"fields.sender_office_no:sender_not_registered"});
}

TEST_CASE("A job body's documents are each signed, malformed shapes are left for the request parser", "[app][offices]") {
    auto body = app::withSenderBlock(json(R"({"documents": [{"sheet": "welfare-equipment", "fields": {}},
                                                             {"sheet": "no-such-sheet", "fields": {}}, 7,
                                                             {"sheet": "fax-cover"}]})"),
                                     *templates(), harunire());
    REQUIRE(body.isOk());
    auto docs = body.value()->getArray("documents");
    REQUIRE(docs->size() == 4);
    CHECK(docs->getObject(0)->getObject("fields")->getValue<std::string>("sender_phone") == "0166-00-5678");
    CHECK(docs->getObject(1)->getObject("fields")->size() == 0);
    CHECK(docs->get(2).toString() == "7");
    // The caller's body is not changed.
    Object::Ptr original = json(R"({"sheet": "welfare-equipment", "fields": {}})");
    REQUIRE(app::withSenderBlock(original, *templates(), harunire()).isOk());
    CHECK(original->getObject("fields")->size() == 0);
}
