// Faxes made the way a fax line makes them, for the inbound tests: a page
// rasterized finely (inbound::rasterizePdf at 400 dpi) is scanned again at a
// fax resolution, 1 bit, with a seeded degradation (skew, speckle noise,
// dropped scan lines, stretched pixels), and written as a G3 or G4 TIFF (one
// page per directory, the fax resolution in its tags) or as a PDF of 1-bit
// images. The same seed gives the same fax.
#pragma once

#include <string>
#include <vector>

#include "inbound/bitmap.h"

namespace testing_support {

struct FaxLine {
    double xDpi = 204;
    double yDpi = 98;             // 98 standard, 196 fine
    double maxSkewDeg = 2;        // skew drawn in [-max, max] ...
    double minSkewDeg = 0;        // ... at least this far from 0 (a page photocopied at an angle)
    double speckle = 0.002;       // share of pixels flipped
    int maxDroppedLines = 4;      // scan lines lost, drawn in [0, max]
    double maxStretch = 0.02;     // horizontal pixel stretch drawn in [1 - max, 1 + max]
};

// What the seed drew, for messages.
struct FaxDraw {
    double skewDeg = 0;
    double stretch = 1;
    int droppedLines = 0;
};

// The page as it arrives over the line. source: any resolution, ideally >= 300 dpi.
inbound::Bitmap faxPage(const inbound::Bitmap& source, const FaxLine& line, unsigned seed, FaxDraw* drawn = nullptr);

// Rows [fromMm, toMm) of a page (a reply half cut off), as a page of its own:
// the cut paper lies on the scanner glass padMm below the top of a white page
// of the original's height, so a skewed scan does not lose its edge.
inbound::Bitmap cutRows(const inbound::Bitmap& page, double fromMm, double toMm, double padMm = 8);

enum class TiffCompression { G3, G4 };
// A multi-page bilevel TIFF (threshold 128), MINISWHITE, with each page's resolution.
std::string writeFaxTiff(const std::vector<inbound::Bitmap>& pages, TiffCompression compression);
// A PDF with one 1-bit image per page, each page the size the image has at its resolution.
std::string writeFaxPdf(const std::vector<inbound::Bitmap>& pages);

}  // namespace testing_support
