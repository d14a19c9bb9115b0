// ConfigCheck: every problem of a configuration at once: its keys and values
// (settings.h) and the files it names: the partner directory, the tokens
// file, the templates, the fonts, the TLS files. `renkei check-config` prints
// the report; the server runs the same check at start and refuses to start,
// printing every problem, when one of them would stop it. Reads files only,
// changes nothing; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "config/settings.h"

namespace config {

struct CheckReport {
    // The settings as read: the defaults, the valid keys of the file, then the
    // command line. Only meaningful for starting a server when !stopsServer().
    Settings settings;
    // Every problem, in the order checked: the file's keys in file order, then
    // the command line, then each named file.
    std::vector<ConfigProblem> problems;
    // One line for each file checked and found good, e.g.
    // "partner directory /etc/renkei/partners.csv: 12 partners".
    std::vector<std::string> checked;

    bool ok() const { return problems.empty(); }
    // True when a problem would stop the server (see ConfigProblem::stopsServer).
    bool stopsServer() const;
};

// A setting given on the command line, e.g. {"--data", "data.dir", "var"}:
// it wins over the file, and its problems name the option. A relative path
// is taken from the working folder.
struct CommandLineSetting {
    std::string option;
    std::string key;
    std::string value;
};

// Reads path ("" = the embedded defaults only), applies the command line,
// then checks every file the settings name. When the file cannot be read
// that is the only problem: the files of the defaults are not checked. Each
// check of a named file is one function in config_check.cpp, listed in
// kFileChecks; a new file setting adds one.
CheckReport checkConfig(const std::string& path, const std::vector<CommandLineSetting>& commandLine = {});

}  // namespace config
