// Dates and times as care managers write them (rules.md §3): 令和7年11月20日,
// R7.11.20, 令7.11.20, 2025-11-20, 2025/11/20 and 20251120 are all the same
// day; 元年 and 1年 both work. The API stores ISO dates (YYYY-MM-DD); the page
// shows 和暦.

// Era table (rules.md §3.1): the new era from the day of the change.
const ERAS = [
  { name: '令和', initial: 'R', short: '令', start: '2019-05-01', offset: 2018 },
  { name: '平成', initial: 'H', short: '平', start: '1989-01-08', offset: 1988 },
  { name: '昭和', initial: 'S', short: '昭', start: '1926-12-25', offset: 1925 },
  { name: '大正', initial: 'T', short: '大', start: '1912-07-30', offset: 1911 },
  { name: '明治', initial: 'M', short: '明', start: '1868-01-01', offset: 1867 },
];
// Before 明治6年1月1日 Japan kept the lunisolar calendar: no day-for-day conversion.
const EARLIEST = '1873-01-01';
const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'];

function pad(n, width = 2) { return String(n).padStart(width, '0'); }

export function isoOf(y, m, d) { return `${pad(y, 4)}-${pad(m)}-${pad(d)}`; }

function validDay(y, m, d) {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

// Full-width digits and letters, "．" and "／" to ASCII; spaces removed.
export function normalize(text) {
  return String(text || '').normalize('NFKC').replace(/\s+/g, '').replace(/[ー－−‐―]/g, '-');
}

function eraByName(token) {
  const t = token.toUpperCase();
  return ERAS.find((e) => e.name === token || e.initial === t || e.short === token) || null;
}

// Parses a date. Returns {iso} or {error} (Japanese); {iso: ''} for empty input.
export function parseDate(input) {
  const s = normalize(input);
  if (!s) return { iso: '' };
  let y;
  let m;
  let d;
  let era = null;
  let match = s.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/) || s.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = s.match(/^(明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHRmtshr])\.?(元|\d{1,2})[年.\/-](\d{1,2})[月.\/-](\d{1,2})日?$/);
    if (!match) return { error: '日付として読み取れません。例: 令和7年11月20日、R7.11.20、2025-11-20' };
    era = eraByName(match[1]);
    const eraYear = match[2] === '元' ? 1 : Number(match[2]);
    if (!era || eraYear < 1) return { error: '元号と年の組み合わせが正しくありません。' };
    [y, m, d] = [era.offset + eraYear, Number(match[3]), Number(match[4])];
  }
  if (!validDay(y, m, d)) return { error: 'その日付はありません。月と日を確認してください。' };
  const iso = isoOf(y, m, d);
  if (era) {
    // On the day an era changed, both names were written (大正15年12月25日 = 昭和元年12月25日).
    const index = ERAS.indexOf(era);
    const next = index > 0 ? ERAS[index - 1] : null;
    if (iso < era.start || (next && iso > next.start))
      return { error: `${era.name}${match[2]}年${m}月${d}日という日付はありません(元号の期間外です)。` };
  }
  if (iso < EARLIEST) return { error: '明治6年(1873年)1月1日以降の日付を入力してください。' };
  if (y > 2999) return { error: '年が正しくありません。' };
  return { iso };
}

function eraOf(iso) { return ERAS.find((e) => iso >= e.start) || null; }

// "2025-11-20" -> "令和7年11月20日" (元年 for year 1). "" for anything else.
export function formatWareki(iso, { weekday = false } = {}) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  if (!match) return '';
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const era = eraOf(match[0].slice(0, 10));
  if (!era) return `${y}年${m}月${d}日`;
  const eraYear = y - era.offset;
  let text = `${era.name}${eraYear === 1 ? '元' : eraYear}年${m}月${d}日`;
  if (weekday) text += `(${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]})`;
  return text;
}

// Parses a time: 14:30, 1430, 14時30分, 9時 -> {hhmm: "14:30"} or {error}.
export function parseTime(input) {
  const s = normalize(input).replace(/：/g, ':');
  if (!s) return { hhmm: '' };
  const match = s.match(/^(\d{1,2}):(\d{2})$/) || s.match(/^(\d{1,2})(\d{2})$/) || s.match(/^(\d{1,2})時(?:(\d{1,2})分?)?$/);
  if (!match) return { error: '時刻として読み取れません。例: 14:30' };
  const hh = Number(match[1]);
  const mm = Number(match[2] || 0);
  if (hh > 23 || mm > 59) return { error: '時刻は 0:00〜23:59 で入力してください。' };
  return { hhmm: `${pad(hh)}:${pad(mm)}` };
}

// "2025-11-20T15:10:00+09:00" -> "令和7年11月20日 15時10分" (already Japan time on the server).
export function formatDateTime(iso, { seconds = false } = {}) {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(iso || '');
  if (!match) return iso || '';
  let text = `${formatWareki(match[1])} ${Number(match[2])}時${match[3]}分`;
  if (seconds && match[4]) text += `${match[4]}秒`;
  return text;
}

// "2025-11-20T15:10:00+09:00" -> "2025/11/20 15:10" for dense tables.
export function formatShortDateTime(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  if (!match) return iso || '';
  return `${match[1]}/${match[2]}/${match[3]} ${match[4]}:${match[5]}`;
}

// Today and now in Japan time, whatever the PC's zone.
export function todayIso() { return nowJst().slice(0, 10); }
export function nowJst() {
  const t = new Date(Date.now() + 9 * 3600 * 1000);
  return `${isoOf(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}
export function currentMonth() { return todayIso().slice(0, 7); }

// Full years on asOf (満年齢, rules.md §3.3). null when either date is missing or asOf is earlier.
export function ageOn(birthIso, asOfIso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthIso || '') || !/^\d{4}-\d{2}-\d{2}$/.test(asOfIso || '')) return null;
  if (asOfIso < birthIso) return null;
  let age = Number(asOfIso.slice(0, 4)) - Number(birthIso.slice(0, 4));
  if (asOfIso.slice(5) < birthIso.slice(5)) age -= 1;
  return age;
}
