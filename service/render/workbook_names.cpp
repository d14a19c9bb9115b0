#include "render/workbook_names.h"

#include <regex>

namespace render {
namespace {

std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Excel rejects a defined name that it could read as a reference: A1 style
// ("tel1", "abc12") or R1C1 style ("r", "c", "rc", "r1c1", "r2", "c3").
bool looksLikeReference(const std::string& name) {
    static const std::regex kA1(R"(^[a-z]{1,3}[0-9]+$)");
    static const std::regex kR1C1(R"(^(r[0-9]*(c[0-9]*)?|c[0-9]*)$)");
    std::string lower = asciiLower(name);
    return std::regex_match(lower, kA1) || std::regex_match(lower, kR1C1);
}

}  // namespace

std::string definedNameFor(const std::string& key) {
    std::string name = key;
    for (char& c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        if (!ok) c = '_';
    }
    bool badStart = name.empty() || name[0] == '.' || (name[0] >= '0' && name[0] <= '9');
    if (badStart || looksLikeReference(name)) name.insert(name.begin(), '_');
    return name;
}

std::string continuedNameFor(const std::string& definedName) { return definedName + "._cont"; }

std::string copyNameFor(const std::string& definedName, int n) { return definedName + "._" + std::to_string(n); }

}  // namespace render
