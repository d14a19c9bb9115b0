// Issue 21: no input gets a 500. Every member of every object of a job
// request (and of every sheet's fields, and of a receipt) is replaced in turn
// by null, an array, an object, a boolean, a number and a 10,000-character
// string; each answer is a 4xx whose problem names that member. Query
// parameters out of range are refused the same way.
#include <catch2/catch.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <functional>
#include <sstream>

#include "e2e_support.h"
#include "form/template_registry.h"

using namespace e2e;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string toJson(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
}

Poco::Dynamic::Var parse(const std::string& json) { return Poco::JSON::Parser().parse(json); }

// The values no member of ours takes as they are.
std::vector<std::pair<std::string, Poco::Dynamic::Var>> hostileValues() {
    return {{"null", Poco::Dynamic::Var()},
            {"array", parse("[1,\"a\",null]")},
            {"object", parse("{\"x\":{\"y\":1}}")},
            {"boolean", true},
            {"number", 12345},
            {"long string", std::string(10000, 'a')}};
}

// Every member path below root ("delivery.partner", "documents[0].fields.pt_name").
void memberPaths(const Poco::Dynamic::Var& v, const std::string& path, std::vector<std::string>& out) {
    if (v.type() == typeid(Object::Ptr)) {
        for (const auto& [key, value] : *v.extract<Object::Ptr>()) {
            const std::string child = path.empty() ? key : path + "." + key;
            out.push_back(child);
            memberPaths(value, child, out);
        }
    } else if (v.type() == typeid(Array::Ptr)) {
        Array::Ptr a = v.extract<Array::Ptr>();
        for (size_t i = 0; i < a->size(); ++i) {
            const std::string child = path + "[" + std::to_string(i) + "]";
            out.push_back(child);
            memberPaths(a->get(i), child, out);
        }
    }
}

// A deep copy of root with the member at path replaced by value.
Poco::Dynamic::Var replaced(const Poco::Dynamic::Var& root, const std::string& path, const Poco::Dynamic::Var& value) {
    Poco::Dynamic::Var copy = parse(toJson(root));
    Poco::Dynamic::Var* parent = &copy;
    std::string rest = path;
    std::function<void(Poco::Dynamic::Var&, const std::string&)> put = [&](Poco::Dynamic::Var& node,
                                                                           const std::string& p) {
        size_t cut = p.find_first_of(".[", 1);
        if (p[0] == '[') {
            size_t close = p.find(']');
            size_t index = std::stoul(p.substr(1, close - 1));
            Array::Ptr a = node.extract<Array::Ptr>();
            std::string tail = p.substr(close + 1);
            if (tail.empty()) {
                a->set(index, value);
            } else {
                Poco::Dynamic::Var child = a->get(index);
                put(child, tail[0] == '.' ? tail.substr(1) : tail);
            }
            return;
        }
        std::string key = p.substr(0, cut);
        Object::Ptr o = node.extract<Object::Ptr>();
        if (cut == std::string::npos) {
            o->set(key, value);
            return;
        }
        Poco::Dynamic::Var child = o->get(key);
        put(child, p[cut] == '.' ? p.substr(cut + 1) : p.substr(cut));
    };
    put(*parent, rest);
    return copy;
}

// True when the problem names the member: an error whose field is the member
// or lies within it, or the member within the field.
bool names(const Response& r, const std::string& member) {
    if (r.status < 400 || r.status >= 500) return false;
    Object::Ptr problem;
    try {
        problem = r.json();
    } catch (const std::exception&) {
        return false;
    }
    Array::Ptr errors = problem->getArray("errors");
    if (!errors) return false;
    for (size_t i = 0; i < errors->size(); ++i) {
        const std::string field = errors->getObject(i)->getValue<std::string>("field");
        if (field == member || field.rfind(member + ".", 0) == 0 || field.rfind(member + "[", 0) == 0 ||
            member.rfind(field + ".", 0) == 0 || member.rfind(field + "[", 0) == 0)
            return true;
    }
    return false;
}

