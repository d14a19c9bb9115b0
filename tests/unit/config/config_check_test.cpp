#include "config/config_check.h"

#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/Path.h>

#include <unistd.h>

#include <algorithm>

#include "test_support.h"

using config::CheckReport;
using config::ConfigProblem;
using testing_support::readFile;
using testing_support::sourcePath;
using testing_support::TempDir;
using testing_support::writeFile;

namespace {

// The problem about `key` (or, with an empty key, at file:line); fails the
// test when there is none or more than one.
const ConfigProblem& problemAbout(const CheckReport& report, const std::string& file, int line,
                                  const std::string& key = "") {
    const ConfigProblem* found = nullptr;
    int count = 0;
    for (const auto& p : report.problems)
        if (p.file == file && p.line == line && p.key == key) {
            found = &p;
            ++count;
        }
    std::string all;
    for (const auto& p : report.problems) all += p.toString() + "\n";
    INFO("looking for " << file << ":" << line << " " << key << " in\n" << all);
    REQUIRE(count == 1);
    return *found;
}

// A copy of the tree's templates in dir/templates, the admission sheet's id
// changed and the discharge sheet's JSON cut short.
std::string brokenTemplates(const TempDir& dir) {
    const std::string root = dir.file("templates");
    for (const char* sheet : {"admission-info", "discharge-liaison", "physician-contact"}) {
        Poco::File(root + "/" + sheet).createDirectories();
        writeFile(root + "/" + sheet + "/template.json",
                  readFile(sourcePath(std::string("templates/") + sheet + "/template.json")));
    }
    std::string admission = readFile(root + "/admission-info/template.json");
    const std::string id = "\"id\": \"admission-info\"";
    REQUIRE(admission.find(id) != std::string::npos);
    admission.replace(admission.find(id), id.size(), "\"id\": \"admission-info-2\"");
    writeFile(root + "/admission-info/template.json", admission);
    const std::string discharge = readFile(root + "/discharge-liaison/template.json");
    writeFile(root + "/discharge-liaison/template.json", discharge.substr(0, discharge.size() / 2));
    return root;
}

}  // namespace

TEST_CASE("check-config reports every mistake of a configuration and its files at once", "[config][check]") {
    TempDir dir;
    brokenTemplates(dir);
    writeFile(dir.file("partners.csv"),
              "id,kind,name,department,person,phone,fax,mask\n"
              "kamikawa-hp,hospital,上川中央病院,地域連携室,北村,0166-00-1234,0166-00-1235,\n"
              "bad-fax,hospital,東光病院,地域連携室,南,0166-00-2234,12,\n"
              "too,few,columns\n");
    writeFile(dir.file("tokens.csv"),
              "name,office,role,sha256,status\n"
              "desk,kamikawa-hp,boss," + std::string(64, 'a') + ",active\n"
              "rk_pasted-token-by-mistake\n");
    writeFile(dir.file("offices.csv"),
              "id,name,office_no,address,phone,fax,business_days,open,close,closed_days,care_managers\n"
              "kamikawa-cm,居宅介護支援事業所 かみかわ,,,,,,,,,\n"
              "bad-hours,事業所,,,,,,9am,,,\n");
    const std::string path = dir.file("renkei.properties");
    writeFile(path,
              "# a config with mistakes\n"                       // 1
              "server.port = 99999\n"                            // 2
              "server.prot = 8080\n"                             // 3
              "Server.Threads = 8\n"                             // 4
              "server.threads = many\n"                          // 5
              "templates.dir = templates\n"                      // 6
              "partners.file = partners.csv\n"                   // 7
              "auth.tokensFile = tokens.csv\n"                   // 8
              "fax.defaultMask = full\n"                         // 9
              "office.default = nosuch\n"                       // 10
              "server.behindTlsProxy = yes\n"                    // 11
              "fonts.primary = no-such-font.ttf\n"               // 12
              "limits.maxBodyBytes = 1,000\n"                    // 13
              "fax.holdSeconds = 30\n"                           // 14
              "fax.holdSeconds = 45\n"                           // 15
              "data.dir = data\n"                                // 16
              "web.dir =\n"                                      // 17: none
              "offices.file = offices.csv\n");                   // 18

    CheckReport report = config::checkConfig(path);
    CHECK_FALSE(report.ok());
    CHECK(report.stopsServer());

    // Keys and values, as written, with their lines.
    CHECK(problemAbout(report, path, 2, "server.port").value == "99999");
    CHECK(problemAbout(report, path, 2, "server.port").message == "must be a whole number from 0 to 65535");
    CHECK(problemAbout(report, path, 3, "server.prot").message == "unknown key (did you mean server.port?)");
    CHECK(problemAbout(report, path, 4, "Server.Threads").message == "unknown key (did you mean server.threads?)");
    CHECK(problemAbout(report, path, 5, "server.threads").value == "many");
    CHECK(problemAbout(report, path, 9, "fax.defaultMask").message == "must be none, initials or partial");
    CHECK(problemAbout(report, path, 10, "office.default").message.find("not in the office registry") !=
          std::string::npos);
    CHECK(problemAbout(report, dir.file("offices.csv"), 3).message.find("business_open") != std::string::npos);
    CHECK(problemAbout(report, path, 11, "server.behindTlsProxy").message == "must be true or false");
    CHECK(problemAbout(report, path, 13, "limits.maxBodyBytes").value == "1,000");
    CHECK(problemAbout(report, path, 14, "fax.holdSeconds").message == "given again on line 15");
    CHECK(problemAbout(report, path, 14, "fax.holdSeconds").value == "30");
    // A file setting: the value is the path as written, resolved from the file's folder.
    const ConfigProblem& font = problemAbout(report, path, 12, "fonts.primary");
    CHECK(font.value == dir.file("no-such-font.ttf"));
    CHECK(font.message == "no such file");

    // The templates: each broken one by its file.
    const std::string templates = dir.file("templates");
    CHECK(problemAbout(report, templates + "/admission-info/template.json", 0).message.find("differs from its folder") !=
          std::string::npos);
    CHECK(problemAbout(report, templates + "/admission-info/template.json", 0).value == "admission-info-2");
    CHECK_FALSE(problemAbout(report, templates + "/discharge-liaison/template.json", 0).message.empty());

    // The partner directory and the tokens file: every bad line; these alone
    // would not stop the server (it leaves them out), but they are problems.
    CHECK(problemAbout(report, dir.file("partners.csv"), 3).message.find("fax") != std::string::npos);
    CHECK(problemAbout(report, dir.file("partners.csv"), 4).message.find("8 comma-separated columns") !=
          std::string::npos);
    CHECK_FALSE(problemAbout(report, dir.file("partners.csv"), 4).stopsServer);
    CHECK(problemAbout(report, dir.file("tokens.csv"), 2).message.find("role") != std::string::npos);
    const ConfigProblem& pasted = problemAbout(report, dir.file("tokens.csv"), 3);
    CHECK(pasted.toString().find("rk_pasted") == std::string::npos);  // never a line's text: it may be a token

    CHECK(report.problems.size() == 17);
    // The valid keys were applied all the same.
    CHECK(report.settings.dataDir == dir.file("data"));
    CHECK(report.settings.faxHoldSeconds == 45);
}

