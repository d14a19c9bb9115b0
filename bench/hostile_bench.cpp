// renkei-bench hostile: the same fixed corpus of hostile requests sent to a
// running server pass after pass over C keep-alive connections, with the
// server's resident memory after each pass (issue 21). Memory the server keeps
// after the first passes is memory it does not give back: RSS after the last
// pass should be within a few MiB of pass 2. Loopback only.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/String.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "config/settings.h"
#include "form/sheet_template.h"
#include "hostile_raw.h"
#include "modes.h"
#include "payload_generator.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
using Poco::JSON::Object;

// What a request does wrong. The corpus draws kinds by these weights (per
// mille of the requests, roughly).
enum class Kind {
    HugeString,     // a field value of 1 KB to 5 MB, past the body limit for the larger ones
    TruncatedJson,  // a body cut off mid-way, or never JSON at all
    DeepNesting,    // arrays or objects nested 5,000 deep
    InvalidUtf8,    // bytes that are not UTF-8 in values, keys, the sheet id or the query
    WrongTypes,     // valid JSON, members of the wrong type
    BadQuery,       // month=9999-12, limit=abc, from=xx, broken percent-escapes
    UnknownRoute,   // paths the router does not know, unknown job ids
    WrongMethod,    // PUT, PATCH, FOO on known paths, with and without a body
    RandomPdf,      // attachments of random bytes in base64, some with a %PDF header
    ChunkedBody,    // a large body sent chunked, without a Content-Length
    LargeHeaders,   // too many or too large header fields, an overlong URI
    ValidJob,       // a print job that is accepted, or a preview that renders
    RouteAttack,    // any route of the server's route table, with one attack of kRouteAttacks
};
const std::vector<std::pair<Kind, int>> kKindWeights = {
    {Kind::HugeString, 70},  {Kind::TruncatedJson, 150}, {Kind::DeepNesting, 30}, {Kind::InvalidUtf8, 90},
    {Kind::WrongTypes, 120}, {Kind::BadQuery, 130},      {Kind::UnknownRoute, 90}, {Kind::WrongMethod, 70},
    {Kind::RandomPdf, 90},   {Kind::ChunkedBody, 20},    {Kind::LargeHeaders, 50}, {Kind::ValidJob, 20},
    {Kind::RouteAttack, 400},
};
const char* kindName(Kind kind) {
    switch (kind) {
    case Kind::HugeString: return "huge_string";
    case Kind::TruncatedJson: return "truncated_json";
    case Kind::DeepNesting: return "deep_nesting";
    case Kind::InvalidUtf8: return "invalid_utf8";
    case Kind::WrongTypes: return "wrong_types";
    case Kind::BadQuery: return "bad_query";
    case Kind::UnknownRoute: return "unknown_route";
    case Kind::WrongMethod: return "wrong_method";
    case Kind::RandomPdf: return "random_pdf";
    case Kind::ChunkedBody: return "chunked_body";
    case Kind::LargeHeaders: return "large_headers";
    case Kind::ValidJob: return "valid_job";
    case Kind::RouteAttack: return "route_attack";
    }
    return "?";
}

enum class Auth { Given, Wrong, Missing };  // Given: --token, or no header when there is none

// One request of the corpus. Its bytes are made from these when it is sent
// (a pass holds hundreds of megabytes of bodies), and always the same bytes.
struct Spec {
    Kind kind;
    Auth auth;
    std::uint64_t seed;
    std::size_t route = 0;  // RouteAttack: the route, round-robin over the table so each gets its share
};

// One route of the server: from its OpenAPI description (so a new route is
// covered without a change here), plus those served beside the router.
struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/jobs/{id}"
    std::string path;     // the pattern with real ids: a job and a draft made at the start
    std::string label() const { return method + " " + pattern; }
};

// The bytes of one request.
struct Wire {
    std::string method = "GET";
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string contentType = "application/json";
    std::string body;
    bool hasBody = false;
    bool chunked = false;
    std::string route;  // RouteAttack: the route's label, for the coverage table
};

// What every request is made from: valid fields of one sheet, from the
// payload generator (so valid jobs are valid and hostile ones differ from a
// valid one in one place).
struct Fixtures {
    std::string sheet;
    std::vector<Object::Ptr> fields;
    std::vector<std::string> fieldsJson;
    std::vector<std::string> keys;  // the members of fields[0]
    std::string token;
    std::vector<Route> routes;
    std::size_t maxBodyBytes = SIZE_MAX;  // --max-body-kb: caps the large bodies (a quick run under the sanitizers)
};

std::uint64_t splitMix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Random {
public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}
    // A whole number in [0, n).
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
    long long between(long long lo, long long hi) { return lo + static_cast<long long>(below(hi - lo + 1)); }
    template <typename T>
    const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
    std::string bytes(std::size_t n) {
        std::string out(n, '\0');
        for (std::size_t i = 0; i < n; i += 8) {
            std::uint64_t word = engine_();
            for (std::size_t j = i; j < n && j < i + 8; ++j, word >>= 8) out[j] = static_cast<char>(word & 0xff);
        }
        return out;
    }

private:
    std::mt19937_64 engine_;
};

std::string base64(const std::string& bytes) {
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    }
    return out;
}

// Text of about n bytes, Japanese and ASCII, as the inside of a JSON string.
std::string longText(std::size_t n) {
    static const std::string kUnit = "入院時情報連携シート abc 0166-00-1234 ";
    std::string out;
    out.reserve(n + kUnit.size());
    while (out.size() < n) out += kUnit;
    return out;
}

std::string stringify(const Object& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(object, out);
    return out.str();
}

// The fields with one member's value replaced by raw text, which need not be
// JSON: Poco's stringifier would escape what this is meant to send as is.
std::string fieldsWith(const Object::Ptr& fields, const std::string& key, const std::string& raw) {
    static const std::string kMarker = "@@renkei-bench-hostile@@";
    Object copy(*fields);
    copy.set(key, kMarker);
    std::string text = stringify(copy);
    const std::size_t at = text.find('"' + kMarker + '"');
    return text.replace(at, kMarker.size() + 2, raw);
}

std::string jobBody(const std::string& sheet, const std::string& fieldsJson, const std::string& extra = "") {
    return "{\"sheet\":\"" + sheet + "\",\"fields\":" + fieldsJson + ",\"delivery\":{\"channel\":\"print\"}" + extra +
           "}";
}

void post(Wire& w, const std::string& path, std::string body) {
    w.method = "POST";
    w.path = path;
    w.body = std::move(body);
    w.hasBody = true;
}

// Body sizes from 1 KB to 5 MB; the body limit is 1 MiB by default, so a
// quarter of these get 413 (the server reads them to the end first).
std::size_t hugeSize(Random& r) {
    static const std::vector<std::size_t> kSizes = {1 << 10,   10 << 10,  100 << 10, 100 << 10,
                                                    500 << 10, 900 << 10, 2 << 20,   5 << 20};
    return r.pick(kSizes);
}