// The member at path (a.b[1].c).
Poco::Dynamic::Var member(const Poco::Dynamic::Var& root, const std::string& path) {
    Poco::Dynamic::Var node = root;
    size_t at = 0;
    while (at < path.size()) {
        if (path[at] == '.') ++at;
        if (path[at] == '[') {
            size_t close = path.find(']', at);
            node = node.extract<Array::Ptr>()->get(std::stoul(path.substr(at + 1, close - at - 1)));
            at = close + 1;
        } else {
            size_t end = path.find_first_of(".[", at);
            if (end == std::string::npos) end = path.size();
            node = node.extract<Object::Ptr>()->get(path.substr(at, end - at));
            at = end;
        }
    }
    return node;
}

// Both booleans, or both numbers: the hostile value may be a valid one.
bool sameKind(const Poco::Dynamic::Var& a, const Poco::Dynamic::Var& b) {
    if (a.isBoolean() || b.isBoolean()) return a.isBoolean() && b.isBoolean();
    return a.isNumeric() && b.isNumeric() && !a.isString() && !b.isString();
}

// Sends base with each member replaced by each hostile value. A value of the
// member's own kind (allow_duplicate: true, a count of 12345) is skipped. With
// nullIsEmpty, null may also be taken as "no value" (a sheet's optional
// fields), which can leave another field in error (a note without its
// option), but is never answered with a 5xx.
void everyMemberRefused(const TestServer& server, const std::string& route, const Poco::Dynamic::Var& base,
                        const std::string& skipBelow = "", bool nullIsEmpty = false) {
    std::vector<std::string> paths;
    memberPaths(base, "", paths);
    for (const auto& path : paths) {
        if (!skipBelow.empty() && path.rfind(skipBelow, 0) == 0 && path != skipBelow) continue;
        for (const auto& [what, value] : hostileValues()) {
            if (sameKind(member(base, path), value)) continue;  // a boolean may be true, a number 12345
            const std::string body = toJson(replaced(base, path, value));
            Response r = server.post(route, body);
            INFO(route << " with " << path << " = " << what << ": " << r.status << " " << r.body.substr(0, 400));
            if (nullIsEmpty && value.isEmpty()) {  // then another field may be the one in error
                CHECK(r.status < 500);
                continue;
            }
            CHECK(names(r, path));
        }
    }
}

}  // namespace

TEST_CASE("Each member of a fax job request of the wrong type or size is a 4xx naming it", "[e2e][issue21]") {
    TestServer server([](config::Settings& s) { s.faxHoldSeconds = 600; });
    Response attachment = server.post("/api/v1/sheets/welfare-equipment/render?format=pdf",
                                      toJson(parse(sample("welfare-equipment"))));
    REQUIRE(attachment.status == 200);
    Object::Ptr fields = parse(sample("physician-contact")).extract<Object::Ptr>()->getObject("fields");
    Object::Ptr body = parse(R"({
        "documents": [{"sheet": "physician-contact", "fields": {}}],
        "attachments": [{"name": "care-plan.pdf", "contentBase64": ""}],
        "delivery": {"channel": "fax", "partner": "toko-shirakaba"},
        "cover": {"message": "ご確認をお願いします。", "reply_needed": "yes", "reply_deadline": "2025-12-01",
                  "receipt_call_request": "please_call", "patient_ref": "A-12"},
        "patient_ref": "P-0001", "allow_duplicate": true})").extract<Object::Ptr>();
    body->getArray("documents")->getObject(0)->set("fields", fields);
    body->getArray("attachments")->getObject(0)->set("contentBase64", base64(attachment.body));
    // The request itself is good.
    Response good = server.post("/api/v1/jobs", toJson(body));
    REQUIRE(good.status == 201);
    // Fields are covered member by member below, with every sheet.
    everyMemberRefused(server, "/api/v1/jobs", body, "documents[0].fields");
}

