// Fuzz target: the template loader (templates/<id>/template.json) from JSON
// text. A template it accepts must also take a validation of empty fields.
#include <Poco/JSON/Object.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "form/sheet_template.h"
#include "form/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto sheet = form::parseTemplate(std::string(reinterpret_cast<const char*>(data), size), "fuzz/template.json");
    if (sheet) form::validateFields(sheet.value(), new Poco::JSON::Object);
    return 0;
}
