// renkei: the coordination-sheet document server.
//   renkei [--config FILE] [--port N] [--data DIR]      run the server
//   renkei check-config [--config FILE] [--port N] [--data DIR]
//   renkei token new --office ID --role submitter|admin [--name NAME] [--config FILE]
//   renkei render --sheet ID --in REQUEST.json --out FILE.pdf|.xlsx [--config FILE]
//   renkei --help | renkei token --help
// The server checks its configuration first (config/config_check.h) and
// refuses to start, printing every problem, when one would stop it. It logs
// one line when it is ready, reloads the partner directory, the office
// registry and the tokens file on SIGHUP and stops cleanly on SIGTERM or
// SIGINT.
#include <Poco/FileStream.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/StreamCopier.h>

#include <malloc.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "app/application.h"
#include "app/document_service.h"
#include "auth/token_registry.h"
#include "common/logging.h"
#include "config/config_check.h"
#include "config/settings.h"
#include "form/template_registry.h"
#include "http/server.h"
#include "offices/office_directory.h"
#include "render/font_metrics.h"

namespace {

// Keeps the heap from growing with what a hostile client sends. glibc raises
// its mmap threshold each time a large block is freed, so after one 20 MB
// body every later large buffer comes from an arena and stays resident; and
// with 64 HTTP threads it opens up to eight arenas a core, each keeping its
// own free memory. Measured with five passes of hostile requests: RSS went
// 67 -> 87 -> 99 -> 105 MB with glibc's defaults and stays within 1.5 MB of
// 38 MB with these (bench/README.md). Called before any thread starts.
void boundHeap() {
    mallopt(M_MMAP_THRESHOLD, 1 << 20);  // fixed: blocks of 1 MiB and more go back to the system when freed
    mallopt(M_ARENA_MAX, 4);
}

const char* const kUsage =
    "usage: renkei [--config FILE] [--port N] [--data DIR]\n"
    "       renkei check-config [--config FILE] [--port N] [--data DIR]\n"
    "       renkei token new --office ID --role submitter|admin [--name NAME] [--config FILE]\n"
    "       renkei render --sheet ID --in REQUEST.json --out FILE.pdf|FILE.xlsx [--config FILE]\n"
    "       renkei --help | renkei token --help\n";

const char* const kTokenUsage =
    "usage: renkei token new --office ID --role submitter|admin [--name NAME] [--config FILE]\n"
    "  Makes a new access token for an office of the office registry (offices.file) and\n"
    "  prints it once, with the line (its SHA-256, never the token) for the tokens file\n"
    "  (auth.tokensFile). Reload the server (SIGHUP) to let it in.\n";

int usage(const std::string& problem) {
    std::cerr << "renkei: " << problem << "\n" << kUsage;
    return 2;
}

int help(const char* text) {
    std::cout << text;
    return 0;
}

bool isHelp(const char* arg) { return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0; }

// Parses "--name value" pairs; returns false on anything else.
bool parseOptions(int argc, char** argv, int first, std::map<std::string, std::string>& out, std::string& problem) {
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
            problem = "unexpected argument '" + arg + "'";
            return false;
        }
        out[arg.substr(2)] = argv[++i];
    }
    return true;
}

std::string configPath(std::map<std::string, std::string>& options) {
    return options.count("config") ? options["config"] : config::defaultConfigPath();
}

// The settings of the config file (the embedded defaults without one), for
// the commands that do not start the server.
common::Result<config::Settings> fileSettings(std::map<std::string, std::string>& options) {
    const std::string path = configPath(options);
    if (path.empty()) return config::Settings();
    return config::loadSettings(path);
}

// The settings from the config file and the command line, checked with every
// file they name.
config::CheckReport checkedSettings(std::map<std::string, std::string>& options) {
    std::vector<config::CommandLineSetting> commandLine;
    if (options.count("port")) commandLine.push_back({"--port", "server.port", options["port"]});
    if (options.count("data")) commandLine.push_back({"--data", "data.dir", options["data"]});
    return config::checkConfig(configPath(options), commandLine);
}

