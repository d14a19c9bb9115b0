// renkei-bench hostile: the same fixed corpus of hostile requests sent to a
// running server pass after pass over C keep-alive connections, with the
// server's resident memory after each pass (issue 21). Memory the server keeps
// after the first passes is memory it does not give back: RSS after the last
// pass should be within a few MiB of pass 2. Loopback only.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "config/settings.h"
#include "form/sheet_template.h"
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
};
const std::vector<std::pair<Kind, int>> kKindWeights = {
    {Kind::HugeString, 70},  {Kind::TruncatedJson, 150}, {Kind::DeepNesting, 30}, {Kind::InvalidUtf8, 90},
    {Kind::WrongTypes, 120}, {Kind::BadQuery, 130},      {Kind::UnknownRoute, 90}, {Kind::WrongMethod, 70},
    {Kind::RandomPdf, 90},   {Kind::ChunkedBody, 20},    {Kind::LargeHeaders, 50}, {Kind::ValidJob, 20},
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
        const std::string value = '"' + longText(hugeSize(r)) + '"';
        if (r.below(3) == 0)
            post(w, render, "{\"fields\":" + fieldsWith(fields, key, value) + "}");
        else
            post(w, jobs, jobBody(f.sheet, fieldsWith(fields, key, value)));
        break;
    }
    case Kind::TruncatedJson: {
        if (r.below(2) == 0) {
            const std::size_t n = r.below(8) == 0 ? hugeSize(r) : r.below(100 << 10);
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
            std::string bytes = r.bytes(static_cast<std::size_t>(r.between(10, largest)));
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
             jobBody(f.sheet, fieldsWith(fields, key, '"' + longText(r.between(100 << 10, 3 << 20)) + '"')));
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
        corpus.push_back({kind, auth, splitMix(seed ^ splitMix(static_cast<std::uint64_t>(i)))});
    }
    return corpus;
}

// Status codes by request kind; 0: no response (the server closed the
// connection, or a timeout).
using StatusesByKind = std::map<std::string, std::map<int, long long>>;

struct PassResult {
    StatusesByKind statuses;
    std::string firstError;
};

