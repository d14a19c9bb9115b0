// PartnerRegistry: the current partner directory, swapped whole on reload
// (SIGHUP), so a request always sees one consistent directory. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "partners/partner_directory.h"

namespace partners {

class PartnerRegistry {
public:
    explicit PartnerRegistry(std::string path) : path_(std::move(path)) {}

    // Reads the file again. On success the new directory replaces the old one
    // and problems lists the lines that were left out; on failure (no file,
    // bad header) the old directory stays and the Status says why.
    common::Status reload(std::vector<LineProblem>& problems);
    std::shared_ptr<const PartnerDirectory> current() const;
    const std::string& path() const { return path_; }

private:
    const std::string path_;
    mutable std::mutex mutex_;
    std::shared_ptr<const PartnerDirectory> current_;  // guarded by mutex_
};

}  // namespace partners
