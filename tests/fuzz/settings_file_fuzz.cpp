// Fuzz target: the settings file (config/renkei.properties, --config) through
// config::readSettings and config::checkConfig, which also reads every file
// the settings name (partner directory, office registry, tokens file,
// templates, fonts, TLS files, web folder). Each input is written to
// <scratch>/config/renkei.properties, beside copies of the source tree's
// config/*.csv and one template, so the relative paths of config/ resolve as
// they do in a checkout. Test-only code.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config_check.h"
#include "config/settings.h"

namespace fs = std::filesystem;

namespace {

// A scratch tree for this process, removed at exit (libFuzzer ends with exit()).
class Scratch {
public:
    Scratch() {
        std::string pattern = (fs::temp_directory_path() / "renkei-settings-fuzz-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            std::perror("settings_file_fuzz: mkdtemp");
            std::abort();
        }
        root_ = pattern;
        const fs::path source = RENKEI_SOURCE_DIR;
        fs::create_directories(root_ / "config");
        fs::create_directories(root_ / "web");
        for (const char* file : {"partners.csv", "offices.csv", "tokens.example.csv"})
            fs::copy_file(source / "config" / file, root_ / "config" / file);
        // One small sheet: checkConfig loads every template on each input.
        fs::create_directories(root_ / "templates/fax-cover");
        fs::copy_file(source / "templates/fax-cover/template.json", root_ / "templates/fax-cover/template.json");
        file_ = (root_ / "config/renkei.properties").string();
    }
    ~Scratch() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    const std::string& file() const { return file_; }

private:
    fs::path root_;
    std::string file_;
};

// A path a settings key names may be anything the operator writes; the
// check then opens or lists it. /dev/zero or /dev/stdin would read forever,
// which is the operator's own doing and not what this target looks for.
bool namesSpecialFiles(const config::Settings& s) {
    for (const std::string* path : {&s.dataDir, &s.templatesDir, &s.primaryFont, &s.fallbackFont, &s.tokensFile,
                                    &s.tlsCertificateFile, &s.tlsPrivateKeyFile, &s.partnersFile, &s.officesFile,
                                    &s.webDir}) {
        if (path->empty()) continue;
        std::error_code error;
        const std::string real = fs::weakly_canonical(*path, error).string();
        if (error) return true;
        for (const char* special : {"/dev", "/proc", "/sys", "/run"}) {
            const std::size_t n = std::char_traits<char>::length(special);
            if (real.compare(0, n, special) == 0 && (real.size() == n || real[n] == '/')) return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Scratch scratch;
    {
        std::ofstream out(scratch.file(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    std::vector<config::ConfigProblem> problems;
    const config::Settings settings = config::readSettings(scratch.file(), problems);
    if (namesSpecialFiles(settings)) return 0;
    const config::CheckReport report = config::checkConfig(scratch.file());
    // A problem of the file names one of its lines (getline's count).
    const long lines = static_cast<long>(std::count(data, data + size, '\n')) + 1;
    for (const config::ConfigProblem& p : report.problems) {
        if (p.file == scratch.file() && p.line > lines) __builtin_trap();
        p.toString();
    }
    report.stopsServer();
    return 0;
}