void runConnection(const Poco::URI& uri, const std::vector<Spec>& corpus, const Fixtures& fixtures,
                   std::atomic<std::size_t>& next, int timeoutMs, PassResult& out) {
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
    std::string prefix = uri.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    for (std::size_t index; (index = next.fetch_add(1)) < corpus.size();) {
        const Spec& spec = corpus[index];
        int status = 0;
        try {
            Wire w = makeWire(spec, fixtures);
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

std::string mib(long long kb) { return fixed(kb / 1024.0, 1); }

}  // namespace

int runHostile(const Options& options) {
    if (!options.has("url")) {
        std::cerr << "renkei-bench hostile: --url is required\n";
        return 2;
    }
    auto passes = options.integer("passes", 5, 1, 1000);
    auto connections = options.integer("connections", 8, 1, 256);
    auto requests = options.integer("requests", 3000, 1, 10000000);
    auto seed = options.integer("seed", 1, 0, 1LL << 62);
    auto timeoutMs = options.integer("timeout-ms", 30000, 100, 600000);
    auto settleMs = options.integer("settle-ms", 1000, 0, 600000);
    auto targetMb = options.integer("growth-target-mb", 5, 0, 100000);
    for (const auto* r : {&passes, &connections, &requests, &seed, &timeoutMs, &settleMs, &targetMb}) {
        if (!*r) {
            std::cerr << "renkei-bench hostile: " << r->status().message() << "\n";
            return 2;
        }
    }
    if (!options.positional.empty()) {
        std::cerr << "renkei-bench hostile: unexpected argument " << options.positional.front() << "\n";
        return 2;
    }
    Poco::URI uri;
    try {
        uri = Poco::URI(options.get("url"));
    } catch (const Poco::Exception& e) {
        std::cerr << "renkei-bench hostile: --url: " << e.displayText() << "\n";
        return 2;
    }
    if (uri.getScheme() != "http" || !isLoopbackHost(uri.getHost())) {
        std::cerr << "renkei-bench hostile: --url must be http:// on this machine (localhost, 127.x.x.x or ::1)\n";
        return 2;
    }
    auto fixtures = makeFixtures(options, static_cast<std::uint64_t>(seed.value()));
    if (!fixtures) {
        std::cerr << "renkei-bench hostile: " << fixtures.status().toString() << "\n";
        return 1;
    }
    // A server with access tokens wants a print-capable one for the requests
    // that are not meant to fail authentication.
    fixtures.value().token =
        options.get("token", std::getenv("RENKEI_TOKEN") ? std::getenv("RENKEI_TOKEN") : "");
    const std::vector<Spec> corpus = makeCorpus(static_cast<std::uint64_t>(seed.value()), requests.value());
    std::map<std::string, long long> kinds;
    for (const Spec& s : corpus) ++kinds[kindName(s.kind)];

    // A write to a connection the server has already closed must be an
    // error to catch, not the end of this process.
    std::signal(SIGPIPE, SIG_IGN);

    auto serverPid = options.integer("server-pid", 0, 0, 1LL << 31);
    int pid = serverPid ? static_cast<int>(serverPid.value()) : 0;
    if (pid == 0) pid = findListeningPid(uri.getPort());
    const std::string pidText = std::to_string(pid);
    const long long startKb = pid ? readMemory(pidText).rssKb : 0;

    const int count = static_cast<int>(connections.value());
    std::cout << "renkei-bench hostile: " << passes.value() << " passes of the same " << corpus.size()
              << " hostile requests (seed " << seed.value() << ") to " << uri.toString() << " over " << count
              << " keep-alive connections\n  corpus           ";
    for (const auto& [name, n] : kinds) std::cout << " " << name << " " << n;
    std::cout << "\n";
    if (pid)
        std::cout << "  server pid " << pid << ", RSS before the first pass " << mib(startKb) << " MiB\n";
    else
        std::cout << "  server RSS        unknown (no --server-pid and no local process found on port "
                  << uri.getPort() << ")\n";

    std::vector<long long> rssKb;
    std::vector<double> seconds;
    std::map<int, long long> statuses;
    StatusesByKind byKind;
    std::string firstError;
    for (long long pass = 1; pass <= passes.value(); ++pass) {
        std::vector<PassResult> results(static_cast<std::size_t>(count));
        std::atomic<std::size_t> next{0};
        auto start = Clock::now();
        {
            std::vector<std::thread> threads;
            for (int c = 0; c < count; ++c) {
                threads.emplace_back(runConnection, std::cref(uri), std::cref(corpus), std::cref(fixtures.value()),
                                     std::ref(next), static_cast<int>(timeoutMs.value()), std::ref(results[c]));
            }
            for (auto& t : threads) t.join();
        }
        seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        // The server may still be finishing requests whose connection this
        // side gave up on; its RSS is read once they are done.
        std::this_thread::sleep_for(std::chrono::milliseconds(settleMs.value()));
        rssKb.push_back(pid ? readMemory(pidText).rssKb : 0);

        std::map<int, long long> passStatuses;
        for (const auto& r : results) {
            for (const auto& [kind, codes] : r.statuses) {
                for (const auto& [code, n] : codes) {
                    passStatuses[code] += n;
                    byKind[kind][code] += n;
                }
            }
            if (firstError.empty()) firstError = r.firstError;
        }
        long long ok = 0, clientErrors = 0, serverErrors = 0;
        for (const auto& [code, n] : passStatuses) {
            statuses[code] += n;
            if (code >= 200 && code < 300) ok += n;
            if (code >= 400 && code < 500) clientErrors += n;
            if (code >= 500) serverErrors += n;
        }
        std::cout << "  pass " << pass << "  " << fixed(seconds.back(), 1) << " s   RSS "
                  << (pid ? mib(rssKb.back()) + " MiB" : std::string("?")) << "   2xx " << ok << "  4xx "
                  << clientErrors << "  5xx " << serverErrors << "  no answer " << passStatuses[0] << std::endl;
    }

    const bool serverGone = pid && rssKb.back() == 0;
    const long long peakKb = pid && !serverGone ? readMemory(pidText).peakKb : 0;
    // Pass 1 fills the caches and the allocator; growth is counted from pass 2.
    const bool hasGrowth = pid && !serverGone && rssKb.size() >= 3;
    const long long growthKb = hasGrowth ? rssKb.back() - rssKb[1] : 0;
    long long answered = 0, serverErrors = 0;
    for (const auto& [code, n] : statuses) {
        if (code != 0) answered += n;
        if (code >= 500 && code != 503) serverErrors += n;
    }
    auto codeName = [](int code) { return code == 0 ? std::string("none") : std::to_string(code); };
    std::cout << "  status codes     ";
    for (const auto& [code, n] : statuses) std::cout << " " << codeName(code) << ": " << n;
    std::cout << "\n  by kind (none: no answer, the connection closed)\n";
    for (const auto& [kind, codes] : byKind) {
        std::cout << "    " << kind << std::string(16 - std::min<std::size_t>(15, kind.size()), ' ');
        for (const auto& [code, n] : codes) std::cout << " " << codeName(code) << ": " << n;
        std::cout << "\n";
    }
    if (!firstError.empty()) std::cout << "  first error       " << firstError << "\n";
    if (serverGone) std::cout << "  the server (pid " << pid << ") is gone\n";
    if (hasGrowth) {
        std::cout << "  RSS growth        " << (growthKb >= 0 ? "+" : "") << mib(growthKb)
                  << " MiB from pass 2 to pass " << rssKb.size() << " (peak " << mib(peakKb)
                  << " MiB); target within " << targetMb.value()
                  << " MiB: " << (growthKb <= targetMb.value() * 1024 ? "met" : "NOT met") << "\n";
    }

    Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    json->set("mode", "hostile");
    json->set("url", uri.toString());
    json->set("connections", count);
    json->set("passes", static_cast<int>(rssKb.size()));
    json->set("requests_per_pass", static_cast<long long>(corpus.size()));
    json->set("seed", seed.value());
    Poco::JSON::Array::Ptr passSeconds = new Poco::JSON::Array;
    for (double s : seconds) passSeconds->add(s);
    json->set("pass_seconds", passSeconds);
    Poco::JSON::Object::Ptr codes = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [code, n] : statuses) codes->set(code == 0 ? std::string("none") : std::to_string(code), n);
    json->set("status", codes);
    json->set("server_errors", serverErrors);
    json->set("server_pid", pid);
    json->set("server_rss_kb_start", startKb);
    Poco::JSON::Array::Ptr rss = new Poco::JSON::Array;
    for (long long kb : rssKb) rss->add(kb);
    json->set("server_rss_kb", rss);
    json->set("server_peak_rss_kb", peakKb);
    if (hasGrowth) {
        json->set("growth_kb", growthKb);  // last pass minus pass 2
        json->set("growth_target_met", growthKb <= targetMb.value() * 1024);
    } else {
        json->set("growth_kb", Poco::Dynamic::Var());
        json->set("growth_target_met", Poco::Dynamic::Var());
    }
    printJsonLine(json);
    return serverErrors == 0 && !serverGone && answered > 0 ? 0 : 1;
}

}  // namespace bench
