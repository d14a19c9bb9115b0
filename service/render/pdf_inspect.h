// Reading back a PDF this service (or a partner) produced, with PoDoFo.
// Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace render {

// Number of pages. InvalidArgument when the bytes are not a readable PDF
// (or an encrypted one, which a fax gateway could not print either).
common::Result<int> pdfPageCount(const std::string& pdfBytes);

// Appends the pages of each of `extras` (partner PDFs, e.g. care-plan
// tables) after the pages of `base`, in order, and returns the new file.
// InvalidArgument naming the extra that cannot be read.
common::Result<std::string> appendPdfs(const std::string& base, const std::vector<std::string>& extras);

}  // namespace render