// What a RouteAttack does to its route (one in turn). Every route gets each:
// a route without a body is sent one anyway, and a query no route knows.
enum class RouteAttack {
    MalformedJson, DeepNesting, HugeNumbers, BadUtf8Body, BadUtf8Path, NulBody, NulPath, TraversalPath,
    TraversalQuery, HeaderFlood, JunkQuery, WrongContentType, EmptyBody
};
constexpr int kRouteAttacks = 13;

// The route's path with its last path parameter replaced by raw (already
// percent-encoded as it is to be sent); the path itself when it has none.
std::string withParam(const Route& route, const std::string& raw) {
    const std::size_t open = route.pattern.rfind('{');
    if (open == std::string::npos) return route.path + "/" + raw;
    const std::size_t close = route.pattern.find('}', open);
    const std::string tail = route.pattern.substr(close + 1);
    const std::string head = route.path.substr(0, route.path.size() - tail.size());
    return head.substr(0, head.rfind('/') + 1) + raw + tail;
}

void routeAttack(Wire& w, const Spec& spec, Random& r, const Fixtures& f, const Object::Ptr& fields,
                 const std::string& key) {
    const Route& route = f.routes[spec.route % f.routes.size()];
    w.route = route.label();
    w.method = route.method;
    w.path = route.path;
    auto body = [&](std::string text) {
        w.body = std::move(text);
        w.hasBody = true;
    };
    // Which attack: the route's turn, so each route meets every attack in a long run.
    const auto attack = static_cast<RouteAttack>((spec.route / f.routes.size() + r.below(3)) % kRouteAttacks);
    switch (attack) {
    case RouteAttack::MalformedJson: {
        static const std::vector<std::string> kBodies = {
            "{", "}{", "[1,]", "{\"a\" 1}", "{\"sheet\":\"x\",}", "\xff{}", "{\"a\":tru}", "nul", "{\"a\":\"\\u12\"}",
            "{\"a\":\"unterminated", "{'a':1}", "{\"a\":01}", "{\"a\":.5}", "{\"a\":+1}", "\"\\x\""};
        body(r.pick(kBodies));
        break;
    }
    case RouteAttack::DeepNesting: {
        const std::size_t depth = r.below(2) == 0 ? 100000 : 20000;
        if (r.below(2) == 0) {
            body(std::string(depth, '[') + std::string(depth, ']'));
        } else {
            std::string nested;
            for (std::size_t i = 0; i < depth / 5; ++i) nested += "{\"a\":";
            body(nested + "0" + std::string(depth / 5, '}'));
        }
        break;
    }
    case RouteAttack::HugeNumbers: {
        static const std::vector<std::string> kNumbers = {
            "1e999999", "-1e999999", "1e-999999", std::string(5000, '9'), "-" + std::string(400, '9'),
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.7976931348623157e309",
            "4.9e-325", "0." + std::string(3000, '0') + "1", "123456789012345678901234567890e-20"};
        const std::string n = r.pick(kNumbers);
        body("{\"sheet\":" + n + ",\"fields\":" + fieldsWith(fields, key, n) + ",\"limit\":" + n +
             ",\"revision\":" + n + ",\"from_job\":" + n + ",\"delivery\":{\"channel\":\"print\",\"copies\":" + n +
             "}}");
        break;
    }
    case RouteAttack::BadUtf8Body: {
        static const std::vector<std::string> kBad = {"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",  // overlong '/'
                                                      "\xc1\xbf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
                                                      "\xe3\x81", "\\ud800", "\\udc00\\ud800x"};
        const std::string bad = r.pick(kBad);
        body("{\"sheet\":\"" + f.sheet + bad + "\",\"fields\":" + fieldsWith(fields, key, "\"雪" + bad + "\"") + ",\"" +
             bad + "\":1,\"name\":\"" + bad + "\",\"from_job\":\"" + bad + "\"}");
        break;
    }
    case RouteAttack::BadUtf8Path:
        w.path = withParam(route, r.below(2) == 0 ? "%C0%AF%C0%AF" : "%ED%A0%80%FF%FE") +
                 "?q=%E0%80%AF&month=%F0%80%80%AF";
        break;
    case RouteAttack::NulBody:
        body("{\"sheet\":\"" + f.sheet + "\\u0000\",\"fields\":" +
             fieldsWith(fields, key, "\"a" + std::string(1, '\0') + "b\\u0000c\"") + ",\"x\\u0000\":\"" +
             std::string(1, '\0') + "\"}");
        break;
    case RouteAttack::NulPath: w.path = withParam(route, "%00") + "?limit=%00&q=a%00b&month=2025-11%00"; break;
    case RouteAttack::TraversalPath: {
        static const std::vector<std::string> kTraversal = {
            "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5c..%5cwindows", "%2e%2e",
            "....%2f%2f....%2f%2fetc", "%252e%252e%252f", "..%c0%af..%c0%afetc", ".%00."};
        w.path = withParam(route, r.pick(kTraversal));
        if (r.below(3) == 0) w.path = route.path + "/../../../../etc/passwd";
        break;
    }
    case RouteAttack::TraversalQuery:
        w.path = route.path + "?q=../../../etc/passwd&file=%2e%2e%2f%2e%2e%2fetc%2fshadow&month=../2025-11&"
                              "from=..%2f..%2f&sheet=../" + f.sheet + "&format=../../pdf";
        break;
    case RouteAttack::HeaderFlood:
        for (int i = 0; i < 60; ++i) w.headers.emplace_back("X-Flood-" + std::to_string(i), std::string(200, 'h'));
        w.headers.emplace_back("Cookie", "renkei_session=" + std::string(6000, 's'));
        break;
    case RouteAttack::JunkQuery:
        w.path = route.path + "?limit=-99999999999999999999&from=%ff%fe&to=9999-99-99T99:99:99Z&month=99999-99&state=" +
                 std::string(2000, 'q') + "&format=pdf&format=xlsx&=&&&%&a=%zz";
        break;
    case RouteAttack::WrongContentType:
        body(jobBody(f.sheet, stringify(*fields)));
        w.contentType = r.pick(std::vector<std::string>{"text/plain", "multipart/form-data; boundary=x",
                                                        "application/json; charset=utf-16", "application/xml", ""});
        break;
    case RouteAttack::EmptyBody: body(""); break;
    }
}

