// TemplateRegistry: every sheet template under one folder, loaded once at
// start (templates/<id>/template.json). Immutable afterwards; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "form/sheet_template.h"

namespace form {

class TemplateRegistry {
public:
    // Loads every <dir>/<id>/template.json. A folder's id must match the
    // template's id. Returns the first problem as InvalidArgument/IOError:
    // a broken template stops the server at start, not at the first request.
    static common::Result<std::shared_ptr<const TemplateRegistry>> load(const std::string& dir);

    // nullptr when no sheet has this id.
    const SheetTemplate* find(const std::string& id) const;
    std::vector<const SheetTemplate*> all() const;  // ordered by id

private:
    std::map<std::string, SheetTemplate> sheets_;
};

}  // namespace form
