#include "config/config_check.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <map>

#include "auth/token_registry.h"
#include "form/sheet_template.h"
#include "offices/office_directory.h"
#include "partners/partner_directory.h"

namespace config {
namespace {

// Where each key's value came from, so that a problem found here (not by
// the loader) names the file's line, or the command-line option.
struct Source {
    std::string file;
    std::map<std::string, int> lines;         // key -> line in file
    std::map<std::string, std::string> options;  // key -> the command-line option that set it

    ConfigProblem problem(const std::string& key, const std::string& value, const std::string& why) const {
        if (auto o = options.find(key); o != options.end()) return {"", 0, o->second, value, why};
        if (auto l = lines.find(key); l != lines.end()) return {file, l->second, key, value, why};
        return {"", 0, key, value, why};  // an embedded default
    }
};

// A loader's message without the "<what> <path>: " it starts with: the
// problem names the path already.
std::string withoutPath(const std::string& message, const std::string& path) {
    const size_t at = message.find(path + ": ");
    return at == std::string::npos ? message : message.substr(at + path.size() + 2);
}

bool readableFile(const std::string& path, std::string& why) {
    try {
        Poco::File f(path);
        if (!f.exists()) {
            why = "no such file";
        } else if (!f.isFile()) {
            why = "not a regular file";
        } else if (!f.canRead()) {
            why = "not readable by this user";
        } else {
            return true;
        }
    } catch (const Poco::Exception& e) {
        why = e.displayText();
    }
    return false;
}

using Check = void (*)(const Source&, CheckReport&);

// The office registry: every refused line, and office.default when the
// server would act for it (no tokens file).
void checkOffices(const Source& source, CheckReport& r) {
    const std::string& path = r.settings.officesFile;
    std::vector<partners::LineProblem> lines;
    auto loaded = offices::OfficeDirectory::load(path, lines);
    if (!loaded) {
        r.problems.push_back(source.problem("offices.file", path, withoutPath(loaded.status().message(), path)));
        return;
    }
    for (const auto& p : lines) r.problems.push_back({path, p.line, "", "", p.message + " (line left out)", false});
    if (!loaded.value()->find(r.settings.defaultOffice)) {
        ConfigProblem p = source.problem("office.default", r.settings.defaultOffice,
                                         "not in the office registry " + path +
                                             " (without access tokens the server acts for this office)");
        p.stopsServer = r.settings.tokensFile.empty();
        r.problems.push_back(p);
    }
    r.checked.push_back("office registry " + path + ": " + std::to_string(loaded.value()->size()) + " office(s)");
}

void checkDataDir(const Source& source, CheckReport& r) {
    const std::string& dir = r.settings.dataDir;
    try {
        Poco::File f(dir);
        if (f.exists() && !f.isDirectory()) {
            r.problems.push_back(source.problem("data.dir", dir, "exists and is not a folder"));
            return;
        }
        r.checked.push_back("data folder " + dir + (f.exists() ? "" : " (made at start)"));
    } catch (const Poco::Exception& e) {
        r.problems.push_back(source.problem("data.dir", dir, e.displayText()));
    }
}

void checkTemplates(const Source& source, CheckReport& r) {
    const std::string& dir = r.settings.templatesDir;
    int sheets = 0;
    try {
        if (!Poco::File(dir).exists() || !Poco::File(dir).isDirectory()) {
            r.problems.push_back(source.problem("templates.dir", dir, "no such folder"));
            return;
        }
        for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
            if (!it->isDirectory()) continue;
            const std::string path = Poco::Path(it->path()).append("template.json").toString();
            if (!Poco::File(path).exists()) continue;  // as TemplateRegistry: not a sheet
            auto loaded = form::loadTemplate(path);
            if (!loaded) {
                // The loader's message starts with the path; the problem names it already.
                r.problems.push_back({path, 0, "", "", withoutPath(loaded.status().message(), path)});
            } else if (loaded->id != it.name()) {
                r.problems.push_back({path, 0, "", loaded->id, "the id differs from its folder '" + it.name() + "'"});
            } else {
                ++sheets;
            }
        }
    } catch (const Poco::Exception& e) {
        r.problems.push_back(source.problem("templates.dir", dir, e.displayText()));
        return;
    }
    if (sheets == 0 && r.problems.empty())
        r.problems.push_back(source.problem("templates.dir", dir, "no templates (<id>/template.json) in it"));
    else if (sheets > 0)
        r.checked.push_back("templates " + dir + ": " + std::to_string(sheets) + " sheet(s)");
}

void checkPartners(const Source& source, CheckReport& r) {
    const std::string& path = r.settings.partnersFile;
    std::vector<partners::LineProblem> lines;
    auto loaded = partners::PartnerDirectory::load(path, lines);
    if (!loaded) {
        r.problems.push_back(source.problem("partners.file", path, withoutPath(loaded.status().message(), path)));
        return;
    }
    for (const auto& p : lines) r.problems.push_back({path, p.line, "", "", p.message + " (line left out)", false});
    r.checked.push_back("partner directory " + path + ": " + std::to_string(loaded.value()->size()) + " partner(s)");
}

void checkTokens(const Source& source, CheckReport& r) {
    const std::string& path = r.settings.tokensFile;
    if (path.empty()) {
        r.checked.push_back("tokens file: none (the API is open, on loopback only)");
        return;
    }
    // A token of an office the registry does not know is left out at start.
    std::vector<partners::LineProblem> officeLines;
    auto offices = offices::OfficeDirectory::load(r.settings.officesFile, officeLines);
    auth::TokenRegistry::OfficeCheck officeExists;
    if (offices) officeExists = [&offices](const std::string& id) { return offices.value()->find(id) != nullptr; };
    std::vector<auth::TokenLine> lines;
    auto loaded = auth::TokenRegistry::load(path, lines, officeExists);
    if (!loaded) {
        r.problems.push_back(source.problem("auth.tokensFile", path, withoutPath(loaded.status().message(), path)));
        return;
    }
    // Never the line's text: it might hold a token pasted in by mistake.
    for (const auto& p : lines) r.problems.push_back({path, p.line, "", "", p.message + " (line left out)", false});
    r.checked.push_back("tokens file " + path + ": " + std::to_string(loaded.value()->size()) + " token(s)");
}

void checkFonts(const Source& source, CheckReport& r) {
    for (const auto& [key, path] : {std::pair<std::string, std::string>{"fonts.primary", r.settings.primaryFont},
                                    {"fonts.fallback", r.settings.fallbackFont}}) {
        std::string why;
        if (readableFile(path, why))
            r.checked.push_back(key + " " + path);
        else
            r.problems.push_back(source.problem(key, path, why));
    }
}

void checkTls(const Source& source, CheckReport& r) {
    const Settings& s = r.settings;
    if (s.tlsCertificateFile.empty() && s.tlsPrivateKeyFile.empty()) return;
    for (const auto& [key, path, other] :
         {std::tuple<std::string, std::string, std::string>{"tls.certificateFile", s.tlsCertificateFile,
                                                            "tls.privateKeyFile"},
          {"tls.privateKeyFile", s.tlsPrivateKeyFile, "tls.certificateFile"}}) {
        std::string why;
        if (path.empty())
            r.problems.push_back(source.problem(key, "", "missing: HTTPS needs it as well as " + other));
        else if (!readableFile(path, why))
            r.problems.push_back(source.problem(key, path, why));
    }
}

// The server starts without its browser interface when web.dir is missing,
// so this is worth a line but does not stop it.
void checkWebDir(const Source& source, CheckReport& r) {
    const std::string& dir = r.settings.webDir;
    if (dir.empty()) {
        r.checked.push_back("browser interface: none (web.dir is empty)");
        return;
    }
    bool folder = false;
    try {
        folder = Poco::File(dir).exists() && Poco::File(dir).isDirectory();
    } catch (const Poco::Exception&) {
    }
    if (folder) {
        r.checked.push_back("browser interface " + dir);
    } else {
        ConfigProblem p = source.problem("web.dir", dir, "no such folder: the browser interface is not served");
        p.stopsServer = false;
        r.problems.push_back(p);
    }
}

// The connection string may hold a password: the report names the engine
// and the pool, never the string.
void checkJobStore(const Source& source, CheckReport& r) {
    const Settings& s = r.settings;
    if (s.jobsStore != "postgresql") {
        r.checked.push_back("job store: SQLite " + s.dbPath());
        if (!s.jobsPostgresql.empty()) {
            ConfigProblem p = source.problem("jobs.postgresql", "(set)", "ignored: jobs.store is not postgresql");
            p.stopsServer = false;
            r.problems.push_back(p);
        }
        return;
    }
    if (s.jobsPostgresql.empty()) {
        r.problems.push_back(source.problem("jobs.postgresql", "", "missing: jobs.store is postgresql"));
        return;
    }
    r.checked.push_back("job store: PostgreSQL, " + std::to_string(s.jobsPostgresqlPool) + " connections");
}

// A part may not be larger than all parts together: every workbook with a
// part that large would be refused.
void checkImportLimits(const Source& source, CheckReport& r) {
    const Settings& s = r.settings;
    if (s.xlsxImportMaxPartBytes > s.xlsxImportMaxTotalBytes)
        r.problems.push_back(source.problem("xlsx.importMaxTotalBytes", std::to_string(s.xlsxImportMaxTotalBytes),
                                            "must be at least xlsx.importMaxPartBytes (" +
                                                std::to_string(s.xlsxImportMaxPartBytes) + ")"));
    else
        r.checked.push_back("workbook import: at most " + std::to_string(s.xlsxImportMaxParts) + " parts, " +
                            std::to_string(s.xlsxImportMaxTotalBytes) + " bytes inflated");
}

// Every check of what the settings name, in report order.
const Check kFileChecks[] = {checkDataDir, checkJobStore, checkTemplates,    checkPartners, checkOffices,
                             checkTokens,  checkFonts,    checkImportLimits, checkTls,      checkWebDir};

void runChecks(const Source& source, CheckReport& report) {
    for (Check check : kFileChecks) check(source, report);
}

}  // namespace

bool CheckReport::stopsServer() const {
    for (const auto& p : problems)
        if (p.stopsServer) return true;
    return false;
}

CheckReport checkConfig(const std::string& path, const std::vector<CommandLineSetting>& commandLine) {
    CheckReport report;
    Source source;
    if (!path.empty()) {
        // Without its file the settings are the defaults, whose files would
        // only add noise to the one problem that matters.
        std::string why;
        if (!readableFile(path, why)) {
            report.problems.push_back({path, 0, "", "", why});
            return report;
        }
        report.settings = readSettings(path, report.problems);
        source.file = path;
        source.lines = keyLines(path);
    }
    const std::string here = Poco::Path::current();
    for (const auto& c : commandLine) {
        source.options[c.key] = c.option;
        const std::string why = applySetting(report.settings, c.key, c.value, here);
        if (!why.empty()) report.problems.push_back({"", 0, c.option, c.value, why});
    }
    runChecks(source, report);
    return report;
}

}  // namespace config
