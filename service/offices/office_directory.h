// OfficeDirectory: the care offices (居宅介護支援事業所) one server acts for,
// as tenants. Each office's profile signs its sheets and fax covers (the
// sender block), and its business calendar decides its billing evidence.
// Loaded from a CSV file in config/ (offices.file), reloaded on SIGHUP like
// the partner directory. Immutable once loaded; a reload builds a new one.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "evidence/business_calendar.h"
#include "partners/partner_directory.h"

namespace offices {

struct Office {
    std::string id;            // [a-z0-9-], unique; the office tokens are issued for
    std::string name;          // 事業所名
    std::string officeNumber;  // 介護保険事業所番号: 10 digits, or "" when not given
    std::string address;       // 事業所所在地
    std::string phone;         // as written, e.g. 0166-00-5678
    std::string fax;
    evidence::BusinessCalendar calendar;    // business days, hours, national holidays and closed days
    std::vector<std::string> careManagers;  // 介護支援専門員 who may sign; empty: any name
};

// The header of the file, in this order. business_days is a list of
// mon..sun separated by spaces or ';' (empty: Monday to Friday), with "hol"
// for an office open on national holidays too; open and close are HH:MM
// (empty: 09:00 and 18:00); closed_days lists the office's own closed days
// besides the national holidays (evidence::parseClosedDays: "12-29..01-03");
// care_managers is a ';' list of names.
inline constexpr const char* kOfficesHeader =
    "id,name,office_no,address,phone,fax,business_days,open,close,closed_days,care_managers";

class OfficeDirectory {
public:
    // Parses the CSV text. Bad lines are reported in problems (line, why) and
    // left out. Fails only when the header is wrong.
    static common::Result<std::shared_ptr<const OfficeDirectory>> parse(const std::string& csv,
                                                                         std::vector<partners::LineProblem>& problems);
    static common::Result<std::shared_ptr<const OfficeDirectory>> load(const std::string& path,
                                                                        std::vector<partners::LineProblem>& problems);

    const Office* find(const std::string& id) const;
    const std::vector<Office>& all() const { return offices_; }
    size_t size() const { return offices_.size(); }

private:
    std::vector<Office> offices_;
};

// The current directory, swapped whole on reload, so a request always sees
// one consistent directory. Thread-safe.
class OfficeRegistry {
public:
    explicit OfficeRegistry(std::string path) : path_(std::move(path)) {}

    // Reads the file again. On success the new directory replaces the old one
    // and problems lists the lines that were left out; on failure (no file,
    // bad header) the old directory stays and the Status says why.
    common::Status reload(std::vector<partners::LineProblem>& problems);
    // Never null: an empty directory before the first successful reload.
    std::shared_ptr<const OfficeDirectory> current() const;
    const std::string& path() const { return path_; }

private:
    const std::string path_;
    mutable std::mutex mutex_;
    std::shared_ptr<const OfficeDirectory> current_;  // guarded by mutex_
};

}  // namespace offices
