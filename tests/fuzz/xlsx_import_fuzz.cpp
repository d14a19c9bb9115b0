// Fuzz target: the workbook import (issue 17) on an .xlsx as a user sends it
// back: Poco Zip and SAX under the reader's limits, then the admission
// sheet's entry cells and the validator. The template is loaded once.
#include <cstddef>
#include <cstdint>
#include <string>

#include "form/template_registry.h"
#include "xlsx_import/sheet_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto registry = form::TemplateRegistry::load(RENKEI_SOURCE_DIR "/templates").value();
    static const form::SheetTemplate* sheet = registry->find("admission-info");
    auto imported = xlsx_import::importWorkbook(*sheet, std::string(reinterpret_cast<const char*>(data), size));
    if (imported) xlsx_import::toFieldErrors(imported->problems);
    return 0;
}
