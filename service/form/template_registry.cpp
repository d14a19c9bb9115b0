#include "form/template_registry.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

namespace form {
namespace {

// Cross-checks of one sheet against the cover; each problem names the file.
void checkAgainstCover(const SheetTemplate& sheet, const std::string& path, const SheetTemplate& cover,
                       std::vector<std::string>& problems) {
    const FieldSpec* documents = cover.field(kCoverDocumentsKey);
    if (!sheet.faxCover) {
        problems.push_back(path + ": faxCover: missing: say how the fax cover lists this sheet, e.g. "
                                  "\"faxCover\": {\"document\": \"" + cover.cover->otherDocument + "\", \"note\": \"" +
                           sheet.title + "\"}");
        return;
    }
    const FaxCoverEntry& entry = *sheet.faxCover;
    if (documents && !documents->option(entry.document)) {
        std::string values;
        for (const auto& o : documents->options) values += (values.empty() ? "" : ", ") + o.value;
        problems.push_back(path + ": faxCover.document: '" + entry.document + "' is not an option of the cover's " +
                           kCoverDocumentsKey + " (" + values + ")");
    }
    if (!entry.note.empty() && entry.document != cover.cover->otherDocument)
        problems.push_back(path + ": faxCover.note: a note goes with the document '" + cover.cover->otherDocument + "' only");
    for (const auto& key : cover.cover->fromDocument) {
        const FieldSpec* onCover = cover.field(key);
        if (onCover && onCover->required && !sheet.field(key))
            problems.push_back(path + ": fields: the fax cover copies '" + key +
                               "' (required there) from the first document, and this sheet has no such field");
    }
}

}  // namespace

common::Result<std::shared_ptr<const TemplateRegistry>> TemplateRegistry::load(const std::string& dir) {
    auto registry = std::make_shared<TemplateRegistry>();
    std::vector<std::string> problems;
    std::map<std::string, std::string> paths;  // id -> template.json
    try {
        for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
            if (!it->isDirectory()) continue;
            std::string path = Poco::Path(it->path()).append("template.json").toString();
            if (!Poco::File(path).exists()) continue;
            auto loaded = loadTemplate(path);
            if (!loaded) {
                if (loaded.status().code() != common::Status::Code::InvalidArgument) return loaded.status();
                problems.push_back(loaded.status().message());
                continue;
            }
            if (loaded->id != it.name()) {
                problems.push_back(path + ": id: '" + loaded->id + "' differs from its folder '" + it.name() + "'");
                continue;
            }
            paths[loaded->id] = path;
            registry->sheets_.emplace(loaded->id, std::move(loaded.value()));
        }
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("templates folder " + dir + ": " + e.displayText());
    }
    for (const auto& [id, sheet] : registry->sheets_) {
        if (!sheet.cover) continue;
        if (registry->cover_)
            problems.push_back(paths[id] + ": cover: a second fax cover; '" + registry->cover_->id + "' is one already");
        else
            registry->cover_ = &sheet;
    }
    if (registry->cover_)
        for (const auto& [id, sheet] : registry->sheets_)
            if (&sheet != registry->cover_) checkAgainstCover(sheet, paths[id], *registry->cover_, problems);
    if (!problems.empty()) {
        std::string message;
        for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
        return common::Status::invalidArgument(message);
    }
    if (registry->sheets_.empty()) return common::Status::notFound("no templates in " + dir);
    return std::shared_ptr<const TemplateRegistry>(registry);
}

const SheetTemplate* TemplateRegistry::find(const std::string& id) const {
    auto it = sheets_.find(id);
    return it == sheets_.end() ? nullptr : &it->second;
}

std::vector<const SheetTemplate*> TemplateRegistry::all() const {
    std::vector<const SheetTemplate*> out;
    for (const auto& [id, sheet] : sheets_) out.push_back(&sheet);
    return out;
}

}  // namespace form
