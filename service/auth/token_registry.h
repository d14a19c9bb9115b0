// Access tokens: each is tied to one office (a partner id) and one role.
// The configuration holds only SHA-256 hashes of the tokens, never the tokens
// themselves. Immutable once loaded; thread-safe.
#pragma once

#include <memory>
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
    std::string office;  // partner id of the office
    Role role = Role::Submitter;
};

struct TokenLine {
    int line = 0;
    std::string message;
};

class TokenRegistry {
public:
    // Parses the tokens file: CSV with the header "name,office,role,sha256,status",
    // status "active" or "revoked". Bad lines are reported and left out.
    static common::Result<std::shared_ptr<const TokenRegistry>> parse(const std::string& csv,
                                                                      std::vector<TokenLine>& problems);
    static common::Result<std::shared_ptr<const TokenRegistry>> load(const std::string& path,
                                                                     std::vector<TokenLine>& problems);

    // The principal of an active token; nullopt for an unknown, revoked or
    // malformed one. Compares hashes in constant time.
    std::optional<Principal> verify(const std::string& token) const;
    size_t size() const { return entries_.size(); }

private:
    struct Entry {
        Principal principal;
        std::string sha256;
        bool active = true;
    };
    std::vector<Entry> entries_;
};

// A new random token (256 bits, "rk_" + base64url) and its file line.
struct NewToken {
    std::string token;
    std::string line;  // name,office,role,sha256,active
};
NewToken newToken(const std::string& name, const std::string& office, Role role);

}  // namespace auth
