// The received pages as Renkei keeps them: a PDF with one 1-bit image per
// page (gray below 128 is black), each page the size the image has at its
// resolution, Flate-compressed. Received PDFs and TIFFs are both kept this
// way, as the fax-resolution images that were read, so a reply stored from
// a TIFF and one from a PDF look the same. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "inbound/bitmap.h"

namespace inbound {

// The PDF; pages must not be empty and each must have pixels.
std::string pagesToPdf(const std::vector<Bitmap>& pages);

}  // namespace inbound
