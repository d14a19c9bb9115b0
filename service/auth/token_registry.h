// Access tokens: each is tied to one office (an id of the office registry)
// and one role. The configuration holds only SHA-256 hashes of the tokens,
// never the tokens themselves. A TokenRegistry is immutable once loaded; a
// TokenFile holds the current one and swaps it on reload (SIGHUP).
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace auth {

enum class Role { Submitter, Admin };

std::string roleName(Role role);
std::optional<Role> parseRole(const std::string& name);

struct Principal {
    std::string name;    // the token's label in the file, for the audit trail
    std::string office;  // id of the office in the office registry
    Role role = Role::Submitter;
    std::string tokenSha256;  // the token's hash (not the token): a web session checks it is still active
};

struct TokenLine {
    int line = 0;
    std::string message;
};

class TokenRegistry {
public:
    // Tells whether an office id exists; an empty function accepts any.
    using OfficeCheck = std::function<bool(const std::string&)>;

    // Parses the tokens file: CSV with the header "name,office,role,sha256,status",
    // status "active" or "revoked". Bad lines are reported and left out, and
    // so is a token of an office that officeExists does not know.
    static common::Result<std::shared_ptr<const TokenRegistry>> parse(const std::string& csv,
                                                                      std::vector<TokenLine>& problems,
                                                                      const OfficeCheck& officeExists = {});
    static common::Result<std::shared_ptr<const TokenRegistry>> load(const std::string& path,
                                                                     std::vector<TokenLine>& problems,
                                                                     const OfficeCheck& officeExists = {});

    // The principal of an active token; nullopt for an unknown, revoked or
    // malformed one. Compares hashes in constant time.
    std::optional<Principal> verify(const std::string& token) const;
    // True while the token with this hash is listed and active.
    bool isActive(const std::string& tokenSha256) const;
    size_t size() const { return entries_.size(); }

private:
    struct Entry {
        Principal principal;
        std::string sha256;
        bool active = true;
    };
    std::vector<Entry> entries_;
};

// The tokens file (auth.tokensFile) as currently loaded. Without a path it
// holds no tokens.
class TokenFile {
public:
    TokenFile(std::string path, TokenRegistry::OfficeCheck officeExists)
        : path_(std::move(path)), officeExists_(std::move(officeExists)) {}

    // Reads the file again. On success the new tokens replace the old ones
    // from the next request on (a revoked token is refused) and problems
    // lists the lines left out; on failure the old tokens stay.
    common::Status reload(std::vector<TokenLine>& problems);
    // Never null.
    std::shared_ptr<const TokenRegistry> current() const;
    const std::string& path() const { return path_; }

private:
    const std::string path_;
    const TokenRegistry::OfficeCheck officeExists_;
    mutable std::mutex mutex_;
    std::shared_ptr<const TokenRegistry> current_;  // guarded by mutex_
};

// A new random token (256 bits, "rk_" + base64url) and its file line.
struct NewToken {
    std::string token;
    std::string line;  // name,office,role,sha256,active
};
NewToken newToken(const std::string& name, const std::string& office, Role role);

}  // namespace auth
