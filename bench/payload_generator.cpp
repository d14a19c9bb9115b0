#include "payload_generator.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "common/utf8.h"
#include "form/validator.h"
#include "form/wareki.h"

namespace bench {
namespace {

using common::Status;
using form::FieldSpec;
using form::FieldType;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// ---- Word lists (fictitious people and places; addresses are real areas) ----

struct Reading {
    const char* kanji;
    const char* kana;
};

const Reading kFamilyNames[] = {
    {"佐藤", "サトウ"},   {"高橋", "タカハシ"}, {"髙橋", "タカハシ"}, {"田中", "タナカ"},   {"伊藤", "イトウ"},
    {"渡辺", "ワタナベ"}, {"渡邉", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"},
    {"加藤", "カトウ"},   {"吉田", "ヨシダ"},   {"山田", "ヤマダ"},   {"佐々木", "ササキ"}, {"齋藤", "サイトウ"},
    {"松本", "マツモト"}, {"菅原", "スガワラ"}, {"工藤", "クドウ"},   {"阿部", "アベ"},     {"三浦", "ミウラ"},
    {"千葉", "チバ"},     {"村上", "ムラカミ"}, {"成田", "ナリタ"},   {"北村", "キタムラ"}, {"西田", "ニシダ"},
    {"雪原", "ユキハラ"}, {"春野", "ハルノ"},   {"森田", "モリタ"},   {"大久保", "オオクボ"}, {"長谷川", "ハセガワ"},
};

const Reading kMaleNames[] = {
    {"正夫", "マサオ"}, {"一郎", "イチロウ"}, {"清", "キヨシ"},   {"勇", "イサム"},   {"茂", "シゲル"},
    {"博", "ヒロシ"},   {"実", "ミノル"},     {"武", "タケシ"},   {"和夫", "カズオ"}, {"昭二", "ショウジ"},
    {"健一", "ケンイチ"}, {"誠", "マコト"},   {"修", "オサム"},   {"隆", "タカシ"},   {"義男", "ヨシオ"},
};

const Reading kFemaleNames[] = {
    {"和子", "カズコ"}, {"幸子", "サチコ"},   {"節子", "セツコ"}, {"恵子", "ケイコ"}, {"美智子", "ミチコ"},
    {"京子", "キョウコ"}, {"洋子", "ヨウコ"}, {"久子", "ヒサコ"}, {"ハル", "ハル"},   {"トシ子", "トシコ"},
    {"静江", "シズエ"}, {"千代", "チヨ"},     {"美咲", "ミサキ"}, {"陽子", "ヨウコ"}, {"ミツ", "ミツ"},
};

const char* const kFemaleRelations[] = {"妻", "長女", "次女", "長男の妻", "姪", "妹"};
const char* const kMaleRelations[] = {"夫", "長男", "次男", "長女の夫", "甥", "弟"};

// A place: municipality as written in an address, a block pattern ({a} {b}
// numbers), the first digits of its postal codes and its phone area code.
struct Place {
    const char* municipality;
    const char* block;
    const char* postal;
    const char* areaCode;
};

const Place kPlaces[] = {
    {"旭川市", "末広{a}条{b}丁目", "071-8", "0166"},      {"旭川市", "東光{a}条{b}丁目", "078-8", "0166"},
    {"旭川市", "豊岡{a}条{b}丁目", "078-8", "0166"},      {"旭川市", "永山{a}条{b}丁目", "079-8", "0166"},
    {"旭川市", "春光{a}条{b}丁目", "070-0", "0166"},      {"旭川市", "神楽岡{a}条{b}丁目", "078-8", "0166"},
    {"旭川市", "旭町{a}条{b}丁目", "070-0", "0166"},      {"旭川市", "川端町{a}条{b}丁目", "070-0", "0166"},
    {"旭川市", "忠和{a}条{b}丁目", "070-8", "0166"},      {"旭川市", "宮下通{b}丁目", "070-0", "0166"},
    {"上川郡鷹栖町", "北野東{a}条{b}丁目", "071-12", "0166"}, {"上川郡東神楽町", "ひじり野北{a}条{b}丁目", "071-15", "0166"},
    {"上川郡当麻町", "{a}条東{b}丁目", "078-13", "0166"},  {"上川郡比布町", "北{a}線{b}号", "078-03", "0166"},
    {"上川郡愛別町", "字本町", "078-14", "01658"},          {"上川郡上川町", "南町", "078-17", "01658"},
    {"上川郡東川町", "北町{b}丁目", "071-14", "0166"},      {"上川郡美瑛町", "本町{b}丁目", "071-02", "0166"},
    {"雨竜郡幌加内町", "字幌加内", "074-04", "0165"},
};

const char* const kBuildings[] = {"コーポ北彩", "はるにれハイツ", "ななかまど荘", "グランドメゾン神楽", "サンライズ永山"};

const char* const kHospitals[] = {
    "旭川はるにれ病院", "東光しらかば記念病院", "神楽岡やまなみ病院", "永山ななかまど病院", "春光台こぶし病院",
    "豊岡つつじ記念病院", "忠和すずらん病院", "大雪やまなみ総合病院",
};

const char* const kClinics[] = {
    "東光やまなみ内科クリニック", "末広すずらん内科クリニック", "東川まちなか診療所", "美瑛おかの上クリニック",
    "鷹栖きたの内科医院", "永山こぶし整形外科クリニック",
};

const char* const kDepartments[] = {"地域医療連携室", "医療相談室", "患者支援センター", "入退院支援室", "地域連携課",
                                    "医事課"};

const char* const kOffices[] = {
    "居宅介護支援事業所 はるにれの丘", "ケアプランセンター ななかまど", "指定居宅介護支援事業所 こぶし",
    "居宅介護支援センター すずらん", "ケアプランサービス 大雪", "東神楽町居宅介護支援事業所 ひじり野",
};

// Sentences of the kind care managers write in free-text boxes.
const char* const kSentences[] = {
    "自宅内は伝い歩きで移動している。",
    "夜間のトイレ移動時にふらつきがあり、転倒歴がある。",
    "食事は自力摂取できるが、むせ込みが時々みられる。",
    "入浴は週2回、通所介護で介助を受けている。",
    "長女が週末に訪問し、買い物と通院の付き添いをしている。",
    "物忘れが目立ち、服薬の飲み忘れが増えている。",
    "本人は自宅での生活継続を強く希望している。",
    "冬期は除雪が必要で、外出の機会が減る。",
    "訪問看護を週1回利用し、血圧と体調の確認をしている。",
    "退院後は福祉用具の見直しと住宅改修を検討したい。",
    "家族は介護負担の増加を心配している。",
    "糖尿病のため食事は塩分と糖分を控えている。",
    "右膝の痛みがあり、長い距離の歩行は難しい。",
    "日中はテレビを見て過ごすことが多い。",
    "近所の友人との交流があり、地域のサロンに月1回参加している。",
    "ベッドからの起き上がりは手すりを使えば可能。",
    "排泄は概ね自立しているが、夜間は失禁がある。",
    "金銭管理は長男が行っている。",
    "難聴があり、大きな声でゆっくり話すと理解できる。",
    "退院前カンファレンスへの参加を希望します。",
    "緊急時は長男の携帯電話へ連絡をお願いします。",
    "嚥下機能の低下があり、とろみ剤を使用している。",
    "妻も要支援の認定を受けており、老老介護の状態である。",
    "ショートステイを月に1週間程度利用している。",
    "インスリンは朝1回、訪問看護師の見守りで自己注射している。",
    "室内は段差が多く、玄関に手すりを設置済み。",
};

// Short remarks for the small bracket notes beside an option.
const char* const kShortNotes[] = {
    "長男夫婦と同居予定", "夜間2〜3回覚醒", "仙骨部に発赤", "家族と相談中", "詳細は別紙参照", "週末のみ長女が来訪",
    "主治医に確認済み", "退院前に確認予定", "本人の希望による", "要相談",
};

template <typename T, std::size_t N>
constexpr std::size_t countOf(const T (&)[N]) {
    return N;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

bool endsWith(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::size_t utf8Length(const std::string& text) {
    auto decoded = common::decodeUtf8(text);
    return decoded ? decoded->size() : text.size();
}

// The first `count` characters of UTF-8 text.
std::string utf8Prefix(const std::string& text, std::size_t count) {
    auto decoded = common::decodeUtf8(text);
    if (!decoded || decoded->size() <= count) return text;
    return common::encodeUtf8(decoded->substr(0, count));
}

// ---- Dates (days since 1970-01-01, proleptic Gregorian; H. Hinnant) --------


std::string civilFromDays(long long z) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
    char out[32];
    std::snprintf(out, sizeof out, "%04lld-%02u-%02u", y, m, d);
    return out;
}

long long daysOf(const std::string& isoDate, long long fallback) {
    auto date = form::parseIsoDate(isoDate.substr(0, 10));
    if (!date) return fallback;
    return form::daysSinceEpoch(*date);
}

// The day the sample sheets are written around, when a sheet has no sample date.
const long long kBaseDay = form::daysSinceEpoch(form::Date{2025, 11, 20});

// ---- One payload ------------------------------------------------------------

struct Person {
    const Reading* family;
    const Reading* given;
    bool female;
    std::string name() const { return std::string(family->kanji) + " " + given->kanji; }
    std::string kana() const { return std::string(family->kana) + "　" + given->kana; }
};

// Builds the fields of one payload. People and places are chosen per key
// prefix ("pt_name", "pt_kana", "pt_address" share "pt"), so a name matches its
// kana and a postal code its address.
class Builder {
public:
    Builder(const form::SheetTemplate& sheet, const Object::Ptr& sample, std::uint64_t seed)
        : sheet_(sheet), sample_(sample), rng_(seed) {
        dayShift_ = uniform(-540, 180);
        birthShift_ = uniform(-3650, 3650);
    }

    Object::Ptr build() {
        for (const FieldSpec& f : sheet_.fields) {
            if (f.type == FieldType::Derived) continue;
            if (f.isNote) {
                // A note goes with its option; most care managers fill it in.
                if (noteOwnerChosen(f.key) && chance(0.85)) values_[f.key] = value(f);
                continue;
            }
            const bool inSample = sample_ && sample_->has(f.key) && !sample_->get(f.key).isEmpty();
            bool include = f.required || (inSample ? chance(0.9) : chance(0.25));
            if (include) values_[f.key] = value(f);
        }
        matchSexToNames();
        return ordered();
    }

    // Fixes what validation rejected: fills fields that turned out required,
    // drops notes whose option is not chosen and values out of bounds.
    // Returns false when there was nothing it knows how to fix.
    bool repair(const std::vector<common::FieldError>& errors) {
        bool changed = false;
        for (const auto& error : errors) {
            std::string key = error.field.rfind("fields.", 0) == 0 ? error.field.substr(7) : error.field;
            key = key.substr(0, key.find_first_of(".["));
            const FieldSpec* f = sheet_.field(key);
            if (!f) continue;
            if (error.code == "required") {
                values_[key] = value(*f);
            } else if (f->required) {
                values_[key] = value(*f);
            } else {
                values_.erase(key);
            }
            changed = true;
        }
        return changed;
    }

    Object::Ptr ordered() const {
        Object::Ptr fields = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const FieldSpec& f : sheet_.fields) {
            auto it = values_.find(f.key);
            if (it != values_.end()) fields->set(f.key, it->second);
        }
        return fields;
    }

private:
    long long uniform(long long min, long long max) { return std::uniform_int_distribution<long long>(min, max)(rng_); }
    double real(double min, double max) { return std::uniform_real_distribution<double>(min, max)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
    template <typename T, std::size_t N>
    const T& pick(const T (&list)[N]) {
        return list[uniform(0, N - 1)];
    }

    Var sampleValue(const FieldSpec& f) const {
        if (!sample_ || !sample_->has(f.key)) return Var();
        return sample_->get(f.key);
    }

    std::string sampleText(const FieldSpec& f) const {
        Var v = sampleValue(f);
        return v.isString() ? v.extract<std::string>() : std::string();
    }

    // The sender block is the submitting office's profile, which the server
    // checks (a different office name is a 422): it keeps the sample's
    // office, the default office of a server without tokens.
    Var value(const FieldSpec& f) {
        const Var sample = sampleValue(f);
        if (f.key.rfind("sender_", 0) == 0 && !sample.isEmpty()) return sample;
        return valueFor(f, sample);
    }

    Var valueFor(const FieldSpec& f, const Var& sample) {
        switch (f.type) {
        case FieldType::Text: return text(f, sample.isString() ? sample.extract<std::string>() : "");
        case FieldType::MText: return freeText(f, sample.isString() ? sample.extract<std::string>() : "");
        case FieldType::Phone: return phone(f.key);
        case FieldType::Date: return date(f.key, sample.isString() ? sample.extract<std::string>() : "");
        case FieldType::DateTime: return dateTime(sample.isString() ? sample.extract<std::string>() : "");
        case FieldType::Time: return timeOfDay();
        case FieldType::Number: return number(f, sample);
        case FieldType::Bool: return chance(0.5);
        case FieldType::Enum: return f.options.empty() ? Var() : Var(pick(f.options).value);
        case FieldType::Multi: return multi(f);
        case FieldType::Table: return table(f, sample);
        case FieldType::Derived: break;
        }
        return Var();
    }

    template <typename T>
    const T& pick(const std::vector<T>& list) {
        return list[uniform(0, static_cast<long long>(list.size()) - 1)];
    }

    // "pt" for pt_name / pt_kana / pt_address; "gp" for gp_name_kana.
    static std::string prefixOf(const std::string& key) {
        for (const char* tail :
             {"_name_kana", "_kana", "_name", "_person", "_relation", "_address", "_postal", "_phone", "_sex"}) {
            if (endsWith(key, tail)) return key.substr(0, key.size() - std::string(tail).size());
        }
        std::size_t underscore = key.find('_');
        return underscore == std::string::npos ? key : key.substr(0, underscore);
    }

    static bool isFamily(const std::string& prefix) {
        return contains(prefix, "carer") || contains(prefix, "key_person") || contains(prefix, "family") ||
               contains(prefix, "relative") || contains(prefix, "contact");
    }

    Person& person(const std::string& prefix) {
        auto it = people_.find(prefix);
        if (it != people_.end()) return it->second;
        Person p;
        p.female = chance(0.5);
        p.family = &pick(kFamilyNames);
        // Family members mostly share the patient's family name.
        auto patient = people_.find("pt");
        if (isFamily(prefix) && patient != people_.end() && chance(0.75)) p.family = patient->second.family;
        p.given = p.female ? &pick(kFemaleNames) : &pick(kMaleNames);
        return people_.emplace(prefix, p).first->second;
    }

    const Place& place(const std::string& prefix) {
        auto it = places_.find(prefix);
        if (it == places_.end()) it = places_.emplace(prefix, &pick(kPlaces)).first;
        return *it->second;
    }

    std::string address(const FieldSpec& f) {
        const Place& p = place(prefixOf(f.key));
        std::string block = p.block;
        auto fill = [&](const char* slot, long long n) {
            std::size_t at = block.find(slot);
            if (at != std::string::npos) block.replace(at, 3, std::to_string(n));
        };
        fill("{a}", uniform(1, 30));
        fill("{b}", uniform(1, 9));
        std::string out = std::string("北海道") + p.municipality + block;
        out += block.find("丁目") != std::string::npos || block.find("号") != std::string::npos
                   ? std::to_string(uniform(1, 30)) + "番" + std::to_string(uniform(1, 20)) + "号"
                   : std::to_string(uniform(100, 2999)) + "番地";
        if (chance(0.2)) out += std::string(" ") + pick(kBuildings) + std::to_string(uniform(1, 4) * 100 + uniform(1, 8)) + "号室";
        return out;
    }

    std::string postal(const std::string& prefix) {
        const Place& p = place(prefix);
        std::string code = p.postal;
        while (code.size() < 8) code += static_cast<char>('0' + uniform(0, 9));
        return code;
    }

    std::string digits(std::size_t count) {
        std::string out;
        for (std::size_t i = 0; i < count; ++i) out += static_cast<char>('0' + uniform(0, 9));
        return out;
    }

    // Fictitious numbers: the 00 exchange and 0000 mobile block are not issued.
    std::string phone(const std::string& key) {
        std::string prefix = prefixOf(key);
        if (isFamily(prefix) || contains(key, "mobile")) return std::string(chance(0.5) ? "090" : "080") + "-0000-" + digits(4);
        std::string area = key.rfind("pt_", 0) == 0 ? place(prefix).areaCode : "0166";
        // Ten digits in all, as every Japanese landline number has.
        return area + (area.size() == 5 ? "-0-" : "-00-") + digits(4);
    }

    std::string fitted(const FieldSpec& f, std::string value) {
        if (f.maxLength > 0) value = utf8Prefix(value, static_cast<std::size_t>(f.maxLength));
        return value;
    }

    Var text(const FieldSpec& f, const std::string& sample) {
        const std::string& key = f.key;
        const std::string& label = f.label;
        std::string prefix = prefixOf(key);
        if (f.digits > 0) return digits(static_cast<std::size_t>(f.digits));  // a fixed-length number
        if (f.charset == "digits") {
            std::size_t n = f.designLength > 0 ? f.designLength : (sample.empty() ? 10 : sample.size());
            if (f.maxLength > 0) n = std::min<std::size_t>(n, f.maxLength);
            return digits(n);
        }
        if (f.charset == "katakana" || endsWith(key, "_kana")) return fitted(f, person(prefix).kana());
        if (contains(key, "postal") || contains(label, "郵便")) return postal(prefix);
        if (contains(key, "address") || contains(label, "住所") || contains(label, "所在地")) return fitted(f, address(f));
        if (contains(key, "relation") || contains(label, "続柄")) {
            std::string relation = person(prefix).female ? pick(kFemaleRelations) : pick(kMaleRelations);
            auto patient = people_.find("pt");
            // A spouse is of the other sex than the patient; otherwise a child.
            if (patient != people_.end() && (relation == "妻" || relation == "夫") &&
                patient->second.female == (relation == "妻")) {
                relation = relation == "妻" ? "長女" : "長男";
            }
            return relation;
        }
        if (contains(key, "department") || contains(label, "部署")) return fitted(f, pick(kDepartments));
        if (contains(key, "institution") || contains(key, "hospital") || contains(label, "医療機関") ||
            contains(label, "病院")) {
            bool clinic = key.rfind("gp", 0) == 0 || contains(label, "かかりつけ");
            return fitted(f, clinic ? pick(kClinics) : pick(kHospitals));
        }
        if ((contains(key, "office") && !contains(key, "_no")) || contains(label, "事業所名")) {
            return fitted(f, pick(kOffices));
        }
        bool personKey = endsWith(key, "_name") || endsWith(key, "_person") || endsWith(label, "氏名") ||
                         endsWith(label, "者名") || endsWith(label, "医師名");
        if (personKey && !contains(key, "office") && !contains(key, "institution")) {
            return fitted(f, person(prefix).name());
        }
        // The bracket note beside an option holds a few words.
        if (f.isNote) {
            if (!sample.empty() && chance(0.5)) return sample;
            std::size_t length = f.designLength > 0 ? f.designLength : 15;
            if (f.maxLength > 0) length = std::min<std::size_t>(length, f.maxLength);
            std::vector<std::string> fitting;
            for (const char* note : kShortNotes)
                if (utf8Length(note) <= length) fitting.push_back(note);
            if (!fitting.empty()) return pick(fitting);
        }
        // Anything else: the sample's wording, or free text when there is none
        // or the box is meant for a remark.
        bool remark = contains(key, "note") || contains(key, "request") || contains(key, "reason") ||
                      contains(key, "comment") || contains(label, "特記") || contains(label, "要望") ||
                      contains(label, "備考");
        if (!sample.empty() && !(remark && chance(0.7))) return sample;
        return freeText(f, sample);
    }

    // Whole sentences up to a typical length: about the sample's length when
    // there is one, otherwise 30-90% of what the box is designed for.
    Var freeText(const FieldSpec& f, const std::string& sample) {
        std::size_t design = static_cast<std::size_t>(std::max(1, f.designLength) * std::max(1, f.designLines));
        double target = !sample.empty() ? utf8Length(sample) * real(0.5, 1.3) : design * real(0.3, 0.9);
        if (f.designLength <= 0 && sample.empty()) target = real(10, 60);
        std::size_t length = std::max<std::size_t>(6, static_cast<std::size_t>(target));
        if (f.maxLength > 0) length = std::min<std::size_t>(length, f.maxLength);
        if (length < 20) {
            std::vector<std::string> fitting;
            for (const char* note : kShortNotes)
                if (utf8Length(note) <= length) fitting.push_back(note);
            if (!fitting.empty()) return pick(fitting);
        }
        // Sentences drawn without repeats, as a person would write them.
        std::vector<std::size_t> order(countOf(kSentences));
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng_);
        std::string out;
        for (std::size_t i = 0; utf8Length(out) < length; ++i) {
            std::string next = out + kSentences[order[i % order.size()]];
            if (utf8Length(next) > length && !out.empty()) break;
            out = next;
        }
        return utf8Prefix(out, length);
    }

    // Dates in the sample all move by one shift, so their order stays; birth
    // dates move by their own.
    Var date(const std::string& key, const std::string& sample) {
        bool birth = contains(key, "birth");
        long long day = daysOf(sample, birth ? form::daysSinceEpoch(form::Date{1940, 1, 1}) : kBaseDay - uniform(0, 60));
        day += birth ? birthShift_ : dayShift_;
        return civilFromDays(day);
    }

    Var dateTime(const std::string& sample) {
        std::string time = sample.size() > 10 ? sample.substr(10) : "T" + timeOfDay() + ":00+09:00";
        return civilFromDays(daysOf(sample, kBaseDay) + dayShift_) + time;
    }

    std::string timeOfDay() {
        char out[8];
        std::snprintf(out, sizeof out, "%02lld:%02lld", uniform(8, 20), uniform(0, 11) * 5);
        return out;
    }

    Var number(const FieldSpec& f, const Var& sample) {
        long long lo = f.min.value_or(0);
        long long hi = f.max.value_or(lo + 10);
        long long n = lo;
        if (sample.isNumeric()) {
            long long base = static_cast<long long>(sample.convert<double>());
            long long delta = std::max<long long>(1, std::llabs(base) * 15 / 100);
            n = base + uniform(-delta, delta);
            if (!f.min && base >= 0) lo = 0;
            if (!f.max) hi = std::max(hi, base + delta);
        } else {
            n = uniform(lo, std::min(hi, lo + 10));
        }
        return std::clamp(n, lo, std::max(lo, hi));
    }

    Var multi(const FieldSpec& f) {
        Array::Ptr chosen = new Array;
        if (!f.exclusive.empty() && chance(0.15)) {
            chosen->add(f.exclusive);
            return chosen;
        }
        std::vector<const form::OptionSpec*> candidates;
        for (const auto& o : f.options)
            if (o.value != f.exclusive) candidates.push_back(&o);
        if (candidates.empty()) return chosen;
        std::shuffle(candidates.begin(), candidates.end(), rng_);
        long long count = uniform(1, std::min<long long>(3, static_cast<long long>(candidates.size())));
        std::set<std::string> picked;
        for (long long i = 0; i < count; ++i) picked.insert(candidates[i]->value);
        for (const auto& o : f.options)
            if (picked.count(o.value)) chosen->add(o.value);
        return chosen;
    }

    Var table(const FieldSpec& f, const Var& sample) {
        long long sampleRows = sample.type() == typeid(Array::Ptr) ? sample.extract<Array::Ptr>()->size() : -1;
        long long rows = sampleRows >= 0 ? uniform(std::max(0LL, sampleRows - 1), std::min<long long>(f.maxRows, sampleRows + 1))
                                         : uniform(0, f.maxRows);
        Array::Ptr out = new Array;
        for (long long r = 0; r < rows; ++r) {
            Object::Ptr sampleRow;
            if (sampleRows > 0) {
                Var row = sample.extract<Array::Ptr>()->get(static_cast<unsigned>(std::min(r, sampleRows - 1)));
                if (row.type() == typeid(Object::Ptr)) sampleRow = row.extract<Object::Ptr>();
            }
            Object::Ptr row = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
            for (const FieldSpec& column : f.columns) {
                if (column.type == FieldType::Derived || !(column.required || chance(0.85))) continue;
                Var value = valueFor(column, sampleRow && sampleRow->has(column.key) ? sampleRow->get(column.key) : Var());
                if (!value.isEmpty()) row->set(column.key, value);
            }
            out->add(row);
        }
        return out;
    }

    bool noteOwnerChosen(const std::string& noteKey) const {
        for (const FieldSpec& f : sheet_.fields) {
            for (const auto& o : f.options) {
                if (o.noteKey != noteKey) continue;
                auto it = values_.find(f.key);
                if (it == values_.end()) return false;
                const Var& v = it->second;
                if (v.isString()) return v.extract<std::string>() == o.value;
                if (v.type() == typeid(Array::Ptr)) {
                    Array::Ptr list = v.extract<Array::Ptr>();
                    for (std::size_t i = 0; i < list->size(); ++i)
                        if (list->getElement<std::string>(static_cast<unsigned>(i)) == o.value) return true;
                }
                return false;
            }
        }
        return false;
    }

    // "pt_sex" follows the name chosen for "pt".
    void matchSexToNames() {
        for (const auto& [prefix, p] : people_) {
            const FieldSpec* sex = sheet_.field(prefix + "_sex");
            if (!sex || !values_.count(sex->key)) continue;
            const char* wanted = p.female ? "female" : "male";
            if (sex->option(wanted)) values_[sex->key] = std::string(wanted);
        }
    }

    const form::SheetTemplate& sheet_;
    Object::Ptr sample_;
    std::mt19937_64 rng_;
    long long dayShift_ = 0;
    long long birthShift_ = 0;
    std::map<std::string, Var> values_;
    std::map<std::string, Person> people_;
    std::map<std::string, const Place*> places_;
};

}  // namespace

PayloadGenerator::PayloadGenerator(const form::SheetTemplate& sheet, Object::Ptr sampleFields)
    : sheet_(sheet), sample_(std::move(sampleFields)) {}

common::Result<Object::Ptr> PayloadGenerator::generate(std::uint64_t seed, long long index) const {
    std::string lastProblems;
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::seed_seq seq{seed, static_cast<std::uint64_t>(index), static_cast<std::uint64_t>(attempt)};
        std::uint64_t mixed[1];
        seq.generate(mixed, mixed + 1);
        Builder builder(sheet_, sample_, mixed[0]);
        Object::Ptr fields = builder.build();
        for (int round = 0; round < 8; ++round) {
            auto valid = form::validateFields(sheet_, fields);
            if (valid) return fields;
            lastProblems.clear();
            for (const auto& e : valid.status().fieldErrors()) lastProblems += " " + e.field + ":" + e.code;
            if (!builder.repair(valid.status().fieldErrors())) break;
            fields = builder.ordered();
        }
    }
    return Status::internal("sheet " + sheet_.id + ": could not make a valid payload;" + lastProblems);
}

common::Result<Object::Ptr> loadSampleFields(const std::string& templatesDir, const std::string& sheetId) {
    std::string path = templatesDir + "/" + sheetId + "/sample.json";
    std::ifstream in(path);
    if (!in) return Object::Ptr();
    std::stringstream json;
    json << in.rdbuf();
    try {
        Poco::JSON::Parser parser;
        Var parsed = parser.parse(json.str());
        if (parsed.type() == typeid(Object::Ptr)) {
            Object::Ptr fields = parsed.extract<Object::Ptr>()->getObject("fields");
            if (fields) return fields;
        }
    } catch (const Poco::Exception& e) {
        return Status::invalidArgument(path + ": " + e.displayText());
    }
    return Status::invalidArgument(path + ": not {\"fields\": {...}}");
}

}  // namespace bench