Wire makeWire(const Spec& spec, const Fixtures& f) {
    Random r(spec.seed);
    Wire w;
    const std::size_t which = r.below(f.fields.size());
    const Object::Ptr& fields = f.fields[which];
    const std::string& fieldsJson = f.fieldsJson[which];
    const std::string& key = r.pick(f.keys);
    const std::string jobs = "/api/v1/jobs";
    const std::string render = "/api/v1/sheets/" + f.sheet + "/render?format=" + (r.below(4) == 0 ? "xlsx" : "pdf");
    switch (spec.kind) {
    case Kind::HugeString: {
        const std::string value = '"' + longText(std::min(hugeSize(r), f.maxBodyBytes)) + '"';
        if (r.below(3) == 0)
            post(w, render, "{\"fields\":" + fieldsWith(fields, key, value) + "}");
        else
            post(w, jobs, jobBody(f.sheet, fieldsWith(fields, key, value)));
        break;
    }
    case Kind::TruncatedJson: {
        if (r.below(2) == 0) {
            const std::size_t n = std::min<std::size_t>(r.below(8) == 0 ? hugeSize(r) : r.below(100 << 10), f.maxBodyBytes);
            std::string body = jobBody(f.sheet, fieldsWith(fields, key, '"' + longText(n) + '"'));
            body.resize(r.below(body.size()));
            post(w, r.below(4) == 0 ? render : jobs, std::move(body));
        } else {
            post(w, jobs, "{\"bad json" + std::string(r.below(100 << 10), 'x'));
        }
        break;
    }
    case Kind::DeepNesting: {
        const std::size_t depth = 5000;
        std::string nested;
        switch (r.below(4)) {
        case 0: nested = std::string(depth, '[') + std::string(depth, ']'); break;
        case 1:
            for (std::size_t i = 0; i < depth; ++i) nested += "{\"a\":";
            nested += "1" + std::string(depth, '}');
            break;
        case 2: nested = std::string(depth, '['); break;  // never closed
        default: nested = std::string(depth, '[') + "\"x\"," + std::string(depth, '{'); break;  // mismatched
        }
        if (r.below(2) == 0)
            post(w, jobs, "{\"a\":" + nested + "}");
        else
            post(w, jobs, jobBody(f.sheet, fieldsWith(fields, key, nested)));
        break;
    }
    case Kind::InvalidUtf8: {
        static const std::vector<std::string> kBad = {
            "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xe3\x81", "\xf4\x90\x80\x80", "\x80\x80\x80",
            "\\ud800", "\\udfff\\ud800", "\xef\xbf\xbe", "\xf8\x88\x80\x80\x80"};
        const std::string bad = "雪原" + r.pick(kBad) + "正夫";
        switch (r.below(5)) {
        case 0:
        case 1: post(w, jobs, jobBody(f.sheet, fieldsWith(fields, key, '"' + bad + '"'))); break;
        case 2: post(w, jobs, jobBody(bad, fieldsJson)); break;
        case 3: {
            std::string text = stringify(*fields);
            text.insert(1, "\"" + bad + "\":\"x\",");
            post(w, render, "{\"fields\":" + text + "}");
            break;
        }
        default:
            w.path = r.below(2) == 0 ? "/api/v1/jobs?state=%FF%FE&limit=1" : "/api/v1/evidence?month=%C0%AF%ED%A0%80";
            break;
        }
        break;
    }
    case Kind::WrongTypes: {
        static const std::vector<std::string> kValues = {
            "null", "12345", "-0", "1e999", "true", "[]", "{}", "\"\"", "[\"a\",1,null]", "{\"$ref\":\"x\"}",
            "\"" + std::string(300, ' ') + "\"", "123456789012345678901234567890"};
        switch (r.below(6)) {
        case 0:
        case 1: post(w, jobs, jobBody(f.sheet, fieldsWith(fields, key, r.pick(kValues)))); break;
        case 2: post(w, render, "{\"fields\":" + fieldsWith(fields, key, r.pick(kValues)) + "}"); break;
        case 3: {
            static const std::vector<std::string> kDelivery = {
                "\"print\"", "{\"channel\":\"fax\",\"number\":\"abc\"}", "{\"channel\":\"fax\",\"partner\":\"nobody\"}",
                "{\"channel\":\"mail\"}", "{\"channel\":null}", "[]", "{\"channel\":\"print\",\"x\":1}"};
            post(w, jobs, "{\"sheet\":\"" + f.sheet + "\",\"fields\":" + fieldsJson + ",\"delivery\":" +
                              r.pick(kDelivery) + "}");
            break;
        }
        case 4: {
            static const std::vector<std::string> kExtra = {
                ",\"attachments\":\"x\"", ",\"attachments\":[1,2]", ",\"documents\":5", ",\"allow_duplicate\":\"yes\"",
                ",\"documents\":[{\"sheet\":\"fax-cover\"}]", ",\"unknown\":{}", ",\"sheet\":1"};
            post(w, jobs, jobBody(f.sheet, fieldsJson, r.pick(kExtra)));
            break;
        }
        default: {
            static const std::vector<std::string> kBodies = {"[]", "null", "1", "\"job\"", "{}", "{\"fields\":[]}"};
            post(w, r.below(2) == 0 ? jobs : render, r.pick(kBodies));
            break;
        }
        }
        break;
    }
    case Kind::BadQuery: {
        static const std::vector<std::string> kPaths = {
            "/api/v1/evidence?month=9999-12", "/api/v1/evidence?month=abc", "/api/v1/evidence?month=2024-13",
            "/api/v1/evidence?month=", "/api/v1/evidence?month=0000-00", "/api/v1/evidence?month=2025-11&format=xml",
            "/api/v1/evidence", "/api/v1/jobs?limit=abc", "/api/v1/jobs?limit=-1", "/api/v1/jobs?limit=0",
            "/api/v1/jobs?limit=99999999999999999999", "/api/v1/jobs?from=xx", "/api/v1/jobs?from=2024-02-30",
            "/api/v1/jobs?to=9999-99-99T99:99", "/api/v1/jobs?state=bogus", "/api/v1/jobs?limit=abc&from=xx",
            "/api/v1/jobs?limit=%zz", "/api/v1/evidence?month=%", "/api/v1/audit?limit=abc", "/api/v1/audit?from=1e9",
            "/api/v1/jobs?limit=1&limit=2&limit=abc", "/api/v1/partners?q=%00"};
        if (r.below(5) == 0) {
            post(w, "/api/v1/sheets/" + f.sheet + "/render?format=" + (r.below(2) == 0 ? "docx" : "%FF"),
                 "{\"fields\":" + fieldsJson + "}");
        } else {
            w.path = r.pick(kPaths);
        }
        break;
    }
    case Kind::UnknownRoute: {
        const std::string id = base64(r.bytes(12));
        const std::vector<std::string> paths = {
            "/api/v1/nope", "/api/v2/jobs", "/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/document",
            "/api/v1/jobs/" + id + "/events", "/api/v1/jobs/../../etc/passwd", "/api/v1/sheets/no-such-sheet",
            "/favicon.ico", "/", "/api/v1/jobs/" + std::string(4000, 'a'), "/api/v1/jobs/%00", "/api//v1///jobs",
            "/API/V1/JOBS", "/api/v1/jobs/" + id + "/" + id};
        if (r.below(4) == 0) {
            post(w, r.below(2) == 0 ? "/api/v1/sheets/no-such-sheet/render" : "/api/v1/jobs/" + id + "/receipt",
                 "{\"fields\":" + fieldsJson + "}");
        } else {
            w.path = r.pick(paths);
        }
        break;
    }
    case Kind::WrongMethod: {
        const std::vector<std::pair<std::string, std::string>> calls = {
            {"PUT", "/api/v1/jobs"},  {"PATCH", "/api/v1/jobs/x"},  {"DELETE", "/api/v1/sheets"},
            {"POST", "/healthz"},     {"OPTIONS", "/api/v1/jobs"},  {"TRACE", "/"},
            {"FOO", "/api/v1/jobs"},  {"GET", "/api/v1/sheets/" + f.sheet + "/render"},
            {"HEAD", "/api/v1/jobs"}, {"DELETE", "/api/v1/jobs"},   {"POST", "/api/v1/evidence"}};
        const auto& call = r.pick(calls);
        w.method = call.first;
        w.path = call.second;
        if (call.first != "HEAD" && r.below(2) == 0) {
            w.body = jobBody(f.sheet, fieldsWith(fields, key, '"' + longText(r.below(100 << 10)) + '"'));
            w.hasBody = true;
        }
        break;
    }
    case Kind::RandomPdf: {
        const int count = r.below(6) == 0 ? 6 : 1 + static_cast<int>(r.below(2));  // six is past the limit of five
        std::string list;
        for (int i = 0; i < count; ++i) {
            const long long largest = r.below(4) == 0 ? 700 << 10 : 200 << 10;  // base64 of 700 KB is near the limit
            std::string bytes = r.bytes(std::min(static_cast<std::size_t>(r.between(10, largest)), f.maxBodyBytes / 2));
            if (r.below(2) == 0) bytes.replace(0, std::min<std::size_t>(9, bytes.size()), "%PDF-1.7\n");
            std::string encoded = base64(bytes);
            if (r.below(8) == 0) encoded.insert(encoded.size() / 2, "!*\\u0000 ");
            list += std::string(i ? "," : "") + "{\"name\":\"scan" + std::to_string(i) + ".pdf\",\"contentBase64\":\"" +
                    encoded + "\"}";
        }
        post(w, jobs, jobBody(f.sheet, fieldsJson, ",\"attachments\":[" + list + "]"));
        break;
    }
    case Kind::ChunkedBody: {
        post(w, r.below(3) == 0 ? render : jobs,
             jobBody(f.sheet, fieldsWith(fields, key, '"' + longText(std::min(static_cast<std::size_t>(r.between(100 << 10, 3 << 20)), f.maxBodyBytes)) + '"')));
        w.chunked = true;
        break;
    }
    case Kind::LargeHeaders: {
        switch (r.below(5)) {
        case 0:  // more fields than limits.maxHeaderCount (64)
            for (int i = 0; i < 80; ++i) w.headers.emplace_back("X-Pad-" + std::to_string(i), "x");
            break;
        case 1:  // more bytes than limits.maxHeaderBytes (16 KiB)
            for (int i = 0; i < 5; ++i) w.headers.emplace_back("X-Pad-" + std::to_string(i), std::string(4000, 'h'));
            break;
        case 2:  // more than Poco's own limit of 100 fields
            for (int i = 0; i < 150; ++i) w.headers.emplace_back("X-Pad-" + std::to_string(i), "x");
            break;
        case 3:  // one value past Poco's 8 KiB
            w.headers.emplace_back("Cookie", "s=" + std::string(12000, 'c'));
            break;
        default:  // a URI past Poco's 16 KiB
            w.path = "/api/v1/jobs?state=" + std::string(20000, 'q');
            break;
        }
        if (w.path.empty()) {
            if (r.below(2) == 0)
                post(w, jobs, jobBody(f.sheet, fieldsJson, ",\"allow_duplicate\":true"));
            else
                w.path = jobs;
        }
        break;
    }
    case Kind::RouteAttack: routeAttack(w, spec, r, f, fields, key); break;
    case Kind::ValidJob: {
        if (r.below(4) == 0)
            post(w, "/api/v1/sheets/" + f.sheet + "/render?format=pdf", "{\"fields\":" + fieldsJson + "}");
        else
            post(w, jobs, jobBody(f.sheet, fieldsJson, ",\"allow_duplicate\":true"));
        break;
    }
    }
    switch (spec.auth) {
    case Auth::Given:
        if (!f.token.empty()) w.headers.emplace_back("Authorization", "Bearer " + f.token);
        break;
    case Auth::Wrong: {
        const std::vector<std::string> wrong = {"Bearer wrong" + std::to_string(r.below(10)),
                                                "Bearer " + base64(r.bytes(150)),
                                                "Basic dXNlcjpwYXNz",
                                                "Bearer ",
                                                "bearer " + base64(r.bytes(32)),
                                                "Bearer " + f.token + "x"};
        w.headers.emplace_back("Authorization", r.pick(wrong));
        break;
    }
    case Auth::Missing: break;
    }
    if (spec.kind != Kind::ValidJob && r.below(20) == 0)
        w.contentType = r.below(2) == 0 ? "text/plain" : "application/json; charset=shift_jis";
    return w;
}

