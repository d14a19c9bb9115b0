// Issue 18, steps 3-4: faxes received back are matched to the jobs they
// answer. Real jobs are rendered by the server; their stored PDFs are faxed
// through a simulated line (tests/support/fax_degrade), written as the
// gateway writes them into <data>/spool/fax/inbound/, and the server must
// attach every page to the right job and page, never to a wrong one, and put
// what it cannot read in the inbox.
#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "e2e_support.h"
#include "inbound/code_reader.h"
#include "inbound/pdf_pages.h"
#include "reply/reply_ref.h"
#include "fax_degrade.h"

using namespace e2e;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

namespace ts = testing_support;

std::string fieldsOf(const std::string& sheet) {
    auto s = Poco::JSON::Parser().parse(sample(sheet)).extract<Object::Ptr>();
    std::ostringstream out;
    s->getObject("fields")->stringify(out);
    return out.str();
}

// A print job of admission-info (document 1: 2 pages) and physician-contact
// (document 2: 1 page with a reply half). Returns {id, replyRef}.
std::pair<std::string, std::string> submitJob(const TestServer& server) {
    const std::string body = R"({"delivery":{"channel":"print"},"allow_duplicate":true,)"
                             R"("documents":[{"sheet":"admission-info","fields":)" + fieldsOf("admission-info") +
                             R"(},{"sheet":"physician-contact","fields":)" + fieldsOf("physician-contact") + R"(}]})";
    Response r = server.post("/api/v1/jobs", body);
    REQUIRE(r.status == 201);
    return {r.json()->getValue<std::string>("id"), r.json()->getValue<std::string>("replyRef")};
}

// What a sent page is: the job, and document and page within it.
struct Sent {
    std::string job;
    int document = 0;
    int page = 0;
    bool operator<(const Sent& o) const { return std::tie(job, document, page) < std::tie(o.job, o.document, o.page); }
    bool operator==(const Sent& o) const { return job == o.job && document == o.document && page == o.page; }
};
const std::vector<std::pair<int, int>> kStoredPages = {{1, 1}, {1, 2}, {2, 1}};  // document, page

std::string inboundDir(const TestServer& server) { return server.dataDir() + "/spool/fax/inbound"; }

// As the gateway does it: control file first, then the fax, each through tmp/ and renamed.
void deliver(const TestServer& server, const std::string& name, const std::string& bytes,
             const std::string& controlJson = "") {
    const std::string dir = inboundDir(server);
    const std::string stem = name.substr(0, name.rfind('.'));
    if (!controlJson.empty()) {
        ts::writeFile(dir + "/tmp/" + stem + ".json", controlJson);
        REQUIRE(std::rename((dir + "/tmp/" + stem + ".json").c_str(), (dir + "/" + stem + ".json").c_str()) == 0);
    }
    ts::writeFile(dir + "/tmp/" + name, bytes);
    REQUIRE(std::rename((dir + "/tmp/" + name).c_str(), (dir + "/" + name).c_str()) == 0);
}

bool exists(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    const bool found = f != nullptr;
    if (found) std::fclose(f);
    return found;
}

