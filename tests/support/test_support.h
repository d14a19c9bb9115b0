// Helpers shared by the test binaries: temporary folders, running the poppler
// and unzip tools on rendered output, reading files. Test-only code.
#pragma once

#include <string>
#include <vector>

namespace testing_support {

// A fresh folder under $RENKEI_TEST_TMP (or /tmp), removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct CommandResult {
    int exitCode = -1;
    std::string output;  // stdout and stderr together
};

// Runs argv (no shell) and captures its output.
CommandResult run(const std::vector<std::string>& argv);

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& bytes);

// `pdftotext -layout file -` (or without -layout when raw is false).
std::string pdfText(const std::string& pdfPath, bool layout = false);
// s without ASCII white space and U+3000: pdftotext breaks lines where a box
// wrapped its text and prints spaces where the layout left gaps.
std::string stripSpace(const std::string& s);
// `pdffonts file`.
std::string pdfFonts(const std::string& pdfPath);
// Number of pages from `pdfinfo`.
int pdfPageCount(const std::string& pdfPath);
// One part of a zip (XLSX) file, via `unzip -p`.
std::string zipPart(const std::string& zipPath, const std::string& partName);
// Names of all parts in a zip file.
std::vector<std::string> zipParts(const std::string& zipPath);

// Path of a file in the source tree, e.g. sourcePath("templates/admission-info/sample.json").
std::string sourcePath(const std::string& relative);

}  // namespace testing_support
