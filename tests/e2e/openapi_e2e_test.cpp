// Issue 19: the OpenAPI 3.1 description at /api/v1/openapi.json, checked
// against the router of a running server, the templates, and an independent
// validator (scripts/install-deps puts it in .tools/openapi-validator).
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <set>
#include <sstream>

#include "e2e_support.h"
#include "form/template_registry.h"
#include "http/openapi.h"

using namespace e2e;
using Poco::JSON::Object;

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("The OpenAPI document describes every route the router knows and no other", "[e2e][openapi]") {
    TestServer server;
    Response r = server.get("/api/v1/openapi.json");
    REQUIRE(r.status == 200);
    Object::Ptr doc = r.json();
    CHECK(doc->getValue<std::string>("openapi") == "3.1.0");
    Object::Ptr paths = doc->getObject("paths");
    REQUIRE(paths);

    // The document is made from the live router: an operation per route.
    // Each must have its hand-written entry, and each entry a route.
    std::set<std::pair<std::string, std::string>> inDocument;
    for (const auto& [path, item] : *paths)
        for (const auto& [method, op] : *item.extract<Object::Ptr>()) {
            inDocument.insert({method, path});
            INFO(method << " " << path);
            CHECK(op.extract<Object::Ptr>()->getValue<std::string>("summary") != "(undescribed)");
        }
    std::set<std::pair<std::string, std::string>> described;
    for (const auto& [method, pattern] : http::describedRoutes()) {
        described.insert({lower(method), pattern});
        INFO("described but not routed: " << method << " " << pattern);
        CHECK(inDocument.count({lower(method), pattern}) == 1);
    }
    CHECK(described.size() == http::describedRoutes().size());  // no entry twice
    CHECK(inDocument == described);
    for (const auto& [method, path] : inDocument) {
        // And the server really answers there (not 404 or 405), whatever else it says.
        std::string concrete = path;
        for (const auto& [param, value] :
             {std::pair<std::string, std::string>{"{id}", "0123456789abcdef0123456789abcdef"}, {"{sheet}", "admission-info"}})
            if (auto at = concrete.find(param); at != std::string::npos) concrete.replace(at, param.size(), value);
        Response answer = request(server.port(), Poco::toUpper(method), concrete, method == "get" || method == "delete" ? "" : "{}");
        INFO(method << " " << concrete << " -> " << answer.status);
        CHECK(answer.status != 405);
        if (path.find('{') == std::string::npos) CHECK(answer.status != 404);
    }
    // No token is asked for outside /api/.
    CHECK(paths->getObject("/readyz")->getObject("get")->getArray("security")->size() == 0);
    CHECK(paths->getObject("/api/v1/jobs")->getObject("post")->getObject("requestBody"));
}

TEST_CASE("Each sheet's fields are a JSON Schema made from its template", "[e2e][openapi]") {
    TestServer server;
    Object::Ptr schemas = server.get("/api/v1/openapi.json").json()->getObject("components")->getObject("schemas");
    auto templates = form::TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(templates);
    for (const form::SheetTemplate* sheet : templates.value()->all()) {
        INFO(sheet->id);
        Object::Ptr fields = schemas->getObject("Fields." + sheet->id);
        REQUIRE(fields);
        CHECK(fields->getValue<bool>("additionalProperties") == false);
        Object::Ptr properties = fields->getObject("properties");
        std::set<std::string> required;
        if (auto list = fields->getArray("required"))
            for (size_t i = 0; i < list->size(); ++i) required.insert(list->getElement<std::string>(i));
        for (const auto& f : sheet->fields) {
            INFO(f.key);
            if (f.type == form::FieldType::Derived) {
                CHECK_FALSE(properties->has(f.key));  // the server computes it; sending it is refused
                continue;
            }
            REQUIRE(properties->has(f.key));
            CHECK(required.count(f.key) == (f.required ? 1u : 0u));
            Object::Ptr value = properties->getObject(f.key)->getArray("anyOf")->getObject(0);
            if (f.type == form::FieldType::Enum) {
                auto values = value->getArray("enum");
                REQUIRE(values);
                CHECK(values->size() == f.options.size());
                for (size_t i = 0; i < f.options.size(); ++i) CHECK(values->getElement<std::string>(i) == f.options[i].value);
            }
            if (f.type == form::FieldType::Number) CHECK(value->getValue<std::string>("type") == "integer");
            if (f.maxLength > 0 && f.digits == 0 &&
                (f.type == form::FieldType::Text || f.type == form::FieldType::MText))
                CHECK(value->getValue<int>("maxLength") == f.maxLength);
            if (f.type == form::FieldType::Table && f.maxRows > 0) CHECK(value->getValue<int>("maxItems") == f.maxRows);
        }
        // The sample submission names only described fields.
        Object::Ptr sample = Poco::JSON::Parser().parse(e2e::sample(sheet->id)).extract<Object::Ptr>()->getObject("fields");
        for (const auto& [key, value] : *sample) {
            INFO(key);
            CHECK(properties->has(key));
        }
    }
    CHECK(schemas->getObject("JobRequest"));
    CHECK(schemas->getObject("Problem"));
}

TEST_CASE("An independent OpenAPI 3.1 validator accepts the live document", "[e2e][openapi]") {
    const std::string validator = RENKEI_OPENAPI_VALIDATOR;
    INFO("the validator is missing: run scripts/install-deps (" << validator << ")");
    REQUIRE(Poco::File(validator).exists());
    TestServer server;
    testing_support::TempDir dir;
    Response r = server.get("/api/v1/openapi.json");
    REQUIRE(r.status == 200);
    testing_support::writeFile(dir.file("openapi.json"), r.body);
    auto checked = testing_support::run({validator, dir.file("openapi.json")});
    INFO(checked.output);
    CHECK(checked.exitCode == 0);
    CHECK(checked.output.find("\"valid\": true") != std::string::npos);

    // And it is not a validator that accepts anything: a broken copy fails.
    Object::Ptr broken = r.json();
    broken->remove("info");
    std::ostringstream text;
    broken->stringify(text);
    testing_support::writeFile(dir.file("broken.json"), text.str());
    CHECK(testing_support::run({validator, dir.file("broken.json")}).exitCode != 0);
}
