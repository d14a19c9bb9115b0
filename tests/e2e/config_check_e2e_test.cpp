// Issue 19: `renkei check-config` and the same check when the server starts,
// through the built binary.
#include <catch2/catch.hpp>

#include <Poco/File.h>

#include "e2e_support.h"

using testing_support::run;
using testing_support::sourcePath;
using testing_support::TempDir;
using testing_support::writeFile;

namespace {

// A configuration with a mistake of each kind, and the lines each shows up as.
std::string writeBadConfig(const TempDir& dir) {
    writeFile(dir.file("partners.csv"), "id,kind,name,department,person,phone,fax,mask\n"
                                        "kamikawa-hp,hospital,上川中央病院,地域連携室,北村,0166-00-1234,0166-00-1235,\n"
                                        "broken-line\n");
    writeFile(dir.file("tokens.csv"), "name,office,role,sha256,status\nrk_a-token-pasted-here\n");
    const std::string path = dir.file("renkei.properties");
    writeFile(path, "server.port = 0\n"
                    "server.treads = 8\n"
                    "render.workers = lots\n"
                    "templates.dir = no-templates-here\n"
                    "partners.file = partners.csv\n"
                    "auth.tokensFile = tokens.csv\n"
                    "data.dir = data\n"
                    "offices.file = " + testing_support::sourcePath("config/offices.csv") + "\n"
                    "web.dir =\n");
    return path;
}

}  // namespace

TEST_CASE("renkei check-config lists every problem with its place and exits 1", "[e2e][config]") {
    TempDir dir;
    const std::string path = writeBadConfig(dir);
    auto result = run({RENKEI_BINARY, "check-config", "--config", path});
    INFO(result.output);
    CHECK(result.exitCode == 1);
    CHECK(result.output.find(path + ":2: server.treads = \"8\": unknown key (did you mean server.threads?)") !=
          std::string::npos);
    CHECK(result.output.find(path + ":3: render.workers = \"lots\": must be a whole number from 0 to 256") !=
          std::string::npos);
    CHECK(result.output.find(path + ":4: templates.dir = \"" + dir.file("no-templates-here") + "\": no such folder") !=
          std::string::npos);
    CHECK(result.output.find(dir.file("partners.csv") + ":3: expected 8 comma-separated columns") != std::string::npos);
    CHECK(result.output.find(dir.file("tokens.csv") + ":2: expected 5 columns") != std::string::npos);
    CHECK(result.output.find("rk_a-token") == std::string::npos);
    CHECK(result.output.find("5 problem(s)") != std::string::npos);
    CHECK(result.output.find("usage:") == std::string::npos);
}

TEST_CASE("The server refuses a bad configuration listing every problem, not the usage text", "[e2e][config]") {
    TempDir dir;
    const std::string path = writeBadConfig(dir);
    auto result = run({RENKEI_BINARY, "--config", path});
    INFO(result.output);
    CHECK(result.exitCode == 1);
    CHECK(result.output.find("cannot start: 5 problem(s)") != std::string::npos);
    for (const std::string& expected : {path + ":2: server.treads", path + ":3: render.workers",
                                        path + ":4: templates.dir", dir.file("partners.csv") + ":3:",
                                        dir.file("tokens.csv") + ":2:"})
        CHECK(result.output.find(expected) != std::string::npos);
    CHECK(result.output.find("usage:") == std::string::npos);
    CHECK_FALSE(Poco::File(dir.file("data")).exists());  // nothing was made
}

TEST_CASE("renkei check-config accepts the tree's configuration with a short summary", "[e2e][config]") {
    auto result = run({RENKEI_BINARY, "check-config", "--config", sourcePath("config/renkei.properties")});
    INFO(result.output);
    CHECK(result.exitCode == 0);
    CHECK(result.output.find("5 sheet(s)") != std::string::npos);
    CHECK(result.output.find("partner(s)") != std::string::npos);
    CHECK(result.output.substr(result.output.size() - 3) == "OK\n");

    auto badOption = run({RENKEI_BINARY, "check-config", "--config", sourcePath("config/renkei.properties"),
                          "--port", "http"});
    CHECK(badOption.exitCode == 1);
    CHECK(badOption.output.find("--port \"http\": must be a whole number from 0 to 65535") != std::string::npos);
}
