// Received PDF faxes rasterized with poppler's C++ API, each page at a fax
// resolution, anti-aliasing off (as a fax machine prints). Thread-safe:
// poppler objects are made per call.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "inbound/bitmap.h"

namespace inbound {

// Every page of the PDF at xDpi x yDpi. InvalidArgument with a reason (in
// English, for the inbox) for a file poppler cannot read, a locked one, no
// pages, or one past the limits (pages, page size, pixels).
common::Result<std::vector<Bitmap>> rasterizePdf(const std::string& bytes, double xDpi, double yDpi,
                                                 const RasterLimits& limits);

}  // namespace inbound
