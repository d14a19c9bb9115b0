#include "partners/partner_directory.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <regex>
#include <set>

#include "common/csv.h"
#include "common/utf8.h"

namespace partners {
namespace {

const char* kHeader = "id,kind,name,department,person,phone,fax,mask";

std::optional<std::string> checkPartner(const Partner& p) {
    static const std::regex kId("^[a-z0-9][a-z0-9-]{0,63}$");
    if (!std::regex_match(p.id, kId)) return "id must be lowercase letters, digits and hyphens";
    if (p.kind != "hospital" && p.kind != "clinic" && p.kind != "care_office")
        return "kind must be hospital, clinic or care_office";
    if (p.name.empty()) return "name is empty";
    for (const std::string* text : {&p.name, &p.department, &p.person})
        if (common::utf8Length(*text) < 0 || common::utf8Length(*text) > 60) return "a text column is not UTF-8 or longer than 60 characters";
    if (!p.fax.empty() && !normalizeFaxNumber(p.fax)) return "fax '" + p.fax + "' is not a Japanese number";
    if (!p.phone.empty() && !normalizeFaxNumber(p.phone)) return "phone '" + p.phone + "' is not a Japanese number";
    return std::nullopt;
}

}  // namespace

std::string maskName(MaskMode mode) {
    switch (mode) {
    case MaskMode::None: return "none";
    case MaskMode::Initials: return "initials";
    case MaskMode::Partial: return "partial";
    case MaskMode::Default: return "";
    }
    return "";
}

std::optional<MaskMode> parseMask(const std::string& name) {
    if (name.empty()) return MaskMode::Default;
    if (name == "none") return MaskMode::None;
    if (name == "initials") return MaskMode::Initials;
    if (name == "partial") return MaskMode::Partial;
    return std::nullopt;
}

std::optional<std::string> normalizeFaxNumber(const std::string& number) {
    auto cps = common::decodeUtf8(number);
    if (!cps) return std::nullopt;
    std::string digits;
    for (char32_t c : *cps) {
        if (c >= U'0' && c <= U'9') digits += static_cast<char>(c);
        else if (c >= U'０' && c <= U'９') digits += static_cast<char>('0' + (c - U'０'));
        else if (c == U'-' || c == U' ' || c == U'(' || c == U')' || c == U'－' || c == U'ー' || c == U'（' ||
                 c == U'）' || c == 0x3000 || c == U'‐')
            continue;
        else
            return std::nullopt;
    }
    if (digits.size() < 10 || digits.size() > 11 || digits[0] != '0') return std::nullopt;
    // 0X0 numbers of 11 digits are mobile or IP phones (050) and can't take a fax
    // except 050 IP lines; 10-digit numbers are fixed lines and toll-free lines.
    if (digits.size() == 11 && digits.compare(0, 3, "050") != 0) return std::nullopt;
    return digits;
}

common::Result<std::shared_ptr<const PartnerDirectory>> PartnerDirectory::parse(const std::string& csv,
                                                                                 std::vector<LineProblem>& problems) {
    auto dir = std::make_shared<PartnerDirectory>();
    std::set<std::string> ids;
    for (const common::CsvLine& line : common::readCsv(csv)) {
        const int lineNo = line.number;
        if (lineNo == 1) {
            if (line.text != kHeader)
                return common::Status::invalidArgument(std::string("partner directory: the first line must be ") + kHeader);
            continue;
        }
        if (line.blankOrComment()) continue;
        const auto& cols = line.fields;
        if (!cols || cols->size() != 8) {
            problems.push_back({lineNo, "expected 8 comma-separated columns"});
            continue;
        }
        Partner p{(*cols)[0], (*cols)[1], (*cols)[2], (*cols)[3], (*cols)[4], (*cols)[5], (*cols)[6]};
        auto mask = parseMask((*cols)[7]);
        if (!mask) {
            problems.push_back({lineNo, "mask must be none, initials, partial or empty"});
            continue;
        }
        p.mask = *mask;
        if (auto problem = checkPartner(p)) {
            problems.push_back({lineNo, *problem});
            continue;
        }
        if (!ids.insert(p.id).second) {
            problems.push_back({lineNo, "duplicate id '" + p.id + "'"});
            continue;
        }
        dir->partners_.push_back(std::move(p));
    }
    return std::shared_ptr<const PartnerDirectory>(dir);
}

common::Result<std::shared_ptr<const PartnerDirectory>> PartnerDirectory::load(const std::string& path,
                                                                                std::vector<LineProblem>& problems) {
    std::string csv;
    try {
        Poco::FileInputStream in(path);
        Poco::StreamCopier::copyToString(in, csv);
    } catch (const Poco::Exception& e) {
        return common::Status::ioError("partner directory " + path + ": " + e.displayText());
    }
    return parse(csv, problems);
}

const Partner* PartnerDirectory::find(const std::string& id) const {
    for (const auto& p : partners_)
        if (p.id == id) return &p;
    return nullptr;
}

std::vector<const Partner*> PartnerDirectory::search(const std::string& text, const std::string& kind) const {
    std::vector<const Partner*> out;
    for (const auto& p : partners_) {
        if (!kind.empty() && p.kind != kind) continue;
        if (!text.empty() && p.name.find(text) == std::string::npos && p.department.find(text) == std::string::npos &&
            p.id.find(text) == std::string::npos)
            continue;
        out.push_back(&p);
    }
    return out;
}

}  // namespace partners