// The corpus: `count` requests drawn from the kinds by weight, with a wrong
// or missing token on about one in seven. The same seed gives the same corpus.
std::vector<Spec> makeCorpus(std::uint64_t seed, long long count) {
    Random r(splitMix(seed));
    int total = 0;
    for (const auto& [kind, weight] : kKindWeights) total += weight;
    std::vector<Spec> corpus;
    corpus.reserve(static_cast<std::size_t>(count));
    std::size_t routeTurn = 0;
    for (long long i = 0; i < count; ++i) {
        long long draw = static_cast<long long>(r.below(static_cast<std::size_t>(total)));
        Kind kind = kKindWeights.back().first;
        for (const auto& [k, weight] : kKindWeights) {
            if (draw < weight) {
                kind = k;
                break;
            }
            draw -= weight;
        }
        const std::size_t a = r.below(100);
        Auth auth = kind == Kind::ValidJob || a >= 15 ? Auth::Given : a < 10 ? Auth::Wrong : Auth::Missing;
        corpus.push_back({kind, auth, splitMix(seed ^ splitMix(static_cast<std::uint64_t>(i))),
                          kind == Kind::RouteAttack ? routeTurn++ : 0});
    }
    return corpus;
}

// Status codes by request kind; 0: no response (the server closed the
// connection, or a timeout).
using StatusesByKind = std::map<std::string, std::map<int, long long>>;

struct PassResult {
    StatusesByKind statuses;
    StatusesByKind byRoute;  // RouteAttack requests by route label
    long long sent = 0;
    std::string firstError;
};