TEST_CASE("Each member of a single-sheet print job of the wrong type is a 4xx naming it", "[e2e][issue21]") {
    TestServer server;
    Object::Ptr body = parse(printJob("welfare-equipment")).extract<Object::Ptr>();
    body->set("patient_ref", "P-0002");
    everyMemberRefused(server, "/api/v1/jobs", body, "fields");
}

TEST_CASE("Each field of every sheet of the wrong type or size is a 4xx naming it", "[e2e][issue21]") {
    TestServer server;
    // Every sheet in templates/ but the fax cover, which the server fills itself.
    auto registry = form::TemplateRegistry::load(testing_support::sourcePath("templates"));
    REQUIRE(registry);
    REQUIRE(registry.value()->all().size() >= 5);
    for (const auto* spec : registry.value()->all()) {
        if (spec == registry.value()->cover()) continue;
        const std::string sheet = spec->id;
        Object::Ptr body = parse(sample(sheet)).extract<Object::Ptr>();
        Object::Ptr only = new Object;
        only->set("fields", body->getObject("fields"));
        everyMemberRefused(server, std::string("/api/v1/sheets/") + sheet + "/render?format=pdf", only, "", true);
    }
}

TEST_CASE("A fax cover whose patient_ref is null is a 422 naming it, not a 500", "[e2e][issue21]") {
    TestServer server;
    Object::Ptr body = parse(printJob("physician-contact")).extract<Object::Ptr>();
    body->set("delivery", parse(R"({"channel":"fax","partner":"toko-shirakaba"})"));
    body->set("cover", parse(R"({"patient_ref":null})"));
    Response r = server.post("/api/v1/jobs", toJson(body));
    CHECK(r.status == 422);
    CHECK(names(r, "cover.patient_ref"));
}

TEST_CASE("Each member of a receipt of the wrong type is a 4xx naming it", "[e2e][issue21]") {
    TestServer server;
    Response job = server.post("/api/v1/jobs", printJob("physician-contact"));
    REQUIRE(job.status == 201);
    const std::string route = "/api/v1/jobs/" + job.json()->getValue<std::string>("id") + "/receipt";
    everyMemberRefused(server, route, parse(R"({"at":"2025-11-20T15:20:00+09:00","person":"北野","method":"phone"})"));
}

TEST_CASE("Query parameters out of range are a 422 naming them", "[e2e][issue21]") {
    TestServer server;
    struct Case {
        std::string query;
        std::string field;
    };
    for (const Case& c : std::vector<Case>{{"/api/v1/evidence?month=9999-12", "month"},
                                           {"/api/v1/evidence?month=0000-01", "month"},
                                           {"/api/v1/evidence?month=2025-13", "month"},
                                           {"/api/v1/evidence?month=" + std::string(10000, '9'), "month"},
                                           {"/api/v1/jobs?from=9999-12-31", "from"},
                                           {"/api/v1/jobs?to=9999-12-31T23:59:59-12:00", "to"},
                                           {"/api/v1/jobs?from=0000-01-01", "from"},
                                           {"/api/v1/jobs?limit=99999999999999999999", "limit"},
                                           {"/api/v1/jobs?limit=-1", "limit"},
                                           {"/api/v1/jobs?offset=1e9", "offset"},
                                           {"/api/v1/jobs?state=" + std::string(10000, 's'), "state"},
                                           {"/api/v1/audit?limit=99999999999999999999", "limit"},
                                           {"/api/v1/audit?from=9999-12-31", "from"}}) {
        Response r = server.get(c.query);
        INFO(c.query.substr(0, 80) << ": " << r.status << " " << r.body.substr(0, 300));
        CHECK(r.status == 422);
        CHECK(names(r, c.field));
    }
    CHECK(server.get("/api/v1/evidence?month=2025-12").status == 200);
    CHECK(server.get("/api/v1/evidence?month=2999-12").status == 200);
}