TEST_CASE("A problem reads as file, line, key, value and why", "[config][check]") {
    CHECK(ConfigProblem{"/etc/renkei/renkei.properties", 3, "server.port", "x", "must be a number"}.toString() ==
          "/etc/renkei/renkei.properties:3: server.port = \"x\": must be a number");
    CHECK(ConfigProblem{"", 0, "--port", "x", "must be a number"}.toString() == "--port \"x\": must be a number");
    CHECK(ConfigProblem{"/p.csv", 4, "", "", "expected 8 columns"}.toString() == "/p.csv:4: expected 8 columns");
    CHECK(ConfigProblem{"", 0, "web.dir", "", "empty"}.toString() == "web.dir = \"\": empty");
}

TEST_CASE("The tree's configuration checks clean, its relative paths taken from its folder", "[config][check]") {
    TempDir elsewhere;
    const std::string cwd = Poco::Path::current();
    // The working folder plays no part: only the file's folder does.
    REQUIRE(chdir(elsewhere.path().c_str()) == 0);
    CheckReport report = config::checkConfig(sourcePath("config/renkei.properties"));
    REQUIRE(chdir(cwd.c_str()) == 0);
    std::string all;
    for (const auto& p : report.problems) all += p.toString() + "\n";
    INFO(all);
    CHECK(report.ok());
    CHECK(Poco::Path(report.settings.templatesDir).makeAbsolute().toString() ==
          Poco::Path(sourcePath("templates")).makeAbsolute().toString());
    CHECK(Poco::Path(report.settings.templatesDir).isAbsolute());
    const bool listsTemplates = std::any_of(report.checked.begin(), report.checked.end(), [](const std::string& c) {
        return c.rfind("templates ", 0) == 0 && c.find("5 sheet(s)") != std::string::npos;
    });
    CHECK(listsTemplates);
}

TEST_CASE("The command line wins over the file and its problems name the option", "[config][check]") {
    TempDir dir;
    const std::string path = dir.file("renkei.properties");
    writeFile(path, "templates.dir = " + sourcePath("templates") + "\npartners.file = " +
                        sourcePath("config/partners.csv") + "\noffices.file = " + sourcePath("config/offices.csv") +
                        "\nweb.dir =\nserver.port = 8000\ndata.dir = d\n");
    writeFile(dir.file("a-file"), "not a folder");
    CheckReport report = config::checkConfig(
        path, {{"--port", "server.port", "port"}, {"--data", "data.dir", dir.file("a-file")}});
    const ConfigProblem& port = problemAbout(report, "", 0, "--port");
    CHECK(port.value == "port");
    const ConfigProblem& data = problemAbout(report, "", 0, "--data");
    CHECK(data.message == "exists and is not a folder");
    CHECK(report.problems.size() == 2);

    CheckReport good = config::checkConfig(path, {{"--port", "server.port", "0"}});
    CHECK(good.ok());
    CHECK(good.settings.port == 0);
    CHECK(good.settings.dataDir == dir.file("d"));
    CHECK(good.settings.webDir.empty());
}