void runConnection(const Poco::URI& uri, const std::vector<Spec>& corpus, const Fixtures& fixtures,
                   std::atomic<std::size_t>& next, int timeoutMs, Clock::time_point deadline, PassResult& out) {
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
    std::string prefix = uri.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    for (std::size_t index; Clock::now() < deadline && (index = next.fetch_add(1)) < corpus.size();) {
        const Spec& spec = corpus[index];
        int status = 0;
        std::string route;
        try {
            Wire w = makeWire(spec, fixtures);
            route = w.route;
            Poco::Net::HTTPRequest request(w.method, prefix + w.path, Poco::Net::HTTPMessage::HTTP_1_1);
            request.setKeepAlive(true);
            for (const auto& [name, value] : w.headers) request.add(name, value);
            if (w.hasBody) {
                request.setContentType(w.contentType);
                if (w.chunked)
                    request.setChunkedTransferEncoding(true);
                else
                    request.setContentLength(static_cast<std::streamsize>(w.body.size()));
            }
            std::ostream& body = session.sendRequest(request);
            constexpr std::size_t kPiece = 64 << 10;  // several chunks when chunked
            for (std::size_t at = 0; at < w.body.size() && body; at += kPiece)
                body.write(w.body.data() + at, static_cast<std::streamsize>(std::min(kPiece, w.body.size() - at)));
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            Poco::NullOutputStream discard;
            Poco::StreamCopier::copyStream(in, discard);
            status = static_cast<int>(response.getStatus());
        } catch (const std::exception& e) {
            // Expected: the server closes the connection after a 413, a 431 or
            // a request it cannot parse, often while this side is still sending.
            // It also answers some requests without reading their body and
            // keeps the connection, then reads that body as the next request
            // (400) and closes: the next request here finds it closed.
            if (out.firstError.empty()) {
                const auto* poco = dynamic_cast<const Poco::Exception*>(&e);
                out.firstError = std::string(kindName(spec.kind)) + ": " + (poco ? poco->displayText() : e.what());
            }
            session.reset();
        }
        ++out.statuses[kindName(spec.kind)][status];
        if (!route.empty()) ++out.byRoute[route][status];
        ++out.sent;
    }
}

common::Result<Fixtures> makeFixtures(const Options& options, std::uint64_t seed) {
    Fixtures f;
    f.sheet = options.get("sheet", "admission-info");
    const std::string templatesDir = options.get("templates", config::Settings().templatesDir);
    auto sheet = form::loadTemplate(templatesDir + "/" + f.sheet + "/template.json");
    if (!sheet) return sheet.status();
    auto sample = loadSampleFields(templatesDir, f.sheet);
    if (!sample) return sample.status();
    PayloadGenerator generator(sheet.value(), sample.value());
    for (int i = 0; i < 8; ++i) {
        auto fields = generator.generate(seed, i);
        if (!fields) return fields.status();
        f.fields.push_back(fields.value());
        f.fieldsJson.push_back(stringify(*fields.value()));
    }
    for (const auto& [key, value] : *f.fields.front()) f.keys.push_back(key);
    if (f.keys.empty()) return common::Status::invalidArgument("the generated fields of " + f.sheet + " are empty");
    return f;
}

// One plain request, for the set-up and the checks around the run: its
// status (0 when it failed) and its body.
std::pair<int, std::string> plainRequest(const Poco::URI& uri, const std::string& method, const std::string& path,
                                         const std::string& body, const std::string& token, int timeoutMs) {
    try {
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!token.empty()) request.set("Authorization", "Bearer " + token);
        if (!body.empty() || method == "POST") {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string text;
        Poco::StreamCopier::copyToString(in, text);
        return {static_cast<int>(response.getStatus()), text};
    } catch (const Poco::Exception&) {
        return {0, ""};
    }
}

std::string idIn(const std::string& json) {
    try {
        auto object = Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
        return object->optValue<std::string>("id", "");
    } catch (const Poco::Exception&) {
        return "";
    }
}

// The route table: every path and method of the server's OpenAPI document
// (made from its router), plus those served beside the router (server.cpp:
// the browser session, the static web files). Path parameters get real
// values: the sheet of --sheet, and a job and a draft made here.
common::Status discoverRoutes(const Poco::URI& uri, const std::string& prefix, Fixtures& f, int timeoutMs) {
    auto [status, text] = plainRequest(uri, "GET", prefix + "/api/v1/openapi.json", "", f.token, timeoutMs);
    if (status != 200) return common::Status::unavailable("GET /api/v1/openapi.json answered " + std::to_string(status));
    std::vector<std::pair<std::string, std::string>> table;
    try {
        auto paths = Poco::JSON::Parser().parse(text).extract<Object::Ptr>()->getObject("paths");
        if (!paths) return common::Status::invalidArgument("the OpenAPI document has no paths");
        for (const auto& [pattern, item] : *paths) {
            for (const auto& [method, operation] : *item.extract<Object::Ptr>())
                table.emplace_back(Poco::toUpper(method), pattern);
        }
    } catch (const Poco::Exception& e) {
        return common::Status::invalidArgument("the OpenAPI document: " + e.displayText());
    }
    for (const char* method : {"GET", "POST", "DELETE"}) table.emplace_back(method, "/api/v1/session");
    table.emplace_back("GET", "/");
    table.emplace_back("GET", "/index.html");

    std::string jobId = idIn(plainRequest(uri, "POST", prefix + "/api/v1/jobs",
                                          jobBody(f.sheet, f.fieldsJson.front(), ",\"allow_duplicate\":true"), f.token,
                                          timeoutMs).second);
    std::string draftId =
        jobId.empty() ? "" : idIn(plainRequest(uri, "POST", prefix + "/api/v1/drafts", "{\"from_job\":\"" + jobId + "\"}",
                                               f.token, timeoutMs).second);
    if (jobId.empty()) jobId = std::string(32, '0');
    if (draftId.empty()) draftId = std::string(32, '0');
    for (const auto& [method, pattern] : table) {
        std::string path = pattern;
        for (std::size_t open; (open = path.find('{')) != std::string::npos;) {
            const std::size_t close = path.find('}', open);
            const std::string name = path.substr(open + 1, close - open - 1);
            const std::string before = path.substr(0, open);
            std::string value = std::string(32, '0');
            if (name == "sheet") value = f.sheet;
            else if (before.size() >= 6 && before.compare(before.size() - 6, 6, "/jobs/") == 0) value = jobId;
            else if (before.size() >= 8 && before.compare(before.size() - 8, 8, "/drafts/") == 0) value = draftId;
            path.replace(open, close - open + 1, value);
        }
        f.routes.push_back({method, pattern, prefix + path});
    }
    return common::Status::ok();
}

