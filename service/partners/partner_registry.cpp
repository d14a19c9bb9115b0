#include "partners/partner_registry.h"

namespace partners {

common::Status PartnerRegistry::reload(std::vector<LineProblem>& problems) {
    std::shared_ptr<const PartnerDirectory> loaded;
    if (path_.empty()) {
        loaded = PartnerDirectory::parse("id,kind,name,department,person,phone,fax,mask\n", problems).value();
    } else {
        auto result = PartnerDirectory::load(path_, problems);
        if (!result) return result.status();
        loaded = result.value();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = loaded;
    return common::Status::ok();
}

std::shared_ptr<const PartnerDirectory> PartnerRegistry::current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current_) {
        std::vector<LineProblem> ignored;
        return PartnerDirectory::parse("id,kind,name,department,person,phone,fax,mask\n", ignored).value();
    }
    return current_;
}

}  // namespace partners
