// The line the care manager pastes into the support-progress record (支援経過記録, 第5表
// 居宅介護支援経過) as evidence that a sheet was sent (rules.md §2.1), for example
// 「令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、
// 15時20分 電話にて受信確認(○○様)」. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "evidence/billing_rules.h"
#include "form/wareki.h"

namespace evidence {

// The call (or other contact) in which the recipient confirmed that the sheet arrived.
struct ReceiptConfirmation {
    form::DateTime at;    // Japan time; not before the sending
    std::string person;   // who confirmed, without 様; optional
    SendMethod method = SendMethod::Phone;
};

struct ProgressRecordEntry {
    form::DateTime sentAt;             // Japan time
    std::string recipientInstitution;  // required
    std::string recipientDepartment;   // optional; skipped when empty
    std::string recipientPerson;       // optional; printed with 様
    std::string sheetTitle;            // required, e.g. 入院時情報提供シート
    SendMethod sendMethod = SendMethod::Fax;
    std::optional<int> pageCount;      // printed as (全N枚); at least 1
    std::optional<ReceiptConfirmation> confirmation;
};

// Builds the line with 和暦 dates and 24-hour times. The confirmation repeats the date only
// when it falls on another day than the sending. Returns InvalidArgument listing every bad
// field ("recipient_institution", "sheet_title", "page_count", "confirmation.at").
common::Result<std::string> progressRecordLine(const ProgressRecordEntry& entry);

}  // namespace evidence
