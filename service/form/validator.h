// Validation of submitted field values against a sheet template. Checks every
// field and returns every problem at once, each with its JSON path, a stable
// English code and a Japanese message. Pure; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "common/status.h"
#include "form/form_data.h"
#include "form/sheet_template.h"

namespace form {

// Checks `fields` (the request's "fields" object) against the template.
// pathPrefix is prepended to field names in errors ("fields" gives
// "fields.pt_name"). On success returns the values with derived fields added;
// otherwise InvalidArgument carrying one FieldError per problem.
// Strings are stored normalised: CRLF and CR as LF in mtext, tabs as spaces,
// combining marks composed with their base where Unicode has one character
// for both. A string of nothing but spaces counts as not filled in.
// Codes: unknown_field, read_only, required, wrong_type, too_long,
// invalid_utf8, invalid_characters (controls, noncharacters; the message
// names the code point), line_break (in a single-line field), invalid_date,
// invalid_time, invalid_datetime, out_of_range, invalid_option,
// duplicate_option, exclusive_option, note_without_option, invalid_phone,
// invalid_charset, wrong_digit_count, too_many_rows.
common::Result<FormData> validateFields(const SheetTemplate& sheet, const Poco::JSON::Object::Ptr& fields,
                                        const std::string& pathPrefix = "fields");

// The municipality (市区町村) at the start of a Japanese address, without the
// prefecture or 郡: "北海道旭川市7条通" -> "旭川市". "" when none is found.
std::string municipalityOf(const std::string& address);
// Every other character of each word replaced by ●: "旭川 太郎" -> "旭● 太●" (rules.md §4.1).
std::string partialMask(const std::string& name);
// Kana initials of a フリガナ "アサヒ タロウ" -> "ア・タ"; "" when empty.
std::string kanaInitials(const std::string& kana);

}  // namespace form
