// A small sheet template for form and layout tests.
#pragma once

#include <string>

inline const std::string kTestSheetJson = R"json({
  "id": "test-sheet", "title": "テスト帳票", "version": "1",
  "page": {"widthMm": 210, "heightMm": 297, "marginMm": 12},
  "fontSizePt": 9, "grid": {"columns": 12},
  "fields": [
    {"key": "doc_date", "label": "記入日", "type": "date", "required": true},
    {"key": "pt_name", "label": "氏名", "type": "text", "length": 20, "required": true},
    {"key": "pt_kana", "label": "フリガナ", "type": "text", "length": 30, "charset": "katakana"},
    {"key": "pt_birth_date", "label": "生年月日", "type": "date"},
    {"key": "pt_age", "label": "年齢", "type": "derived", "derive": "age", "from": ["pt_birth_date", "doc_date"]},
    {"key": "pt_address", "label": "住所", "type": "text", "length": 60},
    {"key": "pt_fax_label", "label": "FAX用氏名表記", "type": "derived", "derive": "initials", "from": ["pt_name", "pt_kana"]},
    {"key": "reply_ref", "label": "照会番号", "type": "derived", "derive": "reply_ref"},
    {"key": "household", "label": "世帯", "type": "enum", "options": [["alone", "独居"], {"value": "with_child", "label": "子と同居", "note": {"key": "household_size", "type": "number", "required": true, "format": "({}名)"}}]},
    {"key": "pt_municipality", "label": "居住市町村", "type": "derived", "derive": "municipality", "from": ["pt_address"]},
    {"key": "pt_sex", "label": "性別", "type": "enum", "options": [["male", "男"], ["female", "女"]], "required": true},
    {"key": "send_method", "label": "提供方法", "type": "enum", "options": [["fax", "FAX"], ["mail", "郵送"]]},
    {"key": "recipient_fax", "label": "宛先FAX", "type": "phone", "requiredWhen": [{"field": "send_method", "anyOf": ["fax"]}]},
    {"key": "floors", "label": "階建て", "type": "number", "min": 1, "max": 99},
    {"key": "aids", "label": "移動", "type": "multi", "exclusive": "none",
     "options": [["none", "なし"], ["cane", "杖"], {"value": "other", "label": "その他", "note": true}]},
    {"key": "grades", "label": "障害", "type": "multi",
     "options": [{"value": "physical", "label": "身体", "note": {"key": "grades_physical_grade", "type": "number", "min": 1, "max": 7, "format": "({}級)"}}]},
    {"key": "alone", "label": "日中独居", "type": "bool"},
    {"key": "consent", "label": "同意", "type": "bool", "mustBeTrue": true},
    {"key": "level", "label": "要介護度", "type": "enum", "options": [["kaigo1", "要介護1"],
      {"value": "kaigo2", "label": "要介護2", "onlyWhen": [{"field": "aids", "anyOf": ["other"]}]}]},
    {"key": "memo", "label": "特記事項", "type": "mtext", "length": 60, "lines": 2},
    {"key": "admitted_at", "label": "入院時刻", "type": "time"},
    {"key": "sent_at", "label": "送付日時", "type": "datetime"},
    {"key": "insured_no", "label": "被保険者番号", "type": "text", "length": 10, "digits": 10},
    {"key": "visits", "label": "聞き取り", "type": "table", "maxRows": 2, "columns": [
      {"key": "date", "label": "聞き取り日", "type": "date", "required": true},
      {"key": "conference", "label": "会議出席", "type": "enum", "options": [["no", "無"], ["yes", "有"]], "required": true},
      {"key": "note", "label": "聞き取りメモ", "type": "text", "length": 20}]}
  ],
  "pages": [{"name": "1枚目", "rows": 10, "rowHeightMm": 6, "cells": [
    {"at": [0, 0], "span": [1, 12], "text": "テスト帳票", "fontSizePt": 14, "align": "center", "border": "none"},
    {"at": [1, 0], "span": [1, 2], "text": "記入日"},
    {"at": [1, 2], "span": [1, 4], "field": "doc_date"},
    {"at": [1, 6], "span": [1, 2], "text": "性別"},
    {"at": [1, 8], "span": [1, 4], "field": "pt_sex"},
    {"at": [2, 0], "span": [1, 2], "text": "氏名"},
    {"at": [2, 2], "span": [1, 4], "field": "pt_name", "suffix": " 様", "masked": "pt_fax_label"},
    {"at": [2, 6], "span": [1, 2], "text": "年齢"},
    {"at": [2, 8], "span": [1, 4], "field": "pt_age", "suffix": "歳"},
    {"at": [3, 0], "span": [1, 12], "field": "aids"},
    {"at": [4, 0], "span": [1, 6], "field": "alone", "text": "日中独居"},
    {"at": [4, 6], "span": [1, 6], "field": "pt_birth_date", "format": "birth", "masked": ""},
    {"at": [5, 0], "span": [2, 12], "field": "memo", "valign": "top"},
    {"at": [7, 0], "span": [1, 6], "field": "visits", "item": 0, "column": "date"},
    {"at": [7, 6], "span": [1, 6], "field": "visits", "item": 0, "column": "conference"},
    {"at": [8, 0], "span": [1, 6], "field": "grades"},
    {"at": [8, 6], "span": [1, 6], "field": "sent_at"},
    {"at": [9, 0], "span": [1, 4], "field": "pt_address", "masked": "pt_municipality"},
    {"at": [9, 4], "span": [1, 4], "field": "pt_birth_date", "masked": ""},
    {"at": [9, 8], "span": [1, 4], "field": "reply_ref"}
  ]}]
})json";
