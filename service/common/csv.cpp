#include "common/csv.h"

#include <sstream>

namespace common {
namespace {

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r");
    const size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::optional<std::vector<std::string>> splitFields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"' && out.back().empty()) {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    if (quoted) return std::nullopt;
    for (auto& field : out) field = trim(field);
    return out;
}

}  // namespace

std::vector<CsvLine> readCsv(const std::string& text) {
    std::vector<CsvLine> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        CsvLine out;
        out.number = static_cast<int>(lines.size()) + 1;
        if (out.number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);  // Excel's BOM
        out.text = trim(line);
        out.fields = splitFields(out.text);
        lines.push_back(std::move(out));
    }
    return lines;
}

std::string csvField(const std::string& value) {
    if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace common
