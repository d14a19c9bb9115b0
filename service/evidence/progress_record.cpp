#include "evidence/progress_record.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace evidence {
namespace {

using common::FieldError;
using common::Status;


bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Names are stored without the honorific; one typed with it keeps a single 様.
std::string withSama(const std::string& name) { return endsWith(name, "様") ? name : name + "様"; }

bool before(const form::DateTime& a, const form::DateTime& b) {
    if (!(a.date == b.date)) return a.date < b.date;
    return a.time.hour * 60 + a.time.minute < b.time.hour * 60 + b.time.minute;
}

// What was done with the sheet, after 「<title>」. Phone and video carry the content, not the
// paper, hence 「の内容を…伝達」.
std::string sendPhrase(SendMethod method) {
    switch (method) {
        case SendMethod::Fax: return "をFAX送信";
        case SendMethod::Mail: return "を郵送";
        case SendMethod::InPerson: return "を持参(面談)";
        case SendMethod::Email: return "を電子メールで送信";
        case SendMethod::Print: return "を印刷し送付";
        case SendMethod::Phone: return "の内容を電話で伝達";
        case SendMethod::Video: return "の内容をテレビ電話等で伝達";
        case SendMethod::Other: return "を送付";
    }
    throw std::logic_error("unknown SendMethod");
}

// What happened instead, for a sending that did not reach the recipient.
std::string notDonePhrase(SendMethod method, SendOutcome outcome) {
    const bool cancelled = outcome == SendOutcome::Cancelled;
    switch (method) {
        case SendMethod::Fax: return cancelled ? "のFAX送信を取消" : "のFAX送信失敗";
        case SendMethod::Print: return cancelled ? "の印刷を取消" : "の印刷失敗";
        case SendMethod::Email: return cancelled ? "の電子メール送信を取消" : "の電子メール送信失敗";
        case SendMethod::Mail: return cancelled ? "の郵送を取消" : "の郵送失敗";
        case SendMethod::InPerson:
        case SendMethod::Phone:
        case SendMethod::Video:
        case SendMethod::Other: return cancelled ? "の送付を取消" : "の送付失敗";
    }
    throw std::logic_error("unknown SendMethod");
}

std::string confirmationPhrase(SendMethod method) {
    switch (method) {
        case SendMethod::Phone: return "電話にて受信確認";
        case SendMethod::Fax: return "FAXにて受信確認";
        case SendMethod::Email: return "電子メールにて受信確認";
        case SendMethod::InPerson: return "面談にて受信確認";
        case SendMethod::Video: return "テレビ電話等にて受信確認";
        case SendMethod::Mail: return "郵便にて受信確認";
        case SendMethod::Other:
        case SendMethod::Print: return "受信確認";
    }
    throw std::logic_error("unknown SendMethod");
}

std::vector<FieldError> problemsOf(const ProgressRecordEntry& e) {
    std::vector<FieldError> errors;
    if (trim(e.recipientInstitution).empty())
        errors.push_back({"recipient_institution", "required", "送付先の医療機関名を入力してください。"});
    if (trim(e.sheetTitle).empty()) errors.push_back({"sheet_title", "required", "送付した帳票名がありません。"});
    if (e.pageCount && *e.pageCount < 1)
        errors.push_back({"page_count", "out_of_range", "枚数は1枚以上で入力してください。"});
    if (e.confirmation && before(e.confirmation->at, e.sentAt))
        errors.push_back({"confirmation.at", "before_sent", "受信確認の日時が送付日時より前になっています。"});
    if (e.laterConfirmation && (!e.confirmation || before(e.laterConfirmation->at, e.confirmation->at)))
        errors.push_back({"later_confirmation.at", "before_first",
                          "2回目以降の受信確認が最初の受信確認より前になっています。"});
    if (e.replyReceivedAt && before(*e.replyReceivedAt, e.sentAt))
        errors.push_back({"reply_received_at", "before_sent", "返信受信の日時が送付日時より前になっています。"});
    return errors;
}

}  // namespace

common::Result<std::string> progressRecordLine(const ProgressRecordEntry& entry) {
    std::vector<FieldError> errors = problemsOf(entry);
    if (!errors.empty()) return Status::invalidArgument("progress record line: invalid entry", errors);

    std::string line = form::formatWarekiDateTime(entry.sentAt) + " " + trim(entry.recipientInstitution);
    if (!trim(entry.recipientDepartment).empty()) line += " " + trim(entry.recipientDepartment);
    if (!trim(entry.recipientPerson).empty()) line += " " + withSama(trim(entry.recipientPerson));
    line += "へ" + trim(entry.sheetTitle);
    if (entry.outcome != SendOutcome::Done) {
        line += notDonePhrase(entry.sendMethod, entry.outcome);
        if (entry.outcome == SendOutcome::Failed && !trim(entry.failureReason).empty())
            line += "(" + trim(entry.failureReason) + ")";
        return line;
    }
    line += sendPhrase(entry.sendMethod);
    if (entry.pageCount) line += "(全" + std::to_string(*entry.pageCount) + "枚)";

    auto confirmed = [&line](const ReceiptConfirmation& c, const form::Date& previous, const char* again) {
        line += "、";
        if (!(c.at.date == previous)) line += form::formatWareki(c.at.date) + " ";
        line += form::formatTime(c.at.time) + " " + again + confirmationPhrase(c.method);
        if (!trim(c.person).empty()) line += "(" + withSama(trim(c.person)) + ")";
    };
    if (entry.confirmation) confirmed(*entry.confirmation, entry.sentAt.date, "");
    if (entry.confirmation && entry.laterConfirmation)
        confirmed(*entry.laterConfirmation, entry.confirmation->at.date, "再度");
    if (entry.replyReceivedAt) {
        const form::Date& previous = entry.confirmation && entry.laterConfirmation ? entry.laterConfirmation->at.date
                                     : entry.confirmation                          ? entry.confirmation->at.date
                                                                                   : entry.sentAt.date;
        line += "、";
        if (!(entry.replyReceivedAt->date == previous)) line += form::formatWareki(entry.replyReceivedAt->date) + " ";
        line += form::formatTime(entry.replyReceivedAt->time) + " ";
        if (!trim(entry.replyFrom).empty()) line += trim(entry.replyFrom) + "より";
        line += "返信受信";
    }
    return line;
}

}  // namespace evidence
