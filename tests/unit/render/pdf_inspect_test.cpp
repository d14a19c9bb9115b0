// Issue 21: no attachment can crash the server. The hostile PDFs are built
// here (tests/support/pdf_builder.h); each must be refused with a stable code
// instead of reaching PoDoFo's crashes, and readable PDFs must still pass.
#include <catch2/catch.hpp>

#include "pdf_builder.h"
#include "render/pdf_inspect.h"

using Catch::Matchers::Contains;
using testing_support::onePage;
using testing_support::PdfBuilder;
using testing_support::simplePdf;

namespace {

const std::vector<testing_support::HostilePdf>& hostile() {
    static const auto all = testing_support::hostilePdfs();
    return all;
}

std::string repeat(const std::string& s, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += s;
    return out;
}

// The refusal's code, or "accepted".
std::string codeOf(const common::Result<int>& r) {
    if (r) return "accepted";
    REQUIRE(r.status().fieldErrors().size() == 1);
    return r.status().fieldErrors()[0].code;
}

}  // namespace

TEST_CASE("Issue 21: each hostile PDF is refused with its code and a Japanese message naming it", "[render][pdf]") {
    for (const auto& pdf : hostile()) {
        DYNAMIC_SECTION(pdf.name) {
            auto r = render::inspectAttachment(pdf.name, pdf.bytes, 60);
            REQUIRE_FALSE(r);
            CHECK(r.status().code() == common::Status::Code::InvalidArgument);
            CHECK_THAT(r.status().message(), Contains(pdf.name));
            REQUIRE(r.status().fieldErrors().size() == 1);
            const common::FieldError& e = r.status().fieldErrors()[0];
            CHECK(e.field.empty());
            CHECK(e.code == pdf.code);
            CHECK_THAT(e.message, Contains("「" + pdf.name + "」"));
        }
    }
}

TEST_CASE("Issue 21: pdfPageCount and appendPdfs return an error for hostile PDFs instead of crashing", "[render][pdf]") {
    for (const auto& pdf : hostile()) {
        DYNAMIC_SECTION(pdf.name) {
            // The service's own files have no page, size or inflate limit.
            const bool ownFileLimitsAllowIt = pdf.code == "too_many_pages" || pdf.name == "inflating-object-stream.pdf";
            CHECK(static_cast<bool>(render::pdfPageCount(pdf.bytes)) == ownFileLimitsAllowIt);
            auto joined = render::appendPdfs(simplePdf(1), {simplePdf(1), pdf.bytes});
            if (pdf.code == "too_many_pages") {
                CHECK(joined);
            } else {
                REQUIRE_FALSE(joined);
                CHECK_THAT(joined.status().message(), Contains("attachment 2 cannot be appended"));
            }
        }
    }
}

TEST_CASE("A readable PDF is accepted and its pages are appended in order", "[render][pdf]") {
    CHECK(render::inspectAttachment("care-plan.pdf", simplePdf(2), 60).value() == 2);
    CHECK(render::pdfPageCount(simplePdf(3)).value() == 3);
    auto joined = render::appendPdfs(simplePdf(1), {simplePdf(2), simplePdf(3)});
    REQUIRE(joined);
    CHECK(render::pdfPageCount(joined.value()).value() == 6);
}

TEST_CASE("A PDF 1.5 file with an object stream and an xref stream is still read", "[render][pdf]") {
    PdfBuilder b;
    b.reserve();  // 1, catalog, packed
    b.reserve();  // 2, page tree, packed
    b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 5 0 R>>");
    auto packed = testing_support::objectStream(
        {{1, "<</Type/Catalog/Pages 2 0 R>>"}, {2, "<</Type/Pages/Kids[3 0 R]/Count 1/Deep[[[[1]]]]>>"}});
    b.addStream(packed.dictEntries + "/Filter/FlateDecode", testing_support::flate(packed.data));  // 4
    // PoDoFo 0.9.8 cannot read a file without a "trailer" keyword that is
    // shorter than the 2 KiB it searches for one; real files are longer.
    b.addStream("", "BT ET" + std::string(4096, ' '));  // 5
    const std::string pdf = b.buildWithXrefStream("/Root 1 0 R", {{1, {4, 0}}, {2, {4, 1}}});
    CHECK(render::inspectAttachment("packed.pdf", pdf, 60).value() == 1);
    auto joined = render::appendPdfs(simplePdf(1), {pdf});
    REQUIRE(joined);
    CHECK(render::pdfPageCount(joined.value()).value() == 2);
}

