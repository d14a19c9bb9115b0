// Builds the layout model of one filled sheet: places every template cell on
// the page, formats field values as the sheet prints them (和暦 dates, ■/□
// check boxes), fits text to its box and moves what cannot fit to 別紙
// continuation pages. Pure: no I/O. Thread-safe.
#pragma once

#include <string>

#include "form/form_data.h"
#include "form/sheet_template.h"
#include "layout/document.h"
#include "layout/name_mask.h"
#include "layout/text_measurer.h"

namespace layout {

struct BuildOptions {
    std::string documentId;  // 32 hex digits, from the job
    std::string createdIso;  // from the job, ISO 8601 with offset
    double continuationFontSizePt = 10.5;
    // Not None: a fax rendering. Cells with a "masked" member print their
    // stand-in, and the patient's name (pt_name, pt_kana) is masked wherever
    // it occurs in an entry cell, 別紙 included (NameMask). Labels are the
    // template's own text and stay as they are.
    MaskMode mask = MaskMode::None;
    // More names masked the same way: the fax path gives every document of the
    // fax, and the cover (which holds no patient fields) the documents' names.
    std::vector<PersonName> maskNames;
    // Issue 18: the job's reply reference (stored form). When set, every page
    // carries its reply code (layout/reply_codes.h) for document number
    // codeDocument of the job (0 the fax cover), and a reply_ref field prints
    // it. Empty: no codes, and reply_ref prints "R" and the document id's first
    // ten digits (jobs accepted before issue 18).
    std::string replyRef;
    int codeDocument = 0;
    // A blank master (the blank workbook): every page, those printed only
    // when a field has a value (onlyWhen) included.
    bool everyPage = false;
    // For the workbook: cells get the parts the workbook shows them as
    // (Cell::sheetParts). Off for a PDF, which never reads them.
    bool sheetParts = false;
};

// The patient's name and kana as the sheet's data holds them (pt_name, pt_kana).
PersonName patientName(const form::FormData& data);

Document buildDocument(const form::SheetTemplate& sheet, const form::FormData& data, const TextMeasurer& measurer,
                       const BuildOptions& options);

// The text a field cell prints in the PDF and the value it holds in the XLSX.
struct CellContent {
    std::string printed;
    std::string value;
    std::vector<std::string> choices;
    bool numeric = false;
    ValueKind kind = ValueKind::Text;
    std::string dateFormat;
    std::string before, after;  // the cell's prefix and suffix, kept out of value
};
CellContent formatCell(const form::CellSpec& cell, const form::FieldSpec& field, const form::FormData& data);

}  // namespace layout