// A server this run starts (--server): the built binary on a free port with
// a scratch data folder, stopped at the end, so its exit status (the
// sanitizers' reports, a leak) is part of the verdict.
class OwnServer {
public:
    OwnServer() = default;
    OwnServer(const OwnServer&) = delete;
    OwnServer& operator=(const OwnServer&) = delete;
    ~OwnServer() {
        if (pid_ > 0 && !exited()) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (!dataDir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(dataDir_, ignored);
        }
    }

    common::Status start(const std::string& binary, const std::string& config, int waitMs) {
        {
            Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
            port_ = probe.address().port();
        }
        std::string pattern = (std::filesystem::temp_directory_path() / "renkei-hostile-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) return common::Status::ioError("mkdtemp failed");
        dataDir_ = pattern;
        std::vector<std::string> args = {binary, "--port", std::to_string(port_), "--data", dataDir_};
        if (!config.empty()) args.insert(args.begin() + 1, {"--config", config});
        logPath_ = dataDir_ + "/server.log";
        pid_ = ::fork();
        if (pid_ < 0) return common::Status::ioError("fork failed");
        if (pid_ == 0) {
            // Its log (a line per request) goes to a file; logTail() shows it.
            const int log = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log >= 0) {
                ::dup2(log, 1);
                ::dup2(log, 2);
            }
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(binary.c_str(), argv.data());
            std::_Exit(127);
        }
        const Poco::URI uri("http://127.0.0.1:" + std::to_string(port_) + "/");
        for (int waited = 0; waited < waitMs; waited += 100) {
            if (plainRequest(uri, "GET", "/healthz", "", "", 1000).first == 200) return common::Status::ok();
            if (exited()) return common::Status::unavailable(binary + " exited at start (" + exitText() + ")");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return common::Status::unavailable(binary + " did not answer /healthz in " + std::to_string(waitMs / 1000) + " s");
    }

    // Asks the server to stop (SIGTERM) and waits up to waitMs: true when it
    // exited with status 0.
    bool stop(int waitMs) {
        if (pid_ <= 0) return false;
        if (!exited()) ::kill(pid_, SIGTERM);
        for (int waited = 0; waited < waitMs && !exited(); waited += 100)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (!exited()) return false;
        return WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
    }
    bool exited() {
        if (pid_ > 0 && !done_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) done_ = true;
        return done_;
    }
    std::string exitText() const {
        if (!done_) return "running";
        if (WIFEXITED(status_)) return "exit status " + std::to_string(WEXITSTATUS(status_));
        if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
        return "?";
    }
    int port() const { return port_; }
    int pid() const { return pid_; }

    // The sanitizer reports and errors in the server's log, then its last lines.
    std::string logTail(std::size_t lines) const {
        std::ifstream in(logPath_);
        std::vector<std::string> all;
        std::string reports;
        for (std::string line; std::getline(in, line);) {
            if (line.find("Sanitizer") != std::string::npos || line.find("runtime error") != std::string::npos ||
                line.find(" E renkei") != std::string::npos)
                reports += "    | " + line + "\n";
            all.push_back(std::move(line));
        }
        std::string out = reports;
        for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
            out += "    > " + all[i] + "\n";
        return out;
    }

private:
    int port_ = 0;
    int pid_ = -1;
    int status_ = 0;
    bool done_ = false;
    std::string dataDir_;
    std::string logPath_;
};

std::string mib(long long kb) { return fixed(kb / 1024.0, 1); }

}  // namespace

