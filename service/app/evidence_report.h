// Billing evidence of one job: which add-on tier its sending supports
// (入院時情報連携加算 for admission sheets, 退院・退所加算 for discharge
// sheets), and the line for the support-progress record (支援経過記録 第5表).
// Decision support only: the care manager decides what is billed.
// Pure functions over a stored job; thread-safe.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "evidence/business_calendar.h"
#include "form/template_registry.h"
#include "jobs/job.h"

namespace app {

// The evidence object of a job: {"addOn": {...}, "progressRecord": "...",
// "warnings": [...]}. Fields that need a sent time are left out until the
// job has one: the gateway's report for a fax, else the sheet's sent_at.
Poco::JSON::Object::Ptr evidenceOf(const jobs::Job& job, const form::TemplateRegistry& templates,
                                   const evidence::BusinessCalendar& calendar);

// The month's rows as CSV: UTF-8 with a BOM so that Excel opens it right.
std::string evidenceCsv(const Poco::JSON::Array::Ptr& rows);

}  // namespace app
