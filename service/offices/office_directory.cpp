#include "offices/office_directory.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <regex>
#include <set>

#include "common/csv.h"
#include "common/utf8.h"

namespace offices {
namespace {

using partners::LineProblem;

const size_t kColumns = 11;
const size_t kMaxCareManagers = 100;

// "a; b ;c" -> {"a", "b", "c"}, empty items dropped.
std::vector<std::string> splitList(const std::string& text, const std::string& separators) {
    std::vector<std::string> out;
    std::string item;
    auto flush = [&] {
        std::string trimmed = evidence::trim(item);
        if (!trimmed.empty()) out.push_back(trimmed);
        item.clear();
    };
    for (char c : text) {
        if (separators.find(c) != std::string::npos)
            flush();
        else
            item += c;
    }
    flush();
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

bool textFits(const std::string& text, int maxChars) {
    const int length = common::utf8Length(text);
    return length >= 0 && length <= maxChars;
}

// The office of one line, or why it is refused.
common::Result<Office> officeOf(const std::vector<std::string>& cols) {
    static const std::regex kId("^[a-z0-9][a-z0-9-]{0,63}$");
    static const std::regex kOfficeNumber("^[0-9]{10}$");
    Office o;
    o.id = cols[0];
    o.name = cols[1];
    o.officeNumber = cols[2];
    o.address = cols[3];
    o.phone = cols[4];
    o.fax = cols[5];
    std::vector<std::string> problems;
    if (!std::regex_match(o.id, kId)) problems.push_back("id must be lowercase letters, digits and hyphens");
    if (o.name.empty() || !textFits(o.name, 40)) problems.push_back("name must be 1 to 40 characters of UTF-8");
    if (!o.officeNumber.empty() && !std::regex_match(o.officeNumber, kOfficeNumber))
        problems.push_back("office_no '" + o.officeNumber + "' is not a 10-digit 介護保険事業所番号");
    if (!textFits(o.address, 60)) problems.push_back("address must be at most 60 characters of UTF-8");
    if (!o.phone.empty() && !partners::normalizeFaxNumber(o.phone))
        problems.push_back("phone '" + o.phone + "' is not a Japanese number");
    if (!o.fax.empty() && !partners::normalizeFaxNumber(o.fax))
        problems.push_back("fax '" + o.fax + "' is not a Japanese number");
    std::vector<std::string> days = splitList(cols[6], " ;");
    // "hol": open on national holidays too.
    const auto hol = std::find(days.begin(), days.end(), "hol");
    const bool openOnHolidays = hol != days.end();
    if (openOnHolidays) days.erase(hol);
    auto calendar = evidence::parseBusinessCalendarConfig(days.empty() ? "mon,tue,wed,thu,fri" : joined(days),
                                                          cols[7].empty() ? "09:00" : cols[7],
                                                          cols[8].empty() ? "18:00" : cols[8],
                                                          joined(splitList(cols[9], " ;")));
    if (!calendar) {
        for (const auto& e : calendar.status().fieldErrors()) problems.push_back(e.field + ": " + e.message);
        if (calendar.status().fieldErrors().empty()) problems.push_back(calendar.status().message());
    } else {
        evidence::BusinessCalendarConfig config = calendar.value();
        config.nationalHolidays = !openOnHolidays;
        o.calendar = evidence::BusinessCalendar(config);
    }
    o.careManagers = splitList(cols[10], ";");
    if (o.careManagers.size() > kMaxCareManagers) problems.push_back("more than 100 care managers");
    for (const auto& name : o.careManagers)
        if (!textFits(name, 20)) problems.push_back("care manager '" + name + "' is longer than 20 characters");
    if (!problems.empty()) {
        std::string message;
        for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
        return common::Status::invalidArgument(message);
    }
    return o;
}

}  // namespace

common::Result<std::shared_ptr<const OfficeDirectory>> OfficeDirectory::parse(const std::string& csv,
                                                                               std::vector<LineProblem>& problems) {
    auto dir = std::make_shared<OfficeDirectory>();
    std::set<std::string> ids;
    for (const common::CsvLine& line : common::readCsv(csv)) {
        if (line.number == 1) {
            if (line.text != kOfficesHeader)
                return common::Status::invalidArgument(std::string("office registry: the first line must be ") +
                                                       kOfficesHeader);
            continue;
        }
        if (line.blankOrComment()) continue;
        if (!line.fields || line.fields->size() != kColumns) {
            problems.push_back({line.number, "expected 11 comma-separated columns"});
            continue;
        }
        auto office = officeOf(*line.fields);
        if (!office) {
            problems.push_back({line.number, office.status().message()});
            continue;
        }
        if (!ids.insert(office->id).second) {
            problems.push_back({line.number, "duplicate id '" + office->id + "'"});
            continue;
        }
        dir->offices_.push_back(std::move(office.value()));
    }
    return std::shared_ptr<const OfficeDirectory>(dir);
}

common::Result<std::shared_ptr<const OfficeDirectory>> OfficeDirectory::load(const std::string& path,
                                                                              std::vector<LineProblem>& problems) {
    std::string csv;
    try {
        Poco::FileInputStream in(path);
        Poco::StreamCopier::copyToString(in, csv);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("office registry " + path + ": " + e.displayText());
    }
    return parse(csv, problems);
}

const Office* OfficeDirectory::find(const std::string& id) const {
    for (const auto& o : offices_)
        if (o.id == id) return &o;
    return nullptr;
}

common::Status OfficeRegistry::reload(std::vector<LineProblem>& problems) {
    auto loaded = OfficeDirectory::load(path_, problems);
    if (!loaded) return loaded.status();
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = loaded.value();
    return common::Status::ok();
}

std::shared_ptr<const OfficeDirectory> OfficeRegistry::current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_) return current_;
    static const std::shared_ptr<const OfficeDirectory> kEmpty = std::make_shared<const OfficeDirectory>();
    return kEmpty;
}

}  // namespace offices
