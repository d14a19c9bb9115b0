// Reading back a PDF this service (or a partner) produced, with PoDoFo.
// Stateless; thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace render {

// Number of pages. InvalidArgument when the bytes are not a readable PDF.
common::Result<int> pdfPageCount(const std::string& pdfBytes);

}  // namespace render
