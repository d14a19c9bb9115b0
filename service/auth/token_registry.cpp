#include "auth/token_registry.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/RandomStream.h>
#include <Poco/StreamCopier.h>

#include <regex>

#include "common/csv.h"
#include "common/ids.h"

namespace auth {
namespace {

const char* kHeader = "name,office,role,sha256,status";

bool equalConstantTime(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

std::string roleName(Role role) { return role == Role::Admin ? "admin" : "submitter"; }

std::optional<Role> parseRole(const std::string& name) {
    if (name == "submitter") return Role::Submitter;
    if (name == "admin") return Role::Admin;
    return std::nullopt;
}

common::Result<std::shared_ptr<const TokenRegistry>> TokenRegistry::parse(const std::string& csv,
                                                                           std::vector<TokenLine>& problems,
                                                                           const OfficeCheck& officeExists) {
    static const std::regex kSha("^[0-9a-f]{64}$");
    static const std::regex kName("^[A-Za-z0-9._-]{1,64}$");
    auto registry = std::make_shared<TokenRegistry>();
    for (const common::CsvLine& line : common::readCsv(csv)) {
        const int lineNo = line.number;
        if (lineNo == 1) {
            if (line.text.rfind(kHeader, 0) != 0)
                return common::Status::invalidArgument(std::string("tokens file: the first line must be ") + kHeader);
            continue;
        }
        if (line.blankOrComment()) continue;
        if (!line.fields || line.fields->size() != 5) {
            problems.push_back({lineNo, "expected 5 columns"});
            continue;
        }
        const std::vector<std::string>& cols = *line.fields;
        Entry e;
        e.principal.name = cols[0];
        e.principal.office = cols[1];
        auto role = parseRole(cols[2]);
        e.sha256 = cols[3];
        if (!std::regex_match(e.principal.name, kName)) {
            problems.push_back({lineNo, "name must be letters, digits, . _ -"});
            continue;
        }
        if (!role) {
            problems.push_back({lineNo, "role must be submitter or admin"});
            continue;
        }
        e.principal.role = *role;
        if (!std::regex_match(e.sha256, kSha)) {
            problems.push_back({lineNo, "sha256 must be 64 lowercase hex digits (the hash, never the token)"});
            continue;
        }
        if (cols[4] != "active" && cols[4] != "revoked") {
            problems.push_back({lineNo, "status must be active or revoked"});
            continue;
        }
        e.active = cols[4] == "active";
        if (officeExists && !officeExists(e.principal.office)) {
            problems.push_back({lineNo, "office '" + e.principal.office + "' is not in the office registry"});
            continue;
        }
        e.principal.tokenSha256 = e.sha256;
        registry->entries_.push_back(std::move(e));
    }
    return std::shared_ptr<const TokenRegistry>(registry);
}

common::Result<std::shared_ptr<const TokenRegistry>> TokenRegistry::load(const std::string& path,
                                                                          std::vector<TokenLine>& problems,
                                                                          const OfficeCheck& officeExists) {
    std::string csv;
    try {
        Poco::FileInputStream in(path);
        Poco::StreamCopier::copyToString(in, csv);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("tokens file " + path + ": " + e.displayText());
    }
    return parse(csv, problems, officeExists);
}

std::optional<Principal> TokenRegistry::verify(const std::string& token) const {
    if (token.size() < 16 || token.size() > 256) return std::nullopt;
    const std::string hash = common::sha256Hex(token);
    std::optional<Principal> found;
    for (const auto& e : entries_)  // no early exit: the time does not tell which entry matched
        if (equalConstantTime(e.sha256, hash) && e.active) found = e.principal;
    return found;
}

bool TokenRegistry::isActive(const std::string& tokenSha256) const {
    bool active = false;
    for (const auto& e : entries_)
        if (equalConstantTime(e.sha256, tokenSha256) && e.active) active = true;
    return active;
}

common::Status TokenFile::reload(std::vector<TokenLine>& problems) {
    auto loaded = path_.empty() ? TokenRegistry::parse(std::string(kHeader) + "\n", problems)
                                : TokenRegistry::load(path_, problems, officeExists_);
    if (!loaded) return loaded.status();
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = loaded.value();
    return common::Status::ok();
}

std::shared_ptr<const TokenRegistry> TokenFile::current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_) return current_;
    static const std::shared_ptr<const TokenRegistry> kNone = std::make_shared<const TokenRegistry>();
    return kNone;
}

NewToken newToken(const std::string& name, const std::string& office, Role role) {
    unsigned char bytes[32];
    Poco::RandomInputStream().read(reinterpret_cast<char*>(bytes), sizeof bytes);
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string token = "rk_";
    unsigned bits = 0, value = 0;
    for (unsigned char b : bytes) {
        value = (value << 8) | b;
        bits += 8;
        while (bits >= 6) {
            token += kAlphabet[(value >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits > 0) token += kAlphabet[(value << (6 - bits)) & 63];
    return {token, name + "," + office + "," + roleName(role) + "," + common::sha256Hex(token) + ",active"};
}

}  // namespace auth
