// Reply codes on every page of a document: a QR code (reply/page_code.h) in a
// strip along the left edge, with the reply reference printed under it, and
// on a sheet with a reply half (a page with a dashed cut line: sheets 3 and 4)
// a second code inside the reply half, so that the half alone, cut off and
// faxed back, still finds its job.
//
// Sheets fill their page to the margins, so the page's content is scaled down
// about its top-right corner (and centred in the height it frees) to leave
// the strip free. Sizes, from measured decode rates (tests/unit/inbound):
// modules of kCodeModuleMm survive a 204x98 dpi fax with skew, noise and
// dropped lines; the quiet zone is 4 modules on the sides that face the page
// edge and at least 2 modules towards the content. Pure; thread-safe.
#pragma once

#include <string>

#include "layout/document.h"
#include "layout/text_measurer.h"

namespace layout {

constexpr int kCodeModules = 21;         // a version 1 QR code
constexpr double kCodeModuleMm = 0.8;    // 16.8 mm of modules
constexpr double kCodeLeftMm = 6.0;      // the modules' left edge: the quiet zone reaches into the edge band

// The strip's right edge: where the scaled content begins.
double codeStripRightMm(double moduleMm = kCodeModuleMm);

// Adds the codes for reply reference `ref` (stored form) to every page of
// doc, which is document number `document` of its job (0 the fax cover).
// Pages are numbered from 1. Does nothing when ref is empty. Pages past
// reply::kMaxCodePage or a document past reply::kMaxCodeDocument get no code.
void addReplyCodes(Document& doc, const std::string& ref, int document, const TextMeasurer& measurer,
                   double moduleMm = kCodeModuleMm);

}  // namespace layout