int runHostile(const Options& options) {
    auto passes = options.integer("passes", 5, 1, 100000);
    auto connections = options.integer("connections", 8, 1, 256);
    auto requests = options.integer("requests", 3000, 1, 10000000);
    auto seed = options.integer("seed", 1, 0, 1LL << 62);
    auto timeoutMs = options.integer("timeout-ms", 30000, 100, 600000);
    auto settleMs = options.integer("settle-ms", 1000, 0, 600000);
    auto targetMb = options.integer("growth-target-mb", 5, 0, 100000);
    auto seconds = options.integer("seconds", 0, 0, 100000000);
    auto minRequests = options.integer("min-requests", 0, 0, 1LL << 40);
    auto rssPct = options.integer("rss-tolerance-pct", 10, 0, 10000);
    auto rawConnections = options.integer("raw-connections", 2, 0, 64);
    auto stallMs = options.integer("stall-timeout-ms", 20000, 100, 600000);
    auto trickleMs = options.integer("trickle-ms", 30000, 100, 3600000);
    auto maxBodyKb = options.integer("max-body-kb", 0, 0, 1 << 30);
    for (const auto* r : {&passes, &connections, &requests, &seed, &timeoutMs, &settleMs, &targetMb, &seconds,
                          &minRequests, &rssPct, &rawConnections, &stallMs, &trickleMs, &maxBodyKb}) {
        if (!*r) {
            std::cerr << "renkei-bench hostile: " << r->status().message() << "\n";
            return 2;
        }
    }
    if (!options.positional.empty()) {
        std::cerr << "renkei-bench hostile: unexpected argument " << options.positional.front() << "\n";
        return 2;
    }
    if (options.has("url") == options.has("server")) {
        std::cerr << "renkei-bench hostile: give --url of a running server, or --server BINARY to start one\n";
        return 2;
    }
    // A write to a connection the server has already closed must be an
    // error to catch, not the end of this process.
    std::signal(SIGPIPE, SIG_IGN);

    OwnServer own;
    std::string url = options.get("url");
    if (options.has("server")) {
        common::Status started = own.start(options.get("server"), options.get("config"), 120000);
        if (!started) {
            std::cerr << "renkei-bench hostile: " << started.message() << "\n";
            return 1;
        }
        url = "http://127.0.0.1:" + std::to_string(own.port()) + "/";
    }
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception& e) {
        std::cerr << "renkei-bench hostile: --url: " << e.displayText() << "\n";
        return 2;
    }
    if (uri.getScheme() != "http" || !isLoopbackHost(uri.getHost())) {
        std::cerr << "renkei-bench hostile: --url must be http:// on this machine (localhost, 127.x.x.x or ::1)\n";
        return 2;
    }
    std::string prefix = uri.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();

    auto fixtures = makeFixtures(options, static_cast<std::uint64_t>(seed.value()));
    if (!fixtures) {
        std::cerr << "renkei-bench hostile: " << fixtures.status().toString() << "\n";
        return 1;
    }
    // A server with access tokens wants a print-capable one for the requests
    // that are not meant to fail authentication.
    fixtures.value().token =
        options.get("token", std::getenv("RENKEI_TOKEN") ? std::getenv("RENKEI_TOKEN") : "");
    if (maxBodyKb.value() > 0) fixtures.value().maxBodyBytes = static_cast<std::size_t>(maxBodyKb.value()) << 10;
    common::Status discovered = discoverRoutes(uri, prefix, fixtures.value(), static_cast<int>(timeoutMs.value()));
    if (!discovered) {
        std::cerr << "renkei-bench hostile: the route table: " << discovered.toString() << "\n";
        return 1;
    }
    const std::vector<Spec> corpus = makeCorpus(static_cast<std::uint64_t>(seed.value()), requests.value());
    std::map<std::string, long long> kinds;
    for (const Spec& s : corpus) ++kinds[kindName(s.kind)];

    auto serverPid = options.integer("server-pid", 0, 0, 1LL << 31);
    int pid = own.pid() > 0 ? own.pid() : serverPid ? static_cast<int>(serverPid.value()) : 0;
    if (pid == 0) pid = findListeningPid(uri.getPort());
    const std::string pidText = std::to_string(pid);
    const long long startKb = pid ? readMemory(pidText).rssKb : 0;

    const int count = static_cast<int>(connections.value());
    const auto start = Clock::now();
    const auto deadline = seconds.value() > 0 ? start + std::chrono::seconds(seconds.value()) : Clock::time_point::max();
    std::cout << "renkei-bench hostile: up to " << passes.value() << " passes of the same " << corpus.size()
              << " hostile requests (seed " << seed.value() << ") to " << uri.toString() << " over " << count
              << " keep-alive connections"
              << (seconds.value() > 0 ? ", for at most " + std::to_string(seconds.value()) + " s" : std::string())
              << "\n  routes            " << fixtures->routes.size()
              << " (the server's OpenAPI table and those beside the router)\n  corpus           ";
    for (const auto& [name, n] : kinds) std::cout << " " << name << " " << n;
    std::cout << "\n";
    if (pid)
        std::cout << "  server pid " << pid << ", RSS before the first pass " << mib(startKb) << " MiB\n";
    else
        std::cout << "  server RSS        unknown (no --server-pid and no local process found on port "
                  << uri.getPort() << ")\n";

    // The raw-socket cases run beside the passes, each case at least once
    // and on until the passes are done.
    RawOptions raw;
    raw.host = uri.getHost();
    raw.port = uri.getPort();
    raw.pathPrefix = prefix;
    raw.token = fixtures->token;
    raw.stallTimeoutMs = static_cast<int>(stallMs.value());
    raw.trickleMs = static_cast<int>(trickleMs.value());
    std::atomic<bool> passesDone{false};
    std::atomic<std::size_t> nextRaw{0};
    std::mutex rawMutex;
    std::vector<RawOutcome> rawOutcomes;  // guarded by rawMutex
    std::vector<std::thread> rawThreads;
    for (long long t = 0; t < rawConnections.value(); ++t) {
        rawThreads.emplace_back([&] {
            for (std::size_t i; (i = nextRaw.fetch_add(1)) < rawCases().size() || !passesDone;) {
                RawOutcome outcome = runRawCase(i, raw);
                std::lock_guard<std::mutex> lock(rawMutex);
                rawOutcomes.push_back(std::move(outcome));
            }
        });
    }

    std::vector<long long> rssKb;
    std::vector<double> passSeconds;
    std::map<int, long long> statuses;
    StatusesByKind byKind, byRoute;
    std::string firstError;
    long long sent = 0;
    for (long long pass = 1; pass <= passes.value() && (pass == 1 || Clock::now() < deadline); ++pass) {
        std::vector<PassResult> results(static_cast<std::size_t>(count));
        std::atomic<std::size_t> next{0};
        auto passStart = Clock::now();
        {
            std::vector<std::thread> threads;
            for (int c = 0; c < count; ++c) {
                threads.emplace_back(runConnection, std::cref(uri), std::cref(corpus), std::cref(fixtures.value()),
                                     std::ref(next), static_cast<int>(timeoutMs.value()),
                                     pass == 1 ? Clock::time_point::max() : deadline, std::ref(results[c]));
            }
            for (auto& t : threads) t.join();
        }
        passSeconds.push_back(std::chrono::duration<double>(Clock::now() - passStart).count());
        // The server may still be finishing requests whose connection this
        // side gave up on; its RSS is read once they are done.
        std::this_thread::sleep_for(std::chrono::milliseconds(settleMs.value()));
        rssKb.push_back(pid ? readMemory(pidText).rssKb : 0);

        std::map<int, long long> passStatuses;
        long long passSent = 0;
        for (const auto& r : results) {
            for (const auto& [kind, codes] : r.statuses) {
                for (const auto& [code, n] : codes) {
                    passStatuses[code] += n;
                    byKind[kind][code] += n;
                }
            }
            for (const auto& [route, codes] : r.byRoute)
                for (const auto& [code, n] : codes) byRoute[route][code] += n;
            passSent += r.sent;
            if (firstError.empty()) firstError = r.firstError;
        }
        sent += passSent;
        long long ok = 0, clientErrors = 0, serverErrors = 0;
        for (const auto& [code, n] : passStatuses) {
            statuses[code] += n;
            if (code >= 200 && code < 300) ok += n;
            if (code >= 400 && code < 500) clientErrors += n;
            if (code >= 500) serverErrors += n;
        }
        std::cout << "  pass " << pass << "  " << passSent << " requests  " << fixed(passSeconds.back(), 1)
                  << " s   RSS " << (pid ? mib(rssKb.back()) + " MiB" : std::string("?")) << "   2xx " << ok
                  << "  4xx " << clientErrors << "  5xx " << serverErrors << "  no answer " << passStatuses[0]
                  << (pass == 1 ? "   (warm-up)" : "") << std::endl;
        if (pid && rssKb.back() == 0) break;  // the server is gone
    }
    passesDone = true;
    for (auto& t : rawThreads) t.join();
    const double runSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(settleMs.value()));
    const long long endKb = pid ? readMemory(pidText).rssKb : 0;

    const bool serverGone = pid && (rssKb.back() == 0 || endKb == 0);
    const bool healthy = plainRequest(uri, "GET", prefix + "/healthz", "", "", 5000).first == 200;
    const long long peakKb = pid && !serverGone ? readMemory(pidText).peakKb : 0;
    // Pass 1 fills the caches and the allocator; growth is counted from pass 2.
    const bool hasGrowth = pid && !serverGone && rssKb.size() >= 3;
    const long long growthKb = hasGrowth ? rssKb.back() - rssKb[1] : 0;
    const long long warmKb = rssKb.front();
    const bool rssChecked = pid && !serverGone && !rssKb.empty();
    const bool rssMet = !rssChecked || endKb * 100 <= warmKb * (100 + rssPct.value());
    long long answered = 0, serverErrors = 0;
    for (const auto& [code, n] : statuses) {
        if (code != 0) answered += n;
        if (code >= 500 && code != 503) serverErrors += n;
    }
    std::vector<std::string> uncovered;
    for (const Route& r : fixtures->routes)
        if (!byRoute.count(r.label())) uncovered.push_back(r.label());

    auto codeName = [](int code) { return code == 0 ? std::string("none") : std::to_string(code); };
    std::cout << "  status codes     ";
    for (const auto& [code, n] : statuses) std::cout << " " << codeName(code) << ": " << n;
    std::cout << "\n  by kind (none: no answer, the connection closed)\n";
    for (const auto& [kind, codes] : byKind) {
        std::cout << "    " << kind << std::string(16 - std::min<std::size_t>(15, kind.size()), ' ');
        for (const auto& [code, n] : codes) std::cout << " " << codeName(code) << ": " << n;
        std::cout << "\n";
    }
    std::cout << "  by route (route_attack)\n";
    for (const auto& [route, codes] : byRoute) {
        std::cout << "    " << route << std::string(40 - std::min<std::size_t>(39, route.size()), ' ');
        for (const auto& [code, n] : codes) std::cout << " " << codeName(code) << ": " << n;
        std::cout << "\n";
    }
    for (const auto& u : uncovered) std::cout << "    " << u << "  NOT REACHED (make the run longer)\n";

    // Raw cases: per case, how often each outcome.
    std::map<std::string, std::map<std::string, long long>> rawTable;
    long long rawFailures = 0, notCutOff = 0;
    std::vector<std::string> rawNotes;
    for (const RawOutcome& o : rawOutcomes) {
        std::string what;
        for (int st : o.statuses) what += (what.empty() ? "" : "+") + std::to_string(st);
        if (o.clientTimedOut) what = "HANG";
        else if (!o.cutOff) what = "not cut off";
        else if (o.closedByServer) what += (what.empty() ? "" : " ") + std::string("closed");
        else what += " open";
        ++rawTable[o.kase][what];
        if (rawFailed(o)) ++rawFailures;
        if (!o.cutOff) ++notCutOff;
        if (!o.note.empty() && rawNotes.size() < 10) rawNotes.push_back(o.kase + ": " + o.note);
    }
    std::cout << "  raw connections (answers in order; closed: the server closed after them)\n";
    for (const auto& [kase, outcomes] : rawTable) {
        std::cout << "    " << kase << std::string(24 - std::min<std::size_t>(23, kase.size()), ' ');
        for (const auto& [what, n] : outcomes) std::cout << " " << what << " ×" << n;
        std::cout << "\n";
    }
    for (const auto& note : rawNotes) std::cout << "    ! " << note << "\n";
    const bool requireDeadline = options.has("require-deadline");

    if (!firstError.empty()) std::cout << "  first error       " << firstError << "\n";
    if (serverGone) std::cout << "  the server (pid " << pid << ") is gone\n";
    std::cout << "  requests          " << sent + static_cast<long long>(rawOutcomes.size()) << " in "
              << fixed(runSeconds, 1) << " s (" << rawOutcomes.size() << " of them raw)";
    if (minRequests.value() > 0) std::cout << "; at least " << minRequests.value() << " asked";
    std::cout << "\n";
    if (hasGrowth) {
        std::cout << "  RSS growth        " << (growthKb >= 0 ? "+" : "") << mib(growthKb)
                  << " MiB from pass 2 to pass " << rssKb.size() << " (peak " << mib(peakKb)
                  << " MiB); target within " << targetMb.value()
                  << " MiB: " << (growthKb <= targetMb.value() * 1024 ? "met" : "NOT met") << "\n";
    }
    if (rssChecked) {
        std::cout << "  RSS at the end    " << mib(endKb) << " MiB, after the warm-up pass " << mib(warmKb)
                  << " MiB: " << fixed((static_cast<double>(endKb) / warmKb - 1) * 100, 1) << " % (within "
                  << rssPct.value() << " %: " << (rssMet ? "met" : "NOT met") << ")\n";
    }
    std::cout << "  /healthz after    " << (healthy ? "answered" : "NO ANSWER") << "\n";
    if (notCutOff > 0) {
        std::cout << "  chunked_never_ends: " << notCutOff << " body(ies) still being read when this side gave up after "
                  << trickleMs.value() / 1000 << " s: the server has no total request deadline"
                  << (requireDeadline ? " (--require-deadline: a failure)" : " (reported; --require-deadline makes it a failure)")
                  << "\n";
    }
    bool serverExitOk = true;
    if (own.pid() > 0) {
        serverExitOk = own.stop(120000);
        std::cout << "  server stopped    " << own.exitText() << (serverExitOk ? "" : "  (expected exit status 0)")
                  << "\n";
    }

    const bool enough = sent + static_cast<long long>(rawOutcomes.size()) >= minRequests.value();
    if (!enough) std::cout << "  too few requests for --min-requests: make --seconds longer\n";
    const bool passed = serverErrors == 0 && !serverGone && answered > 0 && rawFailures == 0 && healthy && rssMet &&
                        enough && uncovered.empty() && serverExitOk && (!requireDeadline || notCutOff == 0);

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "hostile");
    json->set("url", uri.toString());
    json->set("connections", count);
    json->set("passes", static_cast<int>(rssKb.size()));
    json->set("requests_per_pass", static_cast<long long>(corpus.size()));
    json->set("requests", sent);
    json->set("raw_requests", static_cast<long long>(rawOutcomes.size()));
    json->set("routes", static_cast<int>(fixtures->routes.size()));
    json->set("routes_not_reached", static_cast<int>(uncovered.size()));
    json->set("seed", seed.value());
    Poco::JSON::Array::Ptr secondsArray = new Poco::JSON::Array;
    for (double s : passSeconds) secondsArray->add(s);
    json->set("pass_seconds", secondsArray);
    Poco::JSON::Object::Ptr codes = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [code, n] : statuses) codes->set(code == 0 ? std::string("none") : std::to_string(code), n);
    json->set("status", codes);
    json->set("server_errors", serverErrors);
    json->set("raw_failures", rawFailures);
    json->set("not_cut_off", notCutOff);
    json->set("healthy_after", healthy);
    json->set("server_pid", pid);
    json->set("server_rss_kb_start", startKb);
    Poco::JSON::Array::Ptr rss = new Poco::JSON::Array;
    for (long long kb : rssKb) rss->add(kb);
    json->set("server_rss_kb", rss);
    json->set("server_rss_kb_end", endKb);
    json->set("server_peak_rss_kb", peakKb);
    json->set("rss_within_tolerance", rssMet);
    if (hasGrowth) {
        json->set("growth_kb", growthKb);  // last pass minus pass 2
        json->set("growth_target_met", growthKb <= targetMb.value() * 1024);
    } else {
        json->set("growth_kb", Poco::Dynamic::Var());
        json->set("growth_target_met", Poco::Dynamic::Var());
    }
    json->set("passed", passed);
    if (own.pid() > 0 && !passed) std::cout << "  the server's log (sanitizer reports and errors, then the end):\n" << own.logTail(40);
    printJsonLine(json);
    return passed ? 0 : 1;
}

}  // namespace bench
