// The office registry (issue 15): what a line must hold, and each office's
// own business calendar.
#include <catch2/catch.hpp>

#include "offices/office_directory.h"

using offices::OfficeDirectory;

namespace {

const std::string kHeader =
    "id,name,office_no,address,phone,fax,business_days,open,close,closed_days,care_managers\n";

std::shared_ptr<const OfficeDirectory> parse(const std::string& lines, std::vector<partners::LineProblem>& problems) {
    auto parsed = OfficeDirectory::parse(kHeader + lines, problems);
    REQUIRE(parsed.isOk());
    for (const auto& p : problems) UNSCOPED_INFO("line " << p.line << ": " << p.message);
    return parsed.value();
}

}  // namespace

TEST_CASE("An office line gives the profile, the care managers and the office's own calendar", "[offices]") {
    std::vector<partners::LineProblem> problems;
    auto dir = parse(
        "harunire-no-oka,居宅介護支援事業所 はるにれの丘,0170000999,北海道旭川市末広3条9丁目0番1号,0166-00-5678,"
        "0166-00-5679,mon tue wed thu fri,09:00,18:00,12-29..01-03 2026-08-14,春野 恵子; 秋山 一郎\n"
        "# a comment\n"
        "\n"
        "nanakamado,居宅介護支援センター ななかまど,,,,,mon;tue;wed;thu;fri;sat;hol,08:30,17:30,,\n",
        problems);
    for (const auto& p : problems) INFO("line " << p.line << ": " << p.message);
    CHECK(problems.empty());
    REQUIRE(dir->size() == 2);
    const offices::Office* a = dir->find("harunire-no-oka");
    REQUIRE(a);
    CHECK(a->name == "居宅介護支援事業所 はるにれの丘");
    CHECK(a->officeNumber == "0170000999");
    CHECK(a->careManagers == std::vector<std::string>{"春野 恵子", "秋山 一郎"});
    CHECK_FALSE(a->calendar.isBusinessDay({2026, 12, 29}));  // 年末年始, every year (a Tuesday)
    CHECK_FALSE(a->calendar.isBusinessDay({2028, 1, 3}));
    CHECK_FALSE(a->calendar.isBusinessDay({2026, 8, 14}));   // its own dated closed day (a Friday)
    CHECK(a->calendar.isBusinessDay({2027, 8, 13}));
    CHECK_FALSE(a->calendar.isBusinessDay({2027, 1, 11}));   // 成人の日: national holidays are built in
    CHECK(a->calendar.isBusinessDay({2026, 12, 28}));
    CHECK_FALSE(a->calendar.isBusinessDay({2026, 12, 5}));  // Saturday
    CHECK(a->calendar.isAfterHours({{2026, 12, 28}, {18, 0}}));

    const offices::Office* b = dir->find("nanakamado");
    REQUIRE(b);
    CHECK(b->careManagers.empty());
    CHECK(b->calendar.isBusinessDay({2026, 12, 5}));         // open on Saturdays
    CHECK(b->calendar.isBusinessDay({2026, 12, 29}));        // A's closed day is not B's
    CHECK(b->calendar.isBusinessDay({2027, 1, 11}));         // "hol": open on national holidays
    CHECK(b->calendar.isAfterHours({{2026, 12, 28}, {17, 30}}));
    CHECK_FALSE(b->calendar.isAfterHours({{2026, 12, 28}, {8, 30}}));
    CHECK(dir->find("nosuch") == nullptr);
}

TEST_CASE("A bad office line is refused with its line number and every reason, the others load", "[offices]") {
    std::vector<partners::LineProblem> problems;
    auto dir = parse(
        "Bad Id,名前,123,,0166-00-5678,0166-00-5679,,,,,\n"                                  // line 2: id, office_no
        "ok-office,事業所,,,,,,,,,\n"                                                          // line 3: fine
        "no-name,,,,090-1234,,,,,,\n"                                                         // line 4: name, phone
        "bad-cal,事業所,,,,,mon funday,25:00,09:00,2026-02-30,\n"                             // line 5: calendar
        "ok-office,重複,,,,,,,,,\n"                                                            // line 6: duplicate
        "short,事業所,,,\n"                                                                    // line 7: columns
        "long-cm,事業所,,,,,,,,,とても長い名前のケアマネジャーさんでございますよ本当に長い\n",  // line 8: cm
        problems);
    REQUIRE(dir->size() == 1);
    CHECK(dir->find("ok-office")->name == "事業所");
    REQUIRE(problems.size() == 6);
    CHECK(problems[0].line == 2);
    CHECK(problems[0].message.find("id must be") != std::string::npos);
    CHECK(problems[0].message.find("office_no '123'") != std::string::npos);
    CHECK(problems[1].line == 4);
    CHECK(problems[1].message.find("name must be") != std::string::npos);
    CHECK(problems[1].message.find("phone '090-1234'") != std::string::npos);
    CHECK(problems[2].line == 5);
    CHECK(problems[2].message.find("business_days") != std::string::npos);
    CHECK(problems[3].line == 6);
    CHECK(problems[3].message.find("duplicate id") != std::string::npos);
    CHECK(problems[4].line == 7);
    CHECK(problems[5].line == 8);
}

TEST_CASE("An office registry with the wrong header is refused whole", "[offices]") {
    std::vector<partners::LineProblem> problems;
    CHECK_FALSE(OfficeDirectory::parse("id,name\nx,y\n", problems).isOk());
    CHECK_FALSE(OfficeDirectory::load("/nonexistent/offices.csv", problems).isOk());
}

TEST_CASE("A reload that cannot read the file keeps the offices it had", "[offices]") {
    offices::OfficeRegistry registry("/nonexistent/offices.csv");
    std::vector<partners::LineProblem> problems;
    CHECK_FALSE(registry.reload(problems).isOk());
    CHECK(registry.current()->size() == 0);
}
