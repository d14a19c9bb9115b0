// PayloadGenerator: realistic, varied field values for any sheet, for the
// benchmark. It walks the template's field specs (so a new sheet needs no code
// here), starts from the sheet's sample.json when there is one, and varies it:
// Japanese names with matching kana, addresses in Asahikawa and the nine
// towns of 上川中部, phone numbers, dates shifted together, options, and free
// text of typical lengths. Every payload it returns passes validation.
// Benchmark code only. Immutable after construction; one instance per thread.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>

#include "common/status.h"
#include "form/sheet_template.h"

namespace bench {

class PayloadGenerator {
public:
    // sampleFields: the "fields" of the sheet's sample.json, or null when it
    // has none (values are then made up from the field specs alone).
    PayloadGenerator(const form::SheetTemplate& sheet, Poco::JSON::Object::Ptr sampleFields);

    // The fields of payload `index`: the same seed and index always give the
    // same payload. Returns Internal with the validation problems when no
    // valid payload could be made (a template this generator cannot satisfy).
    common::Result<Poco::JSON::Object::Ptr> generate(std::uint64_t seed, long long index) const;

private:
    const form::SheetTemplate& sheet_;
    Poco::JSON::Object::Ptr sample_;
};

// The "fields" object of templates/<sheetId>/sample.json under templatesDir;
// null (not an error) when the file does not exist. InvalidArgument when it
// exists but is not {"fields": {...}}.
common::Result<Poco::JSON::Object::Ptr> loadSampleFields(const std::string& templatesDir, const std::string& sheetId);

}  // namespace bench