TEST_CASE("A /Kids array behind a reference is read, as PoDoFo reads it", "[render][pdf]") {
    PdfBuilder b;
    b.add("<</Type/Catalog/Pages 2 0 R>>");
    b.add("<</Type/Pages/Kids 4 0 R/Count 1>>");
    b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>");
    b.add("[3 0 R]");
    CHECK(render::inspectAttachment("kids.pdf", b.build(), 60).value() == 1);
}

TEST_CASE("The words obj and trailer inside strings and streams do not refuse a readable PDF", "[render][pdf]") {
    PdfBuilder b = onePage("/Contents 4 0 R/Note(see 1 0 obj [[ and the trailer <<)");
    b.addStream("", "BT (5 0 obj << /A [ ) Tj (trailer [[[) Tj ET");
    CHECK(render::inspectAttachment("words.pdf", b.build(), 60).value() == 1);
}

TEST_CASE("Nesting: 64 levels of arrays and dictionaries are read, 65 are too complex", "[render][pdf]") {
    // The page dictionary is the first level.
    const std::string deepest = onePage("/Foo " + repeat("[", 63) + "1" + repeat("]", 63)).build();
    const std::string tooDeep = onePage("/Foo " + repeat("[", 64) + "1" + repeat("]", 64)).build();
    CHECK(codeOf(render::inspectAttachment("a.pdf", deepest, 60)) == "accepted");
    CHECK(codeOf(render::inspectAttachment("a.pdf", tooDeep, 60)) == "pdf_too_complex");
    CHECK(render::PdfLimits().maxNesting == 64);
}

TEST_CASE("Nesting is also found where only the xref points: inside a string", "[render][pdf]") {
    PdfBuilder b = onePage("/Foo 4 0 R/Note(5 0 obj " + repeat("<</A", 100) + repeat(">>", 100) + ")");
    b.add("5 0 R");  // 4
    b.reserve();     // 5
    const std::string draft = b.build();
    const std::string pdf = b.build("/Root 1 0 R", {{5, static_cast<long>(draft.find("5 0 obj <<"))}});
    CHECK(codeOf(render::inspectAttachment("string.pdf", pdf, 60)) == "pdf_too_complex");
}

TEST_CASE("An object stream cannot hide its /N behind a name escape", "[render][pdf]") {
    PdfBuilder b = onePage("/Foo 5 0 R");
    auto packed = testing_support::objectStream({{5, repeat("[", 500) + repeat("]", 500)}});
    const std::string first = packed.dictEntries.substr(packed.dictEntries.find("/First"));
    b.addStream("/Type/ObjStm/#4E 1" + first, packed.data);  // 4, not compressed
    b.reserve();                                              // 5
    const std::string pdf = b.buildWithXrefStream("/Root 1 0 R", {{5, {4, 0}}});
    CHECK(codeOf(render::inspectAttachment("escaped.pdf", pdf, 60)) == "pdf_too_complex");
    CHECK_FALSE(render::pdfPageCount(pdf));
}

