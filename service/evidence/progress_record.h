// The line the care manager pastes into the support-progress record (支援経過記録, 第5表
// 居宅介護支援経過) as evidence that a sheet was sent (rules.md §2.1), for example
// 「令和7年4月1日 15時10分 ○○病院 地域連携室 ○○様へ入院時情報提供シートをFAX送信(全3枚)、
// 15時20分 電話にて受信確認(○○様)」. A sending that was cancelled or failed gets a line that
// says so (「…へ入院時情報提供シートのFAX送信を取消」, 「…のFAX送信失敗(話中)」), never 「FAX送信」.
// Pure functions; thread-safe.
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

// What became of the sending the line records.
enum class SendOutcome {
    Done,       // it reached the recipient: 「…をFAX送信(全3枚)」
    Cancelled,  // withdrawn before it went out: 「…のFAX送信を取消」
    Failed,     // the fax or the printer reported failure: 「…のFAX送信失敗」
};

struct ProgressRecordEntry {
    // Japan time: of the sending; for Cancelled of the cancellation, for Failed of the failure.
    form::DateTime sentAt;
    std::string recipientInstitution;  // required
    std::string recipientDepartment;   // optional; skipped when empty
    std::string recipientPerson;       // optional; printed with 様
    std::string sheetTitle;            // required, e.g. 入院時情報提供シート
    SendMethod sendMethod = SendMethod::Fax;
    std::optional<int> pageCount;      // printed as (全N枚); at least 1
    std::optional<ReceiptConfirmation> confirmation;  // the first one recorded; Done only
    // A later confirmation, mentioned after the first as 「、15時40分 再度電話にて受信確認(…様)」.
    std::optional<ReceiptConfirmation> laterConfirmation;
    // The first reply received back by fax for the sending (issue 18), mentioned last as
    // 「、16時05分 主治医より返信受信」 (replyFrom "主治医"; empty: 「返信受信」). Done only; not
    // before the sending, and the date is repeated when it falls on another day than the
    // sending (or, when there is one, than the last confirmation mentioned).
    std::optional<form::DateTime> replyReceivedAt;
    std::string replyFrom;
    SendOutcome outcome = SendOutcome::Done;
    // Failed only: why, in Japanese (「話中」); printed in parentheses when given.
    std::string failureReason;
};

// Builds the line with 和暦 dates and 24-hour times. The confirmation repeats the date only
// when it falls on another day than the sending (the later one: than the first). Cancelled
// and Failed lines carry no page count and no confirmation. Returns InvalidArgument listing
// every bad field ("recipient_institution", "sheet_title", "page_count", "confirmation.at",
// "later_confirmation.at", "reply_received_at").
common::Result<std::string> progressRecordLine(const ProgressRecordEntry& entry);

}  // namespace evidence
