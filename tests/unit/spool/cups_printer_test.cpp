#include "spool/cups_printer.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/ids.h"
#include "cupsd_fixture.h"
#include "test_support.h"

using common::Status;
using spool::CupsJobPhase;
using spool::CupsJobState;
using spool::CupsPrinter;
using testing_support::CupsdFixture;

namespace {

constexpr const char* kPageText = "Renkei CUPS test";

// A one-page A4 PDF with one line of Helvetica, written by hand so this test
// needs no renderer; the xref offsets are counted, as a strict reader wants.
std::string tinyPdf() {
    std::string stream = std::string("BT /F1 24 Tf 72 760 Td (") + kPageText + ") Tj ET";
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        " /Contents 4 0 R >>",
        "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    std::size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t offset : offsets) {
        std::string number = std::to_string(offset);
        pdf += std::string(10 - number.size(), '0') + number + " 00000 n \n";
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

// Skips where cupsd cannot run at all (WARN "skipped: ...", which ctest
// reports as skipped, not passed); fails when it should have run. The fixture
// never skips when $CI is set: there a machine without cupsd is a failure.
bool cupsdIsUp(const CupsdFixture& cupsd) {
    if (!cupsd.skipReason().empty()) {
        WARN("skipped: " << cupsd.skipReason());
        return false;
    }
    if (!cupsd.failure().empty()) FAIL(cupsd.failure());
    return true;
}

// Polls until CUPS is done with the job or the time is up; returns the last state seen.
common::Result<CupsJobState> waitUntilFinal(const CupsPrinter& printer, int jobId,
                                             std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto state = printer.state(jobId);
        if (!state || state->isFinal() || std::chrono::steady_clock::now() > deadline) return state;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// Polls until the job reaches the phase or the time is up; returns the last state seen.
common::Result<CupsJobState> waitForPhase(const CupsPrinter& printer, int jobId, CupsJobPhase phase) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        auto state = printer.state(jobId);
        if (!state || state->phase == phase || std::chrono::steady_clock::now() > deadline) return state;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace

TEST_CASE("A PDF submitted to the cups-pdf queue completes and comes out of cups-pdf as a PDF", "[cups]") {
    CupsdFixture cupsd;
    if (!cupsdIsUp(cupsd)) return;
    testing_support::TempDir tmp;
    std::string pdfPath = tmp.file("document.pdf");
    testing_support::writeFile(pdfPath, tinyPdf());
    std::string title = common::newJobId();
    CupsPrinter printer(cupsd.queue(), cupsd.server());

    auto jobId = printer.submit(pdfPath, title);
    INFO(jobId.status().toString() << "\n" << cupsd.logs());
    REQUIRE(jobId.isOk());
    CHECK(jobId.value() > 0);

    auto state = waitUntilFinal(printer, jobId.value());
    REQUIRE(state.isOk());
    INFO("phase " << spool::cupsJobPhaseName(state->phase) << ", reason: " << state->reason);
    REQUIRE(state->phase == CupsJobPhase::Completed);

    // cups-pdf names the file after the job title (TitlePref 1 in the fixture).
    std::string printed = cupsd.outputDir() + "/" + title + ".pdf";
    std::string bytes = testing_support::readFile(printed);
    CHECK(bytes.size() > 0);
    CHECK(bytes.rfind("%PDF", 0) == 0);
    CHECK(testing_support::pdfText(printed).find(kPageText) != std::string::npos);
}

TEST_CASE("A job on a disabled queue stays pending, and once cancelled it reads cancelled", "[cups]") {
    CupsdFixture cupsd;
    if (!cupsdIsUp(cupsd)) return;
    testing_support::TempDir tmp;
    std::string pdfPath = tmp.file("document.pdf");
    testing_support::writeFile(pdfPath, tinyPdf());
    CupsPrinter printer(cupsd.queue(), cupsd.server());
    auto disabled = testing_support::run({"/usr/sbin/cupsdisable", "-h", cupsd.server(), cupsd.queue()});
    REQUIRE(disabled.exitCode == 0);

    auto jobId = printer.submit(pdfPath, common::newJobId());
    REQUIRE(jobId.isOk());
    auto pending = printer.state(jobId.value());
    REQUIRE(pending.isOk());
    INFO("reason: " << pending->reason);
    CHECK(pending->phase == CupsJobPhase::Pending);
    CHECK_FALSE(pending->isFinal());
    CHECK(pending->reason.find("queue renkei-test is stopped") != std::string::npos);

    auto cancelled = testing_support::run({"/usr/bin/cancel", "-h", cupsd.server(), std::to_string(jobId.value())});
    REQUIRE(cancelled.exitCode == 0);
    auto state = waitForPhase(printer, jobId.value(), CupsJobPhase::Cancelled);
    REQUIRE(state.isOk());
    CHECK(state->phase == CupsJobPhase::Cancelled);
    CHECK(state->isFinal());
}

TEST_CASE("Submitting to a queue cupsd does not have gives an IOError naming the queue", "[cups]") {
    CupsdFixture cupsd;
    if (!cupsdIsUp(cupsd)) return;
    testing_support::TempDir tmp;
    std::string pdfPath = tmp.file("document.pdf");
    testing_support::writeFile(pdfPath, tinyPdf());
    CupsPrinter printer("no-such-queue", cupsd.server());

    auto jobId = printer.submit(pdfPath, common::newJobId());
    REQUIRE_FALSE(jobId.isOk());
    INFO(jobId.status().toString());
    CHECK(jobId.status().code() == Status::Code::IOError);
    CHECK(jobId.status().message().find("no-such-queue") != std::string::npos);
    CHECK(jobId.status().message().find("client-error-not-found") != std::string::npos);
}

TEST_CASE("The state of a job id cupsd never gave out is NotFound", "[cups]") {
    CupsdFixture cupsd;
    if (!cupsdIsUp(cupsd)) return;
    CupsPrinter printer(cupsd.queue(), cupsd.server());

    auto state = printer.state(987654);
    REQUIRE_FALSE(state.isOk());
    CHECK(state.status().code() == Status::Code::NotFound);
    CHECK(state.status().message().find("987654") != std::string::npos);
}

// The cases below need no cupsd, so they run everywhere.

TEST_CASE("When cupsd cannot be reached, submit and state are Unavailable and name the queue", "[cups]") {
    testing_support::TempDir tmp;
    std::string pdfPath = tmp.file("document.pdf");
    testing_support::writeFile(pdfPath, tinyPdf());
    CupsPrinter printer("ward-3", tmp.file("no-cupsd-here.sock"), 2000);

    auto jobId = printer.submit(pdfPath, common::newJobId());
    REQUIRE_FALSE(jobId.isOk());
    CHECK(jobId.status().code() == Status::Code::Unavailable);
    CHECK(jobId.status().message().find("ward-3") != std::string::npos);

    auto state = printer.state(1);
    REQUIRE_FALSE(state.isOk());
    CHECK(state.status().code() == Status::Code::Unavailable);
}

TEST_CASE("A title that could carry a patient's name is refused before anything is sent", "[cups]") {
    testing_support::TempDir tmp;
    std::string pdfPath = tmp.file("document.pdf");
    testing_support::writeFile(pdfPath, tinyPdf());
    CupsPrinter printer("ward-3", tmp.file("no-cupsd-here.sock"));

    for (const std::string& title : std::vector<std::string>{"", "山田 太郎", "Yamada Taro", "a/b", std::string(65, 'a')}) {
        INFO("title \"" << title << "\"");
        auto jobId = printer.submit(pdfPath, title);
        REQUIRE_FALSE(jobId.isOk());
        CHECK(jobId.status().code() == Status::Code::InvalidArgument);
    }
}

TEST_CASE("A PDF that cannot be read is an IOError naming the path, before cupsd is asked", "[cups]") {
    testing_support::TempDir tmp;
    CupsPrinter printer("ward-3", tmp.file("no-cupsd-here.sock"));

    auto jobId = printer.submit(tmp.file("missing.pdf"), common::newJobId());
    REQUIRE_FALSE(jobId.isOk());
    CHECK(jobId.status().code() == Status::Code::IOError);
    CHECK(jobId.status().message().find("missing.pdf") != std::string::npos);
}

TEST_CASE("A server address with a bad port is an InvalidArgument, not a connection attempt", "[cups]") {
    for (const std::string server : {"printhost:notaport", "printhost:0", "printhost:70000", "[::1", "[::1]x"}) {
        INFO("server " << server);
        auto state = CupsPrinter("ward-3", server).state(1);
        REQUIRE_FALSE(state.isOk());
        CHECK(state.status().code() == Status::Code::InvalidArgument);
    }
}

TEST_CASE("Each CUPS job phase has a lowercase name, and only completed, cancelled and aborted are final",
          "[cups]") {
    struct Row {
        CupsJobPhase phase;
        const char* name;
        bool final;
    };
    for (const Row& row : {Row{CupsJobPhase::Pending, "pending", false}, Row{CupsJobPhase::Processing, "processing", false},
                           Row{CupsJobPhase::Completed, "completed", true}, Row{CupsJobPhase::Stopped, "stopped", false},
                           Row{CupsJobPhase::Cancelled, "cancelled", true}, Row{CupsJobPhase::Aborted, "aborted", true}}) {
        CHECK(spool::cupsJobPhaseName(row.phase) == row.name);
        CHECK(CupsJobState{row.phase, ""}.isFinal() == row.final);
    }
}
