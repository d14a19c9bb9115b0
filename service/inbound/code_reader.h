// Finds the reply codes (reply/page_code.h) on a received page: the image is
// stretched to square pixels (a standard fax's 98 dpi rows are repeated),
// binarized, and scanned with zbar for QR codes; only payloads that pass
// decodePageCode() count, so a foreign QR code or a damaged one is ignored.
// When nothing is found the page is scanned again, plain and after a 3x3
// median, a growing and a shrinking filter (speckle, thinned or run-together
// modules).
// Thread-safe: a scanner per call.
#pragma once

#include <vector>

#include "inbound/bitmap.h"
#include "reply/page_code.h"

namespace inbound {

// The page at square pixels of the image's horizontal resolution (or the
// vertical one, when that is higher), thresholded to black and white.
Bitmap squareAndBinarize(const Bitmap& page);

// The valid reply codes on the page, each once, in the order zbar found them.
std::vector<reply::PageCode> readCodes(const Bitmap& page);

}  // namespace inbound
