// PartnerDirectory: the coordination desks Renkei sends to (hospital 地域連携室,
// clinics, care offices), loaded from a CSV file in config/. The fax number
// of a fax job always comes from here, so a wrong number cannot be typed in
// by hand. Immutable once loaded; a reload builds a new directory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace partners {

enum class MaskMode { Default, None, Initials, Partial };

std::string maskName(MaskMode mode);
std::optional<MaskMode> parseMask(const std::string& name);  // "none", "initials", "partial", "" = Default

struct Partner {
    std::string id;          // [a-z0-9-], unique
    std::string kind;        // "hospital", "clinic", "care_office"
    std::string name;        // 医療機関名 / 事業所名
    std::string department;  // 地域連携室 等
    std::string person;      // ご担当者
    std::string phone;
    std::string fax;         // as written, e.g. 0166-00-1235
    MaskMode mask = MaskMode::Default;
};

// A line of the file that was refused; the other lines still load.
struct LineProblem {
    int line = 0;
    std::string message;
};

// Digits only ("0166001235") for a valid Japanese fixed or IP number: starts
// with 0, 10 or 11 digits once spaces, hyphens, brackets and full-width digits
// are normalised. nullopt for anything else.
std::optional<std::string> normalizeFaxNumber(const std::string& number);

class PartnerDirectory {
public:
    // Parses CSV text with the header "id,kind,name,department,person,phone,fax,mask".
    // Bad lines are reported in problems and left out. Fails only when the
    // header is wrong.
    static common::Result<std::shared_ptr<const PartnerDirectory>> parse(const std::string& csv,
                                                                          std::vector<LineProblem>& problems);
    static common::Result<std::shared_ptr<const PartnerDirectory>> load(const std::string& path,
                                                                         std::vector<LineProblem>& problems);

    const Partner* find(const std::string& id) const;
    // Partners whose name, department or id contains `text` (all when empty),
    // of `kind` when given, in file order.
    std::vector<const Partner*> search(const std::string& text, const std::string& kind) const;
    size_t size() const { return partners_.size(); }

private:
    std::vector<Partner> partners_;
};

}  // namespace partners
