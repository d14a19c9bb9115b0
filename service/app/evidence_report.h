// Billing evidence of one job: which add-on tier its sending supports
// (入院時情報連携加算 for admission sheets, 退院・退所加算 for discharge
// sheets), and the line for the support-progress record (支援経過記録 第5表).
// Decision support only: the care manager decides what is billed.
// Pure functions over a stored job and its events; thread-safe.
//
// Evidence comes from what happened, never from what the sheet says. The time
// the information reached the recipient is, in this order:
//   1. for a fax, the gateway's confirmed send time (its result's finishedAt;
//      when that is missing or impossible, the time the server recorded the
//      result, which is later than the real one, with a warning);
//   2. for a printed sheet, the first recorded hand delivery or mailing
//      (POST /api/v1/jobs/{id}/delivered);
//   3. otherwise none: status "pending" with a reason, and no add-on.
// The sheet's own sent_at and send_method are shown (sheetSentAt,
// sheetSendMethod) but never used. A cancelled or failed job supports no
// add-on, and its 第5表 line says so (「…のFAX送信を取消」, 「…のFAX送信失敗」).
//
// The discharge add-on is earned by the interviews in which the care manager
// received the information (the sheet's interviews[]), not by sending the
// sheet, so its evidence time is the date of the latest interview that counts.
// The item belongs to that month: the tier depends on all the counted
// interviews, so it is complete, and claimable, only once the last of them has
// happened. A cancelled or failed discharge job still supports nothing (it is
// usually sent again as a new job, which would otherwise be counted twice).
//
// The month of an item is the month of its evidence time; an item without one
// (pending, cancelled, failed) belongs to the month the job was created.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "app/delivery_records.h"
#include "evidence/business_calendar.h"
#include "form/template_registry.h"
#include "jobs/job.h"

namespace app {

// The jobs the month report reads (index jobs_by_created / jobs_by_office, and
// jobs_by_sheet for the discharge sheets): every job created from
// kLookBehindDays before the month to the month's end, and the discharge
// sheets created up to kLookAheadDays after it. An evidence time is never
// before the job's creation (the delivered route refuses it, and a gateway
// time before it is not trusted), so only discharge sheets (written after
// their interviews) can be created after their month. An item is missed only
// when a printed sheet is handed over, or a discharge sheet written, more than
// about three months later, long past the claim for that month (due on the
// 10th of the next), or when a discharge sheet is not the first document of
// its job and the job was created after the month.
struct EvidenceWindow {
    static constexpr int kLookBehindDays = 93;
    static constexpr int kLookAheadDays = 93;
    long long fromUs = 0;      // every job with created_at_us >= fromUs ...
    long long monthEndUs = 0;  // ... and < monthEndUs (the next month's start)
    long long toUs = 0;        // discharge sheets also up to created_at_us < toUs
};
// The window for the month that starts on monthStart (day 1).
EvidenceWindow evidenceWindowFor(const form::Date& monthStart);
// The sheet id whose jobs the window reads after the month's end.
inline constexpr const char* kDischargeSheetId = "discharge-liaison";

// The evidence object of a job (keys in this order; codes in English with
// Japanese labels beside them):
//   status        "sent" (fax confirmed), "delivered" (a delivered record),
//                 "recorded" (discharge interviews), "pending", "cancelled", "failed"
//   statusLabel   送信済, 送付済(手渡し), 記録済(面談), 未送付, 送信未確認, 面談記録なし, 取消,
//                 送信失敗, 印刷失敗
//   reason        {code, message} unless there is evidence
//   providedAt    ISO time (date for discharge interviews) the information was provided
//   basis, basisLabel   "fax_gateway", "delivered_record", "discharge_interviews"
//   month, monthBasis   "YYYY-MM" of the item; "provided" or "created"
//   document      {index, sheet, title, href[, faxHref]}: the frozen copy to open
//   recipient     東光しらかば記念病院 地域医療連携室 北野 美咲様 (never a partner id)
//   sheetSentAt, sheetSendMethod, sheetSendMethodLabel   as written on the sheet, not evidence
//   delivered     the delivered record that counts, if any
//   receipts      every receipt confirmation, oldest first
//   replies       every reply received back by fax (issue 18): {receivedAt, sender}, as attached
//   addOn         admission and discharge sheets: {kind, tier, label, units, ..., reason}
//   progressRecord   the 第5表 line, when there is something to record
//   warnings      [{code, message}]
Poco::JSON::Object::Ptr evidenceOf(const jobs::Job& job, const JobHistory& history,
                                   const form::TemplateRegistry& templates, const evidence::BusinessCalendar& calendar);

// Japanese label of a job state (受付, 送信待ち, 送信済, 取消, ...).
std::string jobStateLabel(const jobs::Job& job);

// The month's rows as CSV: UTF-8 with a BOM so that Excel opens it right.
// Each row is a month report row: {id, patientRef, evidence, ...}.
std::string evidenceCsv(const Poco::JSON::Array::Ptr& rows);

}  // namespace app
