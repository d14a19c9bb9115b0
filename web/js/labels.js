// Japanese words for what the API names in English: job states, history
// entries, partner kinds, receipt methods, and the titles of the sheets'
// sections (sheets.md; the templates name sections by code only).

const STATES = {
  accepted: { label: '受付済み', tone: 'neutral' },
  rendering: { label: '作成中', tone: 'neutral' },
  rendered: { label: '送出待ち', tone: 'neutral' },
  held: { label: '送信待機中', tone: 'warn' },
  spooled: { label: '送信処理中', printLabel: '印刷待ち', tone: 'info' },
  sent: { label: '送信済み', printLabel: '印刷済み', tone: 'ok' },
  failed: { label: '失敗', tone: 'error' },
  cancelled: { label: '取消済み', tone: 'muted' },
};

export function stateLabel(state, channel) {
  const s = STATES[state];
  if (!s) return state;
  return channel === 'print' && s.printLabel ? s.printLabel : s.label;
}
export function stateTone(state) { return (STATES[state] || {}).tone || 'neutral'; }
export const STATE_NAMES = Object.keys(STATES);

const EVENTS = {
  accepted: '受付',
  rendered: '文書を作成',
  held: '送信待機(取消できる期間)',
  released: '待機終了',
  spooled: '送信キューへ引き渡し',
  sent: '送信完了',
  failed: '失敗',
  retried: '再送を受付',
  cancelled: '送信取消',
  downloaded: '文書を出力',
  receipt_confirmed: '受信確認を記録',
  delivered: '送付(手渡し・郵送)を記録',
  spool_error: '送出エラー(自動で再試行)',
};
export function eventLabel(kind, channel) {
  if (kind === 'sent' && channel === 'print') return '印刷完了';
  return EVENTS[kind] || kind;
}

export const PARTNER_KINDS = [
  { value: '', label: 'すべて' },
  { value: 'hospital', label: '病院' },
  { value: 'clinic', label: '診療所' },
  { value: 'care_office', label: '居宅介護支援事業所など' },
];
export function partnerKindLabel(kind) {
  const k = PARTNER_KINDS.find((p) => p.value === kind);
  return k && kind ? k.label : '';
}

export const MASK_NOTES = {
  initials: '利用者の氏名はイニシャル(例: ア・タ)にして送信します。',
  partial: '利用者の氏名は一部を伏せて(例: 旭●太●)送信します。',
  none: 'この宛先には氏名を伏せずに送信します。',
  default: '利用者の氏名は既定の方法で伏せて送信します。',
};

export const RECEIPT_METHODS = [
  { value: 'phone', label: '電話' },
  { value: 'fax', label: 'FAX' },
  { value: 'email', label: '電子メール' },
  { value: 'in_person', label: '面談' },
  { value: 'video', label: 'テレビ電話等' },
  { value: 'other', label: 'その他' },
];
export function receiptMethodLabel(value) {
  return (RECEIPT_METHODS.find((m) => m.value === value) || { label: value }).label;
}

export const DOCUMENT_FORMATS = {
  pdf: 'PDF',
  xlsx: 'Excel',
  fax_pdf: 'FAX送信控え',
};

const SECTIONS = {
  H: '宛先・作成者',
  P: '利用者',
  'S1-H': '記入日・入院日・情報提供日',
  'S1-1': '利用者(患者)基本情報について',
  'S1-2': '家族構成/連絡先について',
  'S1-3': '本人/家族の意向について',
  'S1-4': '入院前の介護サービスの利用状況について',
  'S1-5': '今後の在宅生活の展望について(ケアマネジャーとしての意見)',
  'S1-6': 'カンファレンス等について(ケアマネジャーからの希望)',
  'S1-7': '身体・生活機能の状況/療養生活上の課題について',
  'S1-8': 'お薬について',
  'S1-9': 'かかりつけ医について',
  'S2-H': '記入日・情報の提供元',
  'S2-1': '基本情報・現在の状態等',
  'S2-2': '① 疾患と入院(所)中の状況',
  'S2-3': '② 受け止め/意向',
  'S2-4': '③ 退院後に必要な事柄',
  'S2-5': '聞き取り記録',
  'S2-6': 'カンファレンス記録',
  'S3-H': '宛先・差出人',
  'S3-1': '利用者',
  'S3-2': '照会内容',
  'S3-3': '回答欄(主治医が記入)',
  'S4-H': '宛先・差出人',
  'S4-1': '利用者',
  'S4-2': 'ケアマネジャー記入欄',
  'S4-3': '医師記入欄(主治医が記入)',
  'S4-4': 'ケアマネジャー記録欄',
  'F-H': '送信日時',
  'F-1': '宛先',
  'F-2': '送信元',
  'F-3': '送付書類',
  'F-4': '連絡事項',
};
export function sectionTitle(code) { return SECTIONS[code] || code || 'その他'; }

// Sections the physician fills in: shown folded, usually left empty.
export function isPhysicianSection(code) { return code === 'S3-3' || code === 'S4-3'; }