void printProblems(std::ostream& out, const config::CheckReport& report) {
    for (const auto& p : report.problems) out << "  " << p.toString() << "\n";
}

// Prints every problem and what was found good; 0 when there is no problem
// at all, 1 otherwise (lines the server would leave out count too).
int runCheckConfig(std::map<std::string, std::string>& options) {
    for (const auto& [k, v] : options)
        if (k != "config" && k != "port" && k != "data") return usage("unknown option --" + k);
    const std::string path = configPath(options);
    config::CheckReport report = checkedSettings(options);
    std::cout << "configuration " << (path.empty() ? "(embedded defaults)" : path) << "\n";
    if (!report.ok()) {
        printProblems(std::cout, report);
        std::cout << report.problems.size() << " problem(s)"
                  << (report.stopsServer() ? "; the server would not start" : "; the server would leave these out")
                  << "\n";
        return 1;
    }
    for (const auto& c : report.checked) std::cout << "  ok: " << c << "\n";
    std::cout << "OK\n";
    return 0;
}

int runServer(std::map<std::string, std::string>& options) {
    for (const auto& [k, v] : options)
        if (k != "config" && k != "port" && k != "data") return usage("unknown option --" + k);
    config::CheckReport checked = checkedSettings(options);
    if (checked.stopsServer()) {
        std::cerr << "renkei: cannot start: " << checked.problems.size() << " problem(s) in the configuration ("
                  << "renkei check-config lists them too):\n";
        printProblems(std::cerr, checked);
        return 1;
    }
    const config::Settings& settings = checked.settings;
    common::setUpLogging(*common::parseLogFormat(settings.logFormat));
    // Block the stop signals before any thread starts, so only sigwait() sees them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    // The composition root: the application's services from the settings,
    // then the HTTP server that serves them.
    Poco::Logger& log = Poco::Logger::get("renkei");
    auto application = app::Application::build(settings);
    if (!application) {
        log.fatal("cannot start: %s", application.status().toString());
        return 1;
    }
    auto server = http::Server::start(*application.value());
    if (!server) {
        log.fatal("cannot start: %s", server.status().toString());
        return 1;
    }
    log.information("ready on %s (data %s)", server.value()->url(), settings.dataDir);
    int received = 0;
    for (;;) {
        sigwait(&stopSignals, &received);
        if (received != SIGHUP) break;
        common::Status reloaded = application.value()->reload();
        if (reloaded)
            log.information("partner directory, office registry and tokens reloaded");
        else
            log.error("not all reloaded (what could not be read keeps its old contents): %s", reloaded.toString());
    }
    log.information("stopping on %s", std::string(received == SIGTERM ? "SIGTERM" : "SIGINT"));
    server.value()->stop();
    log.information("stopped");
    return 0;
}

