#include "test_support.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/UUIDGenerator.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace testing_support {

TempDir::TempDir() {
    const char* base = std::getenv("RENKEI_TEST_TMP");
    std::string root = base && *base ? base : "/tmp";
    Poco::File(root).createDirectories();
    path_ = root + "/renkei-test-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    Poco::File(path_).createDirectories();
}

TempDir::~TempDir() {
    try {
        Poco::File(path_).remove(true);
    } catch (...) {
    }
}

CommandResult run(const std::vector<std::string>& argv) {
    if (argv.empty()) throw std::invalid_argument("run: empty argv");
    Poco::Process::Args args(argv.begin() + 1, argv.end());
    Poco::Pipe out;
    CommandResult result;
    Poco::ProcessHandle handle = Poco::Process::launch(argv[0], args, nullptr, &out, &out);
    Poco::PipeInputStream in(out);
    Poco::StreamCopier::copyToString(in, result.output);
    result.exitCode = handle.wait();
    return result;
}

std::string readFile(const std::string& path) {
    Poco::FileInputStream in(path, std::ios::binary);
    std::string bytes;
    Poco::StreamCopier::copyToString(in, bytes);
    return bytes;
}

void writeFile(const std::string& path, const std::string& bytes) {
    Poco::FileOutputStream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string pdfText(const std::string& pdfPath, bool layout) {
    std::vector<std::string> argv = {"/usr/bin/pdftotext"};
    if (layout) argv.push_back("-layout");
    argv.push_back(pdfPath);
    argv.push_back("-");
    return run(argv).output;
}

std::string stripSpace(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\f') out += c;
    std::string::size_type at;
    while ((at = out.find("\u3000")) != std::string::npos) out.erase(at, 3);
    return out;
}

std::string pdfFonts(const std::string& pdfPath) { return run({"/usr/bin/pdffonts", pdfPath}).output; }

int pdfPageCount(const std::string& pdfPath) {
    std::string info = run({"/usr/bin/pdfinfo", pdfPath}).output;
    std::smatch m;
    if (std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)"))) return std::stoi(m[1]);
    return -1;
}

std::string zipPart(const std::string& zipPath, const std::string& partName) {
    return run({"/usr/bin/unzip", "-p", zipPath, partName}).output;
}

std::vector<std::string> zipParts(const std::string& zipPath) {
    std::string listing = run({"/usr/bin/unzip", "-Z1", zipPath}).output;
    std::vector<std::string> parts;
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) parts.push_back(line);
    return parts;
}

std::string sourcePath(const std::string& relative) { return std::string(RENKEI_SOURCE_DIR) + "/" + relative; }

}  // namespace testing_support
