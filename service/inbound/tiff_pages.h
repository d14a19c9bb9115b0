// Received TIFF faxes (one page per directory, CCITT G3/G4 as fax servers
// write them, or any other compression libtiff reads) read with libtiff from
// memory. Each page keeps its own resolution: 204x98 (standard) or 204x196
// (fine) dpi; one that names none is taken as fine unless it is wider than
// tall (a standard A4 page is 1728 x about 1140 pixels). Thread-safe: libtiff
// state is per call; its messages are silenced once for the process.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "inbound/bitmap.h"

namespace inbound {

// Every page. InvalidArgument with a reason (English, for the inbox) for a
// file libtiff cannot read or one past the limits (pages, pixels, page size).
common::Result<std::vector<Bitmap>> readTiff(const std::string& bytes, const RasterLimits& limits);

}  // namespace inbound
