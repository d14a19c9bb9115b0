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
    TemplateRegistry() = default;
    TemplateRegistry(const TemplateRegistry&) = delete;  // cover_ points into sheets_
    TemplateRegistry& operator=(const TemplateRegistry&) = delete;

    // Loads every <dir>/<id>/template.json (parseTemplate: strictly). A
    // folder's id must match the template's id. At most one template is the
    // FAX送付状 (it has "cover"); when there is one, every other sheet must say
    // how the cover lists it ("faxCover": an option of the cover's documents,
    // a note only with its otherDocument) and must have each field the cover
    // copies from a document and requires (the sender). Returns every problem
    // of every template at once, one per line ("<file>: <JSON path>: <what>"),
    // as InvalidArgument (IOError for an unreadable file or folder): a broken
    // template stops the server at start, not at the first request.
    static common::Result<std::shared_ptr<const TemplateRegistry>> load(const std::string& dir);

    // nullptr when no sheet has this id.
    const SheetTemplate* find(const std::string& id) const;
    std::vector<const SheetTemplate*> all() const;  // ordered by id
    // The FAX送付状: the sheet with a "cover" block; nullptr when none is loaded.
    const SheetTemplate* cover() const { return cover_; }

private:
    std::map<std::string, SheetTemplate> sheets_;
    const SheetTemplate* cover_ = nullptr;  // points into sheets_
};

}  // namespace form