// Waits until the file left inbound/ for done/ or failed/; returns which.
std::string waitHandled(const TestServer& server, const std::string& name) {
    const std::string dir = inboundDir(server);
    for (int i = 0; i < 600; ++i) {
        if (!exists(dir + "/" + name)) {
            if (exists(dir + "/done/" + name)) return "done";
            if (exists(dir + "/failed/" + name)) return "failed";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "still there";
}

// The reply_received events of a job.
std::vector<Object::Ptr> replyEvents(const TestServer& server, const std::string& id) {
    Response r = server.get("/api/v1/jobs/" + id + "/events");
    REQUIRE(r.status == 200);
    std::vector<Object::Ptr> out;
    auto events = r.json()->getArray("events");
    for (size_t i = 0; i < events->size(); ++i) {
        auto e = events->getObject(static_cast<unsigned>(i));
        if (e->getValue<std::string>("kind") == "reply_received") out.push_back(e->getObject("detail"));
    }
    return out;
}

// The job's stored PDF at 400 dpi, one bitmap per page.
std::vector<inbound::Bitmap> storedPages(const TestServer& server, const std::string& id) {
    Response r = server.get("/api/v1/jobs/" + id + "/document?format=pdf");
    REQUIRE(r.status == 200);
    auto pages = inbound::rasterizePdf(r.body, 400, 400, inbound::RasterLimits());
    REQUIRE(pages);
    REQUIRE(pages->size() == kStoredPages.size());
    return pages.value();
}

// The page's left strip, where its code is, painted white.
inbound::Bitmap withoutCode(inbound::Bitmap page) {
    const int right = static_cast<int>(28 / 25.4 * page.xDpi);
    for (int y = 0; y < page.height; ++y)
        for (int x = 0; x < right && x < page.width; ++x) page.pixels[static_cast<size_t>(y) * page.width + x] = 255;
    return page;
}

// The reply half of a page with one: the rows from just above its code
// (found as the lowest cut from which the code is still read) to the bottom.
inbound::Bitmap replyHalf(const inbound::Bitmap& page) {
    const double heightMm = page.height / page.yDpi * 25.4;
    auto halfFrom = [&](double from) {
        auto codes = inbound::readCodes(ts::cutRows(page, from, heightMm));
        return codes.size() == 1 && codes[0].part == reply::CodePart::ReplyHalf;
    };
    // Upwards in 10 mm steps to the first cut that holds the code, then down again in 2 mm steps.
    for (double from = heightMm - 30; from > 20; from -= 10) {
        if (!halfFrom(from)) continue;
        double lowest = from;
        for (double lower = from + 2; lower < from + 10 && halfFrom(lower); lower += 2) lowest = lower;
        return ts::cutRows(page, lowest - 3, heightMm);
    }
    FAIL("no reply half found");
    return page;
}

// A line kinder than the decode-rate tests' (tests/unit/inbound): the jobs'
// references are random here, so the codes differ from run to run, and this
// test is about where the pages go, not about how much damage a code takes.
ts::FaxLine line(double yDpi) {
    ts::FaxLine l;
    l.yDpi = yDpi;
    l.maxSkewDeg = 1;
    l.speckle = 0.0005;
    l.maxDroppedLines = 1;
    l.maxStretch = 0.01;
    return l;
}

}  // namespace

TEST_CASE("Issue 18: received faxes are split by page and attached to the jobs and pages they answer, "
          "and what has no readable code goes to the inbox and is assigned by its typed reference",
          "[e2e][inbound]") {
    TestServer server;
    // Not a structured binding: the lambdas below capture these (C++17 does not let them capture a binding).
    const auto submittedA = submitJob(server);
    const std::string idA = submittedA.first, refA = submittedA.second;
    const std::string idB = submitJob(server).first;
    const std::vector<inbound::Bitmap> a = storedPages(server, idA), b = storedPages(server, idB);
    auto sentA = [&](size_t i) { return Sent{idA, kStoredPages[i].first, kStoredPages[i].second}; };
    auto sentB = [&](size_t i) { return Sent{idB, kStoredPages[i].first, kStoredPages[i].second}; };

    // Each received file: its pages, and what each page answers (job "" for none).
    struct Fax {
        std::string name;
        std::string bytes;
        std::vector<Sent> expected;
    };
    std::vector<Fax> faxes;
    unsigned seed = 18;
    auto fax = [&](const inbound::Bitmap& page, double yDpi) { return ts::faxPage(page, line(yDpi), seed++); };
    {  // G3, pages of both jobs shuffled (fine resolution: the server's references are random, and the
       // standard-resolution rates are the unit decode tests' to prove with fixed ones)
        std::vector<inbound::Bitmap> pages = {fax(b[1], 196), fax(a[0], 196), fax(a[2], 196), fax(b[0], 196)};
        faxes.push_back({"std-g3.tif", ts::writeFaxTiff(pages, ts::TiffCompression::G3),
                         {sentB(1), sentA(0), sentA(2), sentB(0)}});
    }
    {  // fine, G4
        std::vector<inbound::Bitmap> pages = {fax(a[1], 196), fax(b[2], 196), fax(b[1], 196)};
        faxes.push_back({"fine-g4.tif", ts::writeFaxTiff(pages, ts::TiffCompression::G4),
                         {sentA(1), sentB(2), sentB(1)}});
    }
    {  // fine, PDF; its second page has its code blanked out
        std::vector<inbound::Bitmap> pages = {fax(b[2], 196), fax(withoutCode(a[1]), 196), fax(a[0], 196)};
        faxes.push_back({"fine.pdf", ts::writeFaxPdf(pages), {sentB(2), Sent{}, sentA(0)}});
    }
    {  // the reply half of A's physician-contact sheet, cut off and faxed alone
        std::vector<inbound::Bitmap> pages = {fax(replyHalf(a[2]), 196)};
        faxes.push_back({"half.tif", ts::writeFaxTiff(pages, ts::TiffCompression::G3), {sentA(2)}});
    }
    const std::string metricsBefore = server.get("/metrics").body;
    for (Fax& f : faxes) {
        if (f.name != "half.tif") {
            deliver(server, f.name, f.bytes, R"({"sender":"0166-00-1235","receivedAt":"2025-11-21T10:02:13+09:00"})");
            continue;
        }
        // The gateway simulator plays this one into inbound/ under a name of its own.
        ts::TempDir played;
        ts::writeFile(played.file("half.tif"), f.bytes);
        auto sim = ts::run({RENKEI_FAX_SIM, "--spool", server.dataDir() + "/spool/fax", "--receive",
                            played.file("half.tif"), "--sender", "0166-00-1235", "--received-at",
                            "2025-11-21T10:02:13+09:00"});
        REQUIRE(sim.exitCode == 0);
        f.name = sim.output.substr(0, sim.output.find('\n'));
        CHECK(f.name.size() > 4);
        CHECK(f.name.compare(f.name.size() - 4, 4, ".tif") == 0);
    }
    deliver(server, "garbage.tif", std::string("II*\0", 4) + std::string(5000, '\x7f'));
    for (const Fax& f : faxes) CHECK(waitHandled(server, f.name) == "done");
    CHECK(waitHandled(server, "garbage.tif") == "failed");
    CHECK(exists(inboundDir(server) + "/done/std-g3.json"));

    // /metrics counts the files, the pages matched and put in the inbox, and the file that failed.
    ts::TempDir scrape;
    const std::string metricsAfter = server.get("/metrics").body;
    promtoolAccepts(metricsAfter, scrape);
    auto delta = [&](const std::string& series) {
        return sampleValue(metricsAfter, series) - sampleValue(metricsBefore, series);
    };
    CHECK(delta("renkei_inbound_files_total") == 5);
    CHECK(delta("renkei_inbound_files_failed_total") == 1);
    CHECK(delta("renkei_inbound_pages_total{result=\"matched\"}") == 10);
    CHECK(delta("renkei_inbound_pages_total{result=\"inbox\"}") == 1);
    CHECK(delta("renkei_inbound_file_duration_seconds_count") == 5);

    // Every page that carries a code is attached to its job, at its page, and no page to another job.
    std::map<std::pair<std::string, int>, Sent> got;  // (file, page) -> what it was attached as
    for (const std::string& id : {idA, idB}) {
        for (const Object::Ptr& d : replyEvents(server, id)) {
            CHECK(d->getValue<std::string>("sender") == "0166001235");
            CHECK(d->getValue<std::string>("receivedAt") == "2025-11-21T10:02:13+09:00");
            auto pages = d->getArray("pages");
            for (size_t i = 0; i < pages->size(); ++i) {
                auto p = pages->getObject(static_cast<unsigned>(i));
                auto key = std::make_pair(d->getValue<std::string>("file"), p->getValue<int>("page"));
                CHECK(got.count(key) == 0);
                got[key] = Sent{id, p->getValue<int>("document"), p->getValue<int>("sentPage")};
            }
        }
    }
    int pages = 0;
    for (const Fax& f : faxes) {
        for (size_t i = 0; i < f.expected.size(); ++i) {
            INFO(f.name << " page " << i + 1);
            auto it = got.find({f.name, static_cast<int>(i) + 1});
            if (f.expected[i].job.empty()) {
                CHECK(it == got.end());
                continue;
            }
            ++pages;
            REQUIRE(it != got.end());
            CHECK(it->second == f.expected[i]);
        }
    }
    CHECK(got.size() == static_cast<size_t>(pages));

    // The job's view lists its replies, one per file that answered it, each a PDF of its pages.
    auto viewA = server.get("/api/v1/jobs/" + idA).json();
    auto replies = viewA->getArray("replies");
    REQUIRE(replies->size() == 4);  // std-g3, fine-g4, fine.pdf, half
    CHECK(viewA->getObject("evidence")->getArray("replies")->size() == 4);  // the evidence reads them as events
    for (size_t i = 0; i < replies->size(); ++i) {
        auto r = replies->getObject(static_cast<unsigned>(i));
        Response doc = server.get(r->getValue<std::string>("document"));
        REQUIRE(doc.status == 200);
        auto read = inbound::rasterizePdf(doc.body, 204, 196, inbound::RasterLimits());
        REQUIRE(read);
        CHECK(read->size() == r->getArray("pages")->size());
    }
    CHECK(server.get("/api/v1/jobs/" + idA + "/replies/999").status == 404);
    CHECK(server.get("/api/v1/jobs/" + idB + "/replies/" +
                     std::to_string(replies->getObject(0)->getValue<long long>("id")))
              .status == 404);  // A's reply is not B's

    // The inbox: the blanked page and the garbage file, each with its reason.
    Response inbox = server.get("/api/v1/inbox");
    REQUIRE(inbox.status == 200);
    auto entries = inbox.json()->getArray("entries");
    REQUIRE(entries->size() == 2);
    std::map<std::string, Object::Ptr> byFile;
    for (size_t i = 0; i < entries->size(); ++i) {
        auto e = entries->getObject(static_cast<unsigned>(i));
        byFile[e->getValue<std::string>("file")] = e;
    }
    REQUIRE(byFile.count("fine.pdf"));
    REQUIRE(byFile.count("garbage.tif"));
    CHECK(byFile["fine.pdf"]->getValue<std::string>("reason") == "no_code");
    CHECK(byFile["fine.pdf"]->getValue<int>("filePage") == 2);
    CHECK(byFile["garbage.tif"]->getValue<std::string>("reason") == "unreadable_file");
    CHECK(byFile["garbage.tif"]->getValue<std::string>("format") == "original");
    const std::string blank = std::to_string(byFile["fine.pdf"]->getValue<long long>("id"));
    const std::string garbage = std::to_string(byFile["garbage.tif"]->getValue<long long>("id"));
    Response page = server.get("/api/v1/inbox/" + blank + "/document");
    REQUIRE(page.status == 200);
    CHECK(page.body.compare(0, 5, "%PDF-") == 0);
    CHECK(server.get("/api/v1/inbox/" + garbage + "/document").body.size() == 5004);
    CHECK(server.get("/api/v1/inbox/99999/document").status == 404);
    CHECK(server.get("/api/v1/inbox/abc/document").status == 404);

    // Assigning: a mistyped reference is refused, the right one attaches the page to A.
    std::string typo = refA;
    typo[0] = typo[0] == '7' ? '8' : '7';
    Response bad = server.post("/api/v1/inbox/" + blank + "/assign", R"({"reference":")" + typo + R"("})");
    CHECK(bad.status == 422);
    CHECK(server.post("/api/v1/inbox/" + blank + "/assign", R"({"ref":"x"})").status == 422);
    CHECK(server.post("/api/v1/inbox/" + garbage + "/assign", R"({"reference":")" + refA + R"("})").status == 422);
    std::string typed = refA;  // as a person types it: lower case, no hyphens
    typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
    for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Response ok = server.post("/api/v1/inbox/" + blank + "/assign", R"({"reference":")" + typed + R"("})");
    REQUIRE(ok.status == 200);
    CHECK(server.get("/api/v1/jobs/" + idA).json()->getArray("replies")->size() == 5);
    CHECK(server.get("/api/v1/jobs/" + idB).json()->getArray("replies")->size() == 3);
    auto assigned = replyEvents(server, idA).back();
    CHECK(assigned->getValue<std::string>("file") == "fine.pdf");
    CHECK(assigned->getValue<long long>("inboxId") == std::stoll(blank));
    CHECK(server.get("/api/v1/inbox").json()->getArray("entries")->size() == 1);
    CHECK(server.post("/api/v1/inbox/" + blank + "/assign", R"({"reference":")" + refA + R"("})").status == 404);
}

TEST_CASE("Issue 18: a received fax handled before a restart is not attached again, nor a re-delivered copy",
          "[e2e][inbound]") {
    ts::TempDir data;
    auto sameData = [&](config::Settings& s) { s.dataDir = data.file("data"); };
    std::string id, bytes;
    {
        TestServer server(sameData);
        id = submitJob(server).first;
        const auto pages = storedPages(server, id);
        bytes = ts::writeFaxTiff({ts::faxPage(pages[0], line(196), 7), ts::faxPage(pages[2], line(196), 8)},
                                 ts::TiffCompression::G4);
        deliver(server, "once.tif", bytes);
        REQUIRE(waitHandled(server, "once.tif") == "done");
        REQUIRE(replyEvents(server, id).size() == 1);
    }
    TestServer server(sameData);
    // As after a crash between the store's commit and the move: the file is back in inbound/.
    deliver(server, "once.tif", bytes);
    deliver(server, "copy.tif", bytes);
    CHECK(waitHandled(server, "once.tif") == "done");
    CHECK(waitHandled(server, "copy.tif") == "done");
    CHECK(replyEvents(server, id).size() == 1);
    CHECK(server.get("/api/v1/jobs/" + id).json()->getArray("replies")->size() == 1);
    CHECK(server.get("/api/v1/inbox").json()->getArray("entries")->size() == 0);
}
