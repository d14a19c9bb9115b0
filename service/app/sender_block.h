// The sender block (差出人欄: 事業所名, 事業所番号, 所在地, 電話, FAX, 担当ケアマネジャー)
// of every sheet and of the fax cover comes from the submitting office's
// profile in the office registry, so a submission cannot sign as another
// office. A sender field may be left out (it is filled in) or given with the
// registered value; any other value is refused. The care manager must be one
// the office lists (when it lists any); the only one is filled in. Pure
// functions; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include "common/status.h"
#include "form/sheet_template.h"
#include "form/template_registry.h"
#include "offices/office_directory.h"

namespace app {

// A copy of one document's fields with the sender fields that `sheet`
// declares filled from `office`. InvalidArgument with one FieldError per
// refused field ("<pathPrefix>sender_fax": sender_mismatch, or
// sender_cm_name: unknown_care_manager). Fields that are not a JSON object
// are returned as they are, for the validator to report.
common::Result<Poco::JSON::Object::Ptr> withSenderFields(const Poco::JSON::Object::Ptr& fields,
                                                         const form::SheetTemplate& sheet,
                                                         const offices::Office& office, const std::string& pathPrefix);

// The same for a job request body ({"sheet", "fields"} or {"documents": [...]}):
// a copy with every document's sender fields filled, or every refusal at
// once ("fields.sender_fax", "documents[1].fields.sender_office_name").
// Documents of unknown sheets and malformed shapes are left for
// parseJobRequest to report.
common::Result<Poco::JSON::Object::Ptr> withSenderBlock(const Poco::JSON::Object::Ptr& body,
                                                        const form::TemplateRegistry& templates,
                                                        const offices::Office& office);

// Sets the fax cover's sender fields (事業所名, 所在地, TEL, FAX) from the profile,
// keeping the care manager the cover already has.
void setCoverSender(Poco::JSON::Object& coverFields, const offices::Office& office);

}  // namespace app
