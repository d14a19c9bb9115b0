#include "form/template_registry.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

namespace form {

common::Result<std::shared_ptr<const TemplateRegistry>> TemplateRegistry::load(const std::string& dir) {
    auto registry = std::make_shared<TemplateRegistry>();
    try {
        for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
            if (!it->isDirectory()) continue;
            std::string path = Poco::Path(it->path()).append("template.json").toString();
            if (!Poco::File(path).exists()) continue;
            auto loaded = loadTemplate(path);
            if (!loaded) return loaded.status();
            if (loaded->id != it.name())
                return common::Status::invalidArgument(path + ": id '" + loaded->id + "' differs from its folder");
            registry->sheets_.emplace(loaded->id, std::move(loaded.value()));
        }
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("templates folder " + dir + ": " + e.displayText());
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