int runRender(std::map<std::string, std::string>& options) {
    for (const char* required : {"sheet", "in", "out"})
        if (!options.count(required)) return usage(std::string("render needs --") + required);
    auto loaded = fileSettings(options);
    if (!loaded) {
        std::cerr << "renkei: " << loaded.status().message() << "\n";
        return 1;
    }
    const config::Settings& settings = loaded.value();
    auto templates = form::TemplateRegistry::load(settings.templatesDir);
    if (!templates) return usage(templates.status().toString());
    auto fonts = render::FontMetrics::open(settings.primaryFont, settings.fallbackFont);
    if (!fonts) return usage(fonts.status().toString());
    render::XlsxOptions xlsx;
    xlsx.fontName = settings.xlsxFont;
    app::DocumentService documents(templates.value(), fonts.value(), xlsx,
                                    app::RenderLimits{settings.renderWorkers, settings.renderQueue});
    Poco::JSON::Object::Ptr request;
    try {
        Poco::FileInputStream in(options["in"]);
        std::string json;
        Poco::StreamCopier::copyToString(in, json);
        request = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        return usage(options["in"] + ": " + e.displayText());
    }
    auto data = documents.validate(options["sheet"], request->getObject("fields"));
    if (!data) {
        std::cerr << "renkei: " << data.status().message() << "\n";
        for (const auto& e : data.status().fieldErrors())
            std::cerr << "  " << e.field << ": " << e.code << ": " << e.message << "\n";
        return 1;
    }
    const std::string& out = options["out"];
    bool xlsxOut = out.size() > 5 && out.substr(out.size() - 5) == ".xlsx";
    auto doc = documents.render(*templates.value()->find(options["sheet"]), data.value(),
                                xlsxOut ? app::Format::Xlsx : app::Format::Pdf, "00000000000000000000000000000000",
                                "2000-01-01T00:00:00+09:00");
    if (!doc) {
        std::cerr << "renkei: " << doc.status().toString() << "\n";
        return 1;
    }
    Poco::FileOutputStream file(out, std::ios::binary | std::ios::trunc);
    file.write(doc->bytes.data(), static_cast<std::streamsize>(doc->bytes.size()));
    std::cout << out << ": " << doc->pageCount << " page(s), " << doc->bytes.size() << " bytes\n";
    for (const auto& w : doc->warnings) std::cout << "warning: " << w << "\n";
    return 0;
}

// Prints a new token once (it is not stored anywhere) and the line with its
// hash for the tokens file.
int runTokenNew(std::map<std::string, std::string>& options) {
    for (const auto& [k, v] : options)
        if (k != "office" && k != "role" && k != "name" && k != "config") return usage("unknown option --" + k);
    if (!options.count("office") || !options.count("role")) return usage("token new needs --office and --role");
    auto role = auth::parseRole(options["role"]);
    if (!role) return usage("--role must be submitter or admin");
    auto loaded = fileSettings(options);
    if (!loaded) {
        std::cerr << "renkei: " << loaded.status().message() << "\n";
        return 1;
    }
    const config::Settings& settings = loaded.value();
    std::vector<partners::LineProblem> problems;
    auto offices = offices::OfficeDirectory::load(settings.officesFile, problems);
    if (!offices) {
        std::cerr << "renkei: " << offices.status().message() << "\n";
        return 1;
    }
    if (!offices.value()->find(options["office"])) {
        std::cerr << "renkei: office '" << options["office"] << "' is not in the office registry "
                  << settings.officesFile << "; add it there first. Registered offices:";
        for (const auto& o : offices.value()->all()) std::cerr << " " << o.id;
        std::cerr << "\n";
        return 1;
    }
    const std::string name = options.count("name") ? options["name"] : options["office"] + "-" + options["role"];
    auth::NewToken token = auth::newToken(name, options["office"], *role);
    std::cout << "token (give it to the office; it is shown only now):\n  " << token.token << "\n"
              << "line for the tokens file (auth.tokensFile):\n  " << token.line << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        boundHeap();
        common::setUpLogging(common::LogFormat::Text);  // until the settings say otherwise
        if (argc > 1 && isHelp(argv[1])) return help(kUsage);
        if (argc > 2 && std::strcmp(argv[1], "token") == 0 && isHelp(argv[2])) return help(kTokenUsage);
        std::map<std::string, std::string> options;
        std::string problem;
        bool render = argc > 1 && std::strcmp(argv[1], "render") == 0;
        bool check = argc > 1 && std::strcmp(argv[1], "check-config") == 0;
        bool token = argc > 2 && std::strcmp(argv[1], "token") == 0 && std::strcmp(argv[2], "new") == 0;
        if (argc > 1 && std::strcmp(argv[1], "token") == 0 && !token) return usage("token new is the only token command");
        if (!parseOptions(argc, argv, render || check ? 2 : token ? 3 : 1, options, problem)) return usage(problem);
        if (token) return runTokenNew(options);
        if (check) return runCheckConfig(options);
        return render ? runRender(options) : runServer(options);
    } catch (const std::exception& e) {
        std::cerr << "renkei: fatal: " << e.what() << "\n";
        return 1;
    }
}