TEST_CASE("A key that also starts another key is read, not skipped", "[config][check]") {
    TempDir dir;
    const std::string path = dir.file("renkei.properties");
    writeFile(path, "server.port = 1234\nserver.port.extra = 1\n");
    std::vector<ConfigProblem> problems;
    config::Settings s = config::readSettings(path, problems);
    CHECK(s.port == 1234);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].key == "server.port.extra");
    CHECK(problems[0].line == 2);
}

TEST_CASE("A configuration file that cannot be read is the one problem reported", "[config][check]") {
    TempDir dir;
    CheckReport report = config::checkConfig(dir.file("missing.properties"), {{"--port", "server.port", "x"}});
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].file == dir.file("missing.properties"));
    CHECK(report.problems[0].message == "no such file");

    auto loaded = config::loadSettings(dir.file("missing.properties"));
    CHECK(loaded.status().code() == common::Status::Code::IOError);
}

TEST_CASE("loadSettings refuses a file with every problem that stops the server in its message", "[config]") {
    TempDir dir;
    writeFile(dir.file("r.properties"), "server.port = x\nrender.workers = -1\nweb.dir = w\n");
    auto loaded = config::loadSettings(dir.file("r.properties"));
    REQUIRE_FALSE(loaded);
    CHECK(loaded.status().code() == common::Status::Code::InvalidArgument);
    CHECK(loaded.status().message().find(":1: server.port = \"x\"") != std::string::npos);
    CHECK(loaded.status().message().find(":2: render.workers = \"-1\"") != std::string::npos);
}

TEST_CASE("Issue 20: check-config wants a connection string for PostgreSQL and never prints it", "[config][check]") {
    TempDir dir;
    writeFile(dir.file("missing.properties"), "jobs.store = postgresql\n");
    CheckReport missing = config::checkConfig(dir.file("missing.properties"), {});
    const ConfigProblem& p = problemAbout(missing, "", 0, "jobs.postgresql");
    CHECK(p.stopsServer);
    CHECK_THAT(p.message, Catch::Contains("missing"));

    writeFile(dir.file("set.properties"),
              "jobs.store = postgresql\njobs.postgresql = host=db1 user=renkei password=s3cret-pw\n"
              "jobs.postgresqlPool = 5\n");
    CheckReport set = config::checkConfig(dir.file("set.properties"), {});
    std::string all;
    for (const auto& c : set.checked) all += c + "\n";
    for (const auto& q : set.problems) all += q.toString() + "\n";
    CHECK_THAT(all, Catch::Contains("job store: PostgreSQL, 5 connections"));
    CHECK_THAT(all, !Catch::Contains("s3cret-pw"));

    writeFile(dir.file("bad.properties"), "jobs.store = mysql\njobs.postgresqlPool = 0\n");
    CheckReport bad = config::checkConfig(dir.file("bad.properties"), {});
    CHECK_THAT(problemAbout(bad, dir.file("bad.properties"), 1, "jobs.store").message,
               Catch::Contains("sqlite or postgresql"));
    problemAbout(bad, dir.file("bad.properties"), 2, "jobs.postgresqlPool");
}

TEST_CASE("Issue 17: check-config reports bad workbook import limits", "[config][check]") {
    TempDir dir;
    writeFile(dir.file("bad.properties"),
              "xlsx.importMaxParts = 3\nxlsx.importMaxPartBytes = lots\nxlsx.importMaxTotalBytes = 70000\n"
              "xlsx.importMaxPartCompressedBytes = 1048576\n");
    CheckReport bad = config::checkConfig(dir.file("bad.properties"), {});
    CHECK_THAT(problemAbout(bad, dir.file("bad.properties"), 1, "xlsx.importMaxParts").message,
               Catch::Contains("from 8 to 100000"));
    problemAbout(bad, dir.file("bad.properties"), 2, "xlsx.importMaxPartBytes");
    // The part limit (its default, 8 MiB) is over the total: no workbook with such a part could pass.
    const ConfigProblem& total = problemAbout(bad, dir.file("bad.properties"), 3, "xlsx.importMaxTotalBytes");
    CHECK(total.stopsServer);
    CHECK_THAT(total.message, Catch::Contains("at least xlsx.importMaxPartBytes"));
    CHECK(bad.settings.xlsxImportMaxPartCompressedBytes == 1048576);

    writeFile(dir.file("good.properties"), "xlsx.importMaxParts = 64\nxlsx.importMaxTotalBytes = 16777216\n"
                                           "xlsx.importMaxPartBytes = 4194304\n");
    CheckReport good = config::checkConfig(dir.file("good.properties"), {});
    std::string all;
    for (const auto& c : good.checked) all += c + "\n";
    for (const auto& q : good.problems)
        if (q.key.rfind("xlsx.", 0) == 0) all += "problem: " + q.toString() + "\n";
    CHECK_THAT(all, Catch::Contains("workbook import: at most 64 parts, 16777216 bytes inflated"));
    CHECK_THAT(all, !Catch::Contains("problem:"));
}