TEST_CASE("Size: a file over 20 MiB is too large", "[render][pdf]") {
    CHECK(render::PdfLimits().maxBytes == 20 * 1024 * 1024);
    std::string big = simplePdf(1);
    big.insert(big.find("1 0 obj"), "%" + std::string(20 * 1024 * 1024 - big.size(), ' ') + "\n");
    CHECK(codeOf(render::inspectAttachment("big.pdf", big, 60)) == "pdf_too_large");
    render::PdfLimits small;
    small.maxBytes = static_cast<long long>(simplePdf(1).size());
    CHECK(codeOf(render::inspectAttachment("fits.pdf", simplePdf(1), 60, small)) == "accepted");
    small.maxBytes -= 1;
    auto refused = render::inspectAttachment("fits.pdf", simplePdf(1), 60, small);
    REQUIRE(codeOf(refused) == "pdf_too_large");
    CHECK_THAT(refused.status().fieldErrors()[0].message, Contains("MB"));
}

TEST_CASE("Objects: more than 100,000 are too complex", "[render][pdf]") {
    CHECK(render::PdfLimits().maxObjects == 100000);
    PdfBuilder b = onePage("");
    while (b.add("null") < 100001) {
    }
    CHECK(codeOf(render::inspectAttachment("many.pdf", b.build(), 60)) == "pdf_too_complex");
    render::PdfLimits few;
    few.maxObjects = 3;
    CHECK(codeOf(render::inspectAttachment("three.pdf", simplePdf(1), 60, few)) == "accepted");
    few.maxObjects = 2;
    CHECK(codeOf(render::inspectAttachment("three.pdf", simplePdf(1), 60, few)) == "pdf_too_complex");
}

TEST_CASE("Pages: the job's page limit is read, one more page is refused", "[render][pdf]") {
    CHECK(render::inspectAttachment("sixty.pdf", simplePdf(60), 60).value() == 60);
    auto refused = render::inspectAttachment("sixty-one.pdf", simplePdf(61), 60);
    REQUIRE(codeOf(refused) == "too_many_pages");
    CHECK_THAT(refused.status().fieldErrors()[0].message, Contains("60枚"));
    CHECK(codeOf(render::inspectAttachment("three.pdf", simplePdf(3), 2)) == "too_many_pages");
}

TEST_CASE("A page tree whose /Count does not match its pages is unreadable", "[render][pdf]") {
    PdfBuilder b;
    b.add("<</Type/Catalog/Pages 2 0 R>>");
    b.add("<</Type/Pages/Kids[3 0 R]/Count 5>>");
    b.add("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>");
    CHECK(codeOf(render::inspectAttachment("count.pdf", b.build(), 60)) == "invalid_pdf");
}

TEST_CASE("A page-tree node that is not a page or a page tree is unreadable", "[render][pdf]") {
    PdfBuilder b;
    b.add("<</Type/Catalog/Pages 2 0 R>>");
    b.add("<</Type/Pages/Kids[3 0 R]/Count 1>>");
    b.add("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>");
    CHECK(codeOf(render::inspectAttachment("font.pdf", b.build(), 60)) == "invalid_pdf");
}

TEST_CASE("A stream with a negative /Length is unreadable", "[render][pdf]") {
    PdfBuilder b = onePage("/Contents 4 0 R");
    b.add("<</Length -5>>\nstream\nBT ET\nendstream");
    CHECK(codeOf(render::inspectAttachment("negative.pdf", b.build(), 60)) == "invalid_pdf");
}

TEST_CASE("An encrypted PDF is refused with a message about the password", "[render][pdf]") {
    PdfBuilder b = onePage("");
    b.add("<</Filter/Standard/V 1/R 2/O<00>/U<00>/P -4>>");
    auto r = render::inspectAttachment("locked.pdf", b.build("/Root 1 0 R/Encrypt 4 0 R"), 60);
    REQUIRE(codeOf(r) == "invalid_pdf");
    CHECK_THAT(r.status().fieldErrors()[0].message, Contains("パスワード"));
}

TEST_CASE("An attachment without a name is called 添付のPDF", "[render][pdf]") {
    auto r = render::inspectAttachment("", "not a pdf", 60);
    REQUIRE(codeOf(r) == "invalid_pdf");
    CHECK_THAT(r.status().fieldErrors()[0].message, Contains("添付のPDF"));
}
