#include <catch2/catch.hpp>

#include "layout/name_mask.h"

using namespace layout;

namespace {

const PersonName kPatient{"雪原 正夫", "ユキハラ　マサオ"};

std::string initials(const std::string& text, const PersonName& who = kPatient) {
    return NameMask({who}, MaskMode::Initials).apply(text);
}

std::string partial(const std::string& text, const PersonName& who = kPatient) {
    return NameMask({who}, MaskMode::Partial).apply(text);
}

}  // namespace

TEST_CASE("Initials mode writes each name as its kana initial, the full name like the fax label", "[mask]") {
    CHECK(initials("雪原 正夫") == "ユ・マ");
    CHECK(initials("雪原　正夫様") == "ユ・マ様");
    CHECK(initials("雪原正夫さん") == "ユ・マさん");
    CHECK(initials("ユキハラ マサオ") == "ユ・マ");
    CHECK(initials("ゆきはら まさおさん") == "ユ・マさん");
    CHECK(initials("雪原様は妻の雪原 和子さんと二人暮らし。正夫さんは将棋が趣味。") ==
          "ユ様は妻のユ 和子さんと二人暮らし。マさんは将棋が趣味。");
    CHECK(initials("ゆきはらさん、まさおさん、ユキハラさん") == "ユさん、マさん、ユさん");
    CHECK(initials("長男(雪原 健一)") == "長男(ユ 健一)");
    CHECK(initials("北野 美咲") == "北野 美咲");  // other people stay
}

TEST_CASE("Partial mode blots every other character of each name, as the fax label does", "[mask]") {
    CHECK(partial("雪原 正夫") == "雪● 正●");
    CHECK(partial("雪原正夫様") == "雪●正●様");
    CHECK(partial("ユキハラ　マサオ") == "ユ●ハ●　マ●オ");
    CHECK(partial("ゆきはらさん") == "ゆ●は●さん");
    CHECK(partial("妻の雪原 和子") == "妻の雪● 和子");
}

TEST_CASE("A one-character name is masked only as part of the full name", "[mask]") {
    const PersonName lin{"林 修", "ハヤシ　オサム"};
    CHECK(initials("林 修様", lin) == "ハ・オ様");
    CHECK(partial("林修様", lin) == "●●様");
    CHECK(initials("林檎を修理", lin) == "林檎を修理");
    CHECK(initials("はやしさん、おさむさん", lin) == "ハさん、オさん");
}

TEST_CASE("Names without a space, without a kana, or several at once", "[mask]") {
    CHECK(initials("雪原正夫様", {"雪原正夫", "ユキハラ マサオ"}) == "ユ・マ様");
    CHECK(initials("雪原様", {"雪原 正夫", ""}) == "●様");
    CHECK(partial("雪原様", {"雪原 正夫", ""}) == "雪●様");
    NameMask both({kPatient, {"川端 トミ子", "カワバタ トミコ"}}, MaskMode::Initials);
    CHECK(both.apply("雪原様と川端様、とみこさん") == "ユ様とカ様、トさん");
}

TEST_CASE("No mask mode, no name: the text stays as it is", "[mask]") {
    CHECK(NameMask({kPatient}, MaskMode::None).apply("雪原 正夫") == "雪原 正夫");
    CHECK(NameMask({{"", ""}}, MaskMode::Initials).apply("雪原 正夫") == "雪原 正夫");
    CHECK(NameMask({{"", ""}}, MaskMode::Initials).empty());
}
