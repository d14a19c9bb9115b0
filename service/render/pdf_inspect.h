// Reading PDFs with PoDoFo: the service's own output, and attachments from
// outside (partner PDFs, care-plan tables), which are checked before PoDoFo
// parses them so that no file can crash the server (issue 21).
// Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace render {

// What a PDF from outside may cost. PoDoFo 0.9 recurses once per nested array
// or dictionary and overflows the stack on a few ten thousand levels, inflates
// object streams whole, and follows the page tree wherever it points; these
// bound all three far above what a care plan or a scanned letter needs.
struct PdfLimits {
    // Bytes in the file: 20 MiB. The request body limit (limits.maxBodyBytes,
    // 1 MiB by default) usually stops a larger attachment first.
    long long maxBytes = 20LL << 20;
    // Bytes the check inflates from object and xref streams: 20 MiB.
    long long maxInflatedBytes = 20LL << 20;
    // Indirect objects, counting those inside object streams: 100,000.
    int maxObjects = 100000;
    // Arrays and dictionaries inside one another, and page-tree levels: 64.
    int maxNesting = 64;
};

// Checks a PDF from outside the service and returns its page count (at least
// 1). `name` is the attachment's name, used in messages; maxPages is the job's
// page limit (limits.pagesPerJob, 60 by default).
// Before PoDoFo parses anything, the bytes are checked against `limits`: a
// lexical scan of every place PoDoFo may start parsing an object (wherever
// "obj" or "trailer" occurs, and each object in an object stream) measures the
// nesting depth. After parsing, the page tree is walked with a visited set:
// every /Kids must be an array of references to page or page-tree dictionaries,
// no node may be reached twice, and each /Count must match.
// Returns InvalidArgument whose message (English) names the attachment and
// whose single FieldError has an empty field, for the caller to fill in, a
// stable code and a Japanese message for the care worker:
//   "invalid_pdf"      not a PDF, damaged, encrypted, or a broken page tree
//   "pdf_too_large"    more than limits.maxBytes
//   "pdf_too_complex"  too many objects, too deep, or too much to inflate
//   "too_many_pages"   more than maxPages pages
common::Result<int> inspectAttachment(const std::string& name, const std::string& pdfBytes, int maxPages,
                                      const PdfLimits& limits = PdfLimits());

// Number of pages of a PDF the service made (a frozen copy). Checked like an
// attachment for nesting and the page tree, without the size, object and page
// limits. InvalidArgument when the bytes are not a readable PDF (or an
// encrypted one, which a fax gateway could not print either).
common::Result<int> pdfPageCount(const std::string& pdfBytes);

// Appends the pages of each of `extras` (partner PDFs, e.g. care-plan
// tables) after the pages of `base`, in order, and returns the new file.
// Each extra is checked like an attachment (PdfLimits(), no page limit)
// before it is parsed. InvalidArgument naming the extra that cannot be read.
common::Result<std::string> appendPdfs(const std::string& base, const std::vector<std::string>& extras);

}  // namespace render
