// The form of a sheet, generated from its field schema (GET /api/v1/sheets/{id}):
// one card per section, one labelled control per field. It knows the field
// types of sheets.md §0.2 (text with its designed length, mtext, 和暦 dates,
// times, enum radios, multi check boxes with an exclusive なし, bool, number,
// phone, tables of rows, derived values) and the rules between fields (notes
// shown with their option, conditional requirements). The server's 422
// problems are shown at their fields; nothing typed is ever thrown away.

import { h, uid, append } from './dom.js';
import { parseDate, formatWareki, parseTime, normalize, ageOn, todayIso } from './wareki.js';
import { sectionTitle, isPhysicianSection } from './labels.js';

const HIRAGANA = /[\u3041-\u3096]/g;
function toKatakana(s) { return s.replace(HIRAGANA, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60)); }
function charCount(s) { return [...(s || '')].length; }

// Kana initials as the server makes them: the first letter of each word, joined with ・.
function kanaInitials(kana) {
  return String(kana || '').trim().split(/[\s\u3000]+/).filter(Boolean)
    .map((w) => [...toKatakana(w.normalize('NFKC'))][0]).join('・');
}

// The municipality of an address as the server derives it (the city, town or village).
function municipalityOf(address) {
  let s = String(address || '').trim();
  const pref = ['北海道', '東京都', '京都府', '大阪府'].find((p) => s.startsWith(p));
  if (pref) s = s.slice(pref.length);
  else if (s.indexOf('県') >= 0 && s.indexOf('県') <= 3) s = s.slice(s.indexOf('県') + 1);
  const chars = [...s];
  const gun = chars.indexOf('郡');
  let end = chars.findIndex((c) => '市町村区'.includes(c));
  if (gun >= 0 && (end < 0 || gun < end)) {
    chars.splice(0, gun + 1);
    end = chars.findIndex((c) => '市町村'.includes(c));
  }
  if (end <= 0 || end > 6) return '';
  return chars.slice(0, end + 1).join('');
}

function widthClass(chars) {
  if (!chars) return 'w-m';
  if (chars <= 6) return 'w-xs';
  if (chars <= 12) return 'w-s';
  if (chars <= 24) return 'w-m';
  if (chars <= 40) return 'w-l';
  return 'w-xl';
}

// "2025-11-20" -> "西暦 2025/11/20(木)", shown beside a 和暦 date to check it.
function westernEcho(iso) {
  if (!iso) return '';
  const weekday = formatWareki(iso, { weekday: true }).slice(-3);
  return `西暦 ${iso.replace(/-/g, '/')}${weekday}`;
}

function isEmpty(v) { return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0); }

// The parts every control shares: the wrapper, label, hint, error and badges.
class Control {
  constructor(field, id, scope) {
    this.field = field;
    this.id = id;
    this.scope = scope;
    this.localError = '';
    this.hintId = `${id}-hint`;
    this.errorId = `${id}-error`;
    this.errorEl = h('p', { class: 'field-error', id: this.errorId, hidden: true });
    this.hintEl = h('p', { class: 'field-hint', id: this.hintId });
    this.requiredBadge = h('span', { class: 'badge badge-required', hidden: !field.required }, '必須');
    this.conditionalBadge = h('span', { class: 'badge badge-conditional', hidden: true }, '必須(条件)');
  }

  labelContent() {
    const parts = [h('span', { class: 'label-text' }, this.field.label), this.requiredBadge, this.conditionalBadge];
    if (this.field.printed === false) parts.push(h('span', { class: 'badge badge-muted', title: 'シートには印字されません' }, '印字なし'));
    return parts;
  }

  // Wraps inputs as a labelled field (one input) or a fieldset (a group).
  wrap(body, { group = false } = {}) {
    const cls = `field field-${this.field.type}`;
    if (group) {
      this.root = h('fieldset', { class: cls, id: `field-${this.id}`, 'aria-describedby': `${this.hintId} ${this.errorId}` },
        h('legend', { class: 'field-label' }, this.labelContent()), body, this.hintEl, this.errorEl);
    } else {
      this.root = h('div', { class: cls, id: `field-${this.id}` },
        h('label', { class: 'field-label', for: this.id }, this.labelContent()), body, this.hintEl, this.errorEl);
    }
    this.root.dataset.key = this.field.key;
    if (!this.hintEl.textContent) this.hintEl.hidden = true;
    return this.root;
  }

  hint(...parts) {
    append(this.hintEl, parts);
    this.hintEl.hidden = false;
  }

  describe(input) {
    input.setAttribute('aria-describedby', `${this.hintId} ${this.errorId}`);
  }

  inputs() { return this.root ? [...this.root.querySelectorAll('input, textarea, select')] : []; }

  focus() {
    const target = this.inputs().find((i) => !i.disabled && i.offsetParent !== null) || this.root;
    if (target) target.focus();
  }

  setError(message) {
    this.errorEl.textContent = message;
    this.errorEl.hidden = !message;
    this.root.classList.toggle('has-error', Boolean(message));
    for (const i of this.inputs()) {
      if (message) i.setAttribute('aria-invalid', 'true');
      else i.removeAttribute('aria-invalid');
    }
  }

  // Shown until the server says otherwise; the local message is the clearer one.
  setLocalError(message) {
    this.localError = message;
    this.setError(message);
  }

  setConditionallyRequired(on) {
    this.conditionalBadge.hidden = !on || this.field.required;
    for (const i of this.inputs()) i.toggleAttribute('aria-required', Boolean(on || this.field.required));
  }

  changed() { this.scope.changed(this); }
}

class TextControl extends Control {
  build() {
    const f = this.field;
    const multi = f.type === 'mtext';
    const attrs = { id: this.id, name: this.id, maxlength: f.maxLength || null, autocomplete: 'off', spellcheck: 'false' };
    if (multi) {
      this.input = h('textarea', { ...attrs, rows: Math.max(2, Math.min(8, (f.lines || 1) + 1)), class: 'w-full' });
    } else {
      const type = f.type === 'phone' ? 'tel' : 'text';
      const size = f.type === 'phone' ? 14 : f.designLength;
      this.input = h('input', { ...attrs, type, class: widthClass(size) });
      if (f.type === 'phone') this.input.inputMode = 'tel';
      if (f.charset === 'digits') this.input.inputMode = 'numeric';
    }
    this.describe(this.input);
    this.counter = h('span', { class: 'counter', 'aria-hidden': 'true' });
    this.input.addEventListener('input', () => { this.update(); this.changed(); });
    this.input.addEventListener('blur', () => { this.tidy(); this.update(); });
    if (f.type === 'phone') this.hint('例: 0166-00-1234(全角でも入力できます)');
    if (f.charset === 'katakana') this.hint('全角カタカナ(ひらがなで入力すると自動でカタカナにします)');
    if (f.charset === 'digits') this.hint('半角数字');
    if (f.designLength) this.hint(multi ? `印字欄の目安: ${f.designLength}文字(${f.lines || 1}行)` : `印字欄の目安: ${f.designLength}文字`);
    this.warnEl = h('span', { class: 'length-warning', hidden: true });
    return this.wrap(h('div', { class: 'field-input' }, this.input, this.counter, this.warnEl));
  }

  // Full-width digits in numbers, hiragana in kana fields, dashes in phone numbers.
  tidy() {
    const f = this.field;
    let v = this.input.value;
    if (f.type === 'phone') {
      v = v.normalize('NFKC').replace(/[ー－−‐―–—()（）]/g, '-').replace(/\s+/g, '').replace(/-+/g, '-').replace(/^-|-$/g, '');
    } else if (f.charset === 'digits') {
      v = v.normalize('NFKC').replace(/[\s-]/g, '');
    } else if (f.charset === 'katakana') {
      v = toKatakana(v.replace(/[\uFF61-\uFF9F]+/g, (m) => m.normalize('NFKC')));
    }
    if (v !== this.input.value) {
      this.input.value = v;
      this.changed();
    }
  }

  update() {
    const f = this.field;
    const n = charCount(this.input.value);
    const limit = f.designLength;
    this.counter.textContent = limit ? `${n} / ${limit}文字` : (n ? `${n}文字` : '');
    const over = limit && n > limit;
    this.counter.classList.toggle('over', Boolean(over));
    this.warnEl.hidden = !over;
    this.warnEl.textContent = over ? '印字欄の目安を超えています。小さな文字で印字されるか、別紙に続きます。' : '';
  }

  get() {
    const v = this.field.type === 'mtext' ? this.input.value.replace(/\s+$/, '') : this.input.value.trim();
    return v === '' ? undefined : v;
  }

  set(v) {
    this.input.value = isEmpty(v) ? '' : String(v);
    this.update();
  }
}

class NumberControl extends Control {
  build() {
    const f = this.field;
    this.input = h('input', { id: this.id, name: this.id, type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'w-xs' });
    this.describe(this.input);
    const range = f.min !== undefined || f.max !== undefined ? `${f.min ?? ''}〜${f.max ?? ''}` : '';
    this.hint(range ? `半角数字(${range})` : '半角数字');
    this.input.addEventListener('input', () => this.changed());
    this.input.addEventListener('blur', () => {
      const v = this.input.value.normalize('NFKC').trim();
      if (v !== this.input.value) this.input.value = v;
      if (v && !/^-?\d+$/.test(v)) this.setLocalError('数字で入力してください。');
      else if (v && ((f.min !== undefined && Number(v) < f.min) || (f.max !== undefined && Number(v) > f.max)))
        this.setLocalError(`${range}の範囲で入力してください。`);
      else if (this.localError) this.setLocalError('');
      this.changed();
    });
    return this.wrap(h('div', { class: 'field-input' }, this.input));
  }

  get() {
    const v = this.input.value.normalize('NFKC').trim();
    if (!v) return undefined;
    return /^-?\d+$/.test(v) ? Number(v) : v;  // not a number: the server names the field
  }

  set(v) { this.input.value = isEmpty(v) ? '' : String(v); }
}

class DateControl extends Control {
  build() {
    this.iso = '';
    this.input = h('input', { id: this.id, name: this.id, type: 'text', autocomplete: 'off', class: 'w-date', placeholder: '例: 令和7年11月20日' });
    this.describe(this.input);
    this.shown = h('span', { class: 'date-echo' });
    const today = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${this.field.label}に今日の日付を入れる` }, '今日');
    today.addEventListener('click', () => { this.set(todayIso()); this.setLocalError(''); this.changed(); this.input.focus(); });
    this.hint('R7.11.20 や 2025-11-20 でも入力できます');
    this.input.addEventListener('input', () => { this.read(false); this.changed(); });
    this.input.addEventListener('blur', () => this.read(true));
    return this.wrap(h('div', { class: 'field-input' }, this.input, today, this.shown));
  }

  // Parses what is typed; on blur shows it in 和暦 and reports a problem.
  read(final) {
    const r = parseDate(this.input.value);
    this.iso = r.iso || '';
    this.shown.textContent = westernEcho(this.iso);
    if (!final) return;
    if (this.iso) this.input.value = formatWareki(this.iso);
    this.setLocalError(this.iso ? '' : r.error || '');
    this.changed();
  }

  get() {
    if (this.iso) return this.iso;
    const raw = this.input.value.trim();
    return raw === '' ? undefined : raw;  // unreadable: sent as typed, so the request is refused at this field
  }

  set(v) {
    const r = parseDate(v || '');
    this.iso = r.iso || '';
    this.input.value = this.iso ? formatWareki(this.iso) : (v || '');
    this.shown.textContent = westernEcho(this.iso);
  }
}

class TimeControl extends Control {
  build() {
    this.input = h('input', { id: this.id, name: this.id, type: 'text', autocomplete: 'off', inputmode: 'numeric', class: 'w-time', placeholder: '例: 14:30' });
    this.describe(this.input);
    this.hint('24時間表記(14:30、1430、14時30分)');
    this.input.addEventListener('input', () => this.changed());
    this.input.addEventListener('blur', () => {
      const r = parseTime(this.input.value);
      if (r.hhmm) { this.input.value = r.hhmm; if (this.localError) this.setLocalError(''); }
      else if (r.error) this.setLocalError(r.error);
      else if (this.localError) this.setLocalError('');
      this.changed();
    });
    return this.wrap(h('div', { class: 'field-input' }, this.input));
  }

  get() {
    const r = parseTime(this.input.value);
    if (r.hhmm) return r.hhmm;
    const raw = this.input.value.trim();
    return raw === '' ? undefined : raw;
  }

  set(v) { this.input.value = isEmpty(v) ? '' : String(v); }
}

class DateTimeControl extends Control {
  build() {
    // The date part is a DateControl whose own wrapper is not used: one label,
    // one hint and one error line for both inputs.
    this.date = new DateControl(this.field, this.id, this.scope);
    const dateInputs = this.date.build().querySelector('.field-input');
    this.date.setLocalError = (message) => { this.dateError = message; this.showLocal(); };
    this.date.changed = () => this.changed();
    this.timeInput = h('input', { id: `${this.id}-time`, type: 'text', autocomplete: 'off', inputmode: 'numeric', class: 'w-time', placeholder: '例: 15:10' });
    this.timeInput.addEventListener('input', () => this.changed());
    this.timeInput.addEventListener('blur', () => {
      const r = parseTime(this.timeInput.value);
      if (r.hhmm) this.timeInput.value = r.hhmm;
      this.timeError = r.error || '';
      this.showLocal();
      this.changed();
    });
    const timeLabel = h('label', { for: `${this.id}-time`, class: 'inline-label' }, '時刻');
    this.hint('日付と時刻(24時間表記)。例: 令和7年11月20日 15:10');
    const root = this.wrap(h('div', { class: 'field-input datetime' }, dateInputs, timeLabel, this.timeInput));
    this.describe(this.date.input);
    this.describe(this.timeInput);
    return root;
  }

  showLocal() { this.setLocalError(this.dateError || this.timeError || ''); }

  get() {
    const d = this.date.get();
    const t = parseTime(this.timeInput.value);
    if (d === undefined && !this.timeInput.value.trim()) return undefined;
    if (this.date.iso && t.hhmm) return `${this.date.iso}T${t.hhmm}:00+09:00`;
    return `${d || ''}T${this.timeInput.value.trim()}`;  // incomplete: refused at this field
  }

  set(v) {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(v || '');
    this.date.set(m ? m[1] : '');
    this.timeInput.value = m ? m[2] : '';
  }
}

// Options of an enum (radio) or multi (check box) field, with the notes that belong to them.
class ChoiceControl extends Control {
  build() {
    const f = this.field;
    const multi = f.type === 'multi';
    this.boxes = [];
    this.notes = [];  // {value, control, holder}
    const list = h('div', { class: `choices ${f.options.length > 6 ? 'choices-many' : ''}` });
    for (const option of f.options) {
      const id = `${this.id}-${option.value}`;
      const input = h('input', { type: multi ? 'checkbox' : 'radio', id, name: this.id, value: option.value });
      input.addEventListener('change', () => this.onToggle(input));
      this.boxes.push(input);
      const label = h('label', { for: id, class: 'choice' }, input, h('span', {}, option.label));
      if (multi && option.value === f.exclusive) label.classList.add('choice-exclusive');
      list.append(label);
      if (option.noteField) {
        const noteField = this.scope.noteSpec(option.noteField);
        if (noteField) {
          const control = this.scope.makeControl(noteField);
          const holder = h('div', { class: 'note-holder', hidden: true }, control.build());
          this.notes.push({ value: option.value, control, holder });
        }
      }
    }
    const body = [list];
    if (!f.required && !multi) {
      this.clearButton = h('button', { type: 'button', class: 'btn btn-link btn-small', hidden: true }, '選択を解除');
      this.clearButton.addEventListener('click', () => { this.set(undefined); this.changed(); this.boxes[0].focus(); });
      body.push(this.clearButton);
    }
    for (const n of this.notes) body.push(n.holder);
    if (multi && f.exclusive) {
      const ex = f.options.find((o) => o.value === f.exclusive);
      if (ex) this.hint(`「${ex.label}」は他の項目と同時に選べません`);
    } else if (multi) {
      this.hint('当てはまるものをすべて選んでください');
    }
    return this.wrap(h('div', { class: 'field-input' }, body), { group: true });
  }

  onToggle(input) {
    const f = this.field;
    if (f.type === 'multi' && f.exclusive && input.checked) {
      // なし excludes the others, and any other excludes なし.
      for (const b of this.boxes) {
        if (b === input) continue;
        if (input.value === f.exclusive || b.value === f.exclusive) b.checked = false;
      }
    }
    this.refreshNotes();
    this.changed();
  }

  refreshNotes() {
    const chosen = new Set(this.boxes.filter((b) => b.checked).map((b) => b.value));
    for (const n of this.notes) n.holder.hidden = !chosen.has(n.value);
    if (this.clearButton) this.clearButton.hidden = chosen.size === 0;
  }

  get() {
    const chosen = this.boxes.filter((b) => b.checked).map((b) => b.value);
    if (this.field.type === 'multi') return chosen.length ? chosen : undefined;
    return chosen[0];
  }

  set(v) {
    const values = new Set(Array.isArray(v) ? v : isEmpty(v) ? [] : [String(v)]);
    for (const b of this.boxes) b.checked = values.has(b.value);
    this.refreshNotes();
  }

  // The note controls whose option is chosen (their values are sent).
  activeNotes() {
    const chosen = new Set(this.boxes.filter((b) => b.checked).map((b) => b.value));
    return this.notes.filter((n) => chosen.has(n.value)).map((n) => n.control);
  }

  allNotes() { return this.notes.map((n) => n.control); }

  focus() {
    (this.boxes.find((b) => b.checked) || this.boxes[0]).focus();
  }
}

class BoolControl extends Control {
  build() {
    this.input = h('input', { type: 'checkbox', id: this.id, name: this.id });
    this.describe(this.input);
    this.input.addEventListener('change', () => this.changed());
    const label = h('label', { for: this.id, class: 'choice choice-bool' }, this.input, h('span', {}, this.labelContent()));
    this.root = h('div', { class: 'field field-bool', id: `field-${this.id}` }, label, this.hintEl, this.errorEl);
    this.root.dataset.key = this.field.key;
    this.hintEl.hidden = true;
    return this.root;
  }

  get() { return this.input.checked ? true : undefined; }
  set(v) { this.input.checked = v === true || v === 'true'; }
}

class DerivedControl extends Control {
  build() {
    this.output = h('output', { id: this.id, class: 'derived-value', 'aria-live': 'off' }, '—');
    this.hint(this.field.derived === 'reply_ref' ? '送信時に自動で付番します' : '入力内容から自動で計算します');
    return this.wrap(h('div', { class: 'field-input' }, this.output));
  }

  compute(values) {
    const f = this.field;
    const from = f.derivedFrom || [];
    let text = '';
    if (f.derived === 'age') {
      const age = ageOn(values[from[0] || 'pt_birth_date'], values[from[1] || 'doc_date']);
      text = age === null ? '' : `${age}歳`;
    } else if (f.derived === 'initials') {
      text = kanaInitials(values[from[from.length - 1] || 'pt_kana']);
    } else if (f.derived === 'municipality') {
      text = municipalityOf(values[from[0] || 'pt_address']);
    } else if (f.derived === 'reply_ref') {
      text = '(送信時に付番)';
    }
    this.output.textContent = text || '—';
  }

  get() { return undefined; }
  set() {}
  focus() { this.root.focus(); }
}

class TableControl extends Control {
  build() {
    const f = this.field;
    this.rows = [];  // {scope, controls, root}
    this.rowsEl = h('div', { class: 'table-rows' });
    this.addButton = h('button', { type: 'button', class: 'btn btn-secondary' }, '＋ 行を追加');
    this.addButton.addEventListener('click', () => {
      this.addRow({});
      this.changed();
      this.rows[this.rows.length - 1].controls[0].focus();
    });
    this.limitEl = h('span', { class: 'table-limit' });
    this.hint(`最大${f.maxRows}行まで入力できます`);
    const root = this.wrap(h('div', { class: 'field-input' }, this.rowsEl, h('div', { class: 'table-actions' }, this.addButton, this.limitEl)), { group: true });
    this.refresh();
    return root;
  }

  addRow(values) {
    const index = this.rows.length;
    const scope = new Scope(this.field.columns, `${this.id}-${index}`, () => this.changed());
    const controls = this.field.columns.filter((c) => !scope.isNote(c.key)).map((c) => scope.makeControl(c));
    const remove = h('button', { type: 'button', class: 'btn btn-link btn-danger-text' }, 'この行を削除');
    const title = h('legend', { class: 'row-title' }, `${index + 1}行目`);
    const row = { scope, controls, root: null };
    row.root = h('fieldset', { class: 'table-row' }, title, h('div', { class: 'row-grid' }, controls.map((c) => c.build())), remove);
    remove.addEventListener('click', () => {
      const at = this.rows.indexOf(row);
      const kept = this.get() || [];
      kept.splice(at, 1);
      this.set(kept);
      this.changed();
      (this.rows[Math.min(at, this.rows.length - 1)]?.controls[0] || { focus: () => this.addButton.focus() }).focus();
    });
    // A running number column (回目) starts with the row's number.
    const seq = this.field.columns.find((c) => c.key === 'seq' && c.type === 'number');
    if (seq && values.seq === undefined) values = { ...values, seq: index + 1 };
    scope.setValues(values);
    this.rows.push(row);
    this.rowsEl.append(row.root);
    this.refresh();
  }

  refresh() {
    const full = this.rows.length >= this.field.maxRows;
    this.addButton.disabled = full;
    this.limitEl.textContent = full ? `(最大${this.field.maxRows}行です)` : `${this.rows.length} / ${this.field.maxRows}行`;
  }

  get() {
    const rows = this.rows.map((r) => r.scope.values()).filter((v) => Object.keys(v).length > 0);
    return rows.length ? rows : undefined;
  }

  set(rows) {
    this.rows = [];
    this.rowsEl.replaceChildren();
    for (const r of Array.isArray(rows) ? rows.slice(0, this.field.maxRows) : []) this.addRow(r || {});
    this.refresh();
  }

  clearErrors() { for (const r of this.rows) r.scope.clearErrors(); }

  // "[1].date" -> the date control of the second row.
  showNested(rest, message) {
    const m = /^\[(\d+)\](?:\.([a-z0-9_]+))?/.exec(rest);
    if (!m || !this.rows[Number(m[1])] || !m[2]) return null;
    return this.rows[Number(m[1])].scope.showError(m[2], '', message);
  }

  focus() { (this.rows[0]?.controls[0] || { focus: () => this.addButton.focus() }).focus(); }
}

const CONTROLS = {
  text: TextControl,
  mtext: TextControl,
  phone: TextControl,
  number: NumberControl,
  date: DateControl,
  time: TimeControl,
  datetime: DateTimeControl,
  enum: ChoiceControl,
  multi: ChoiceControl,
  bool: BoolControl,
  derived: DerivedControl,
  table: TableControl,
};

// The controls of one list of fields (a sheet, or one table row), and the
// rules between them.
class Scope {
  constructor(fields, idPrefix, onChange) {
    this.fields = fields;
    this.idPrefix = idPrefix;
    this.onChange = onChange;
    this.controls = new Map();  // key -> control, note fields included
    this.noteOwners = new Map();  // note key -> {owner key, option value}
    for (const f of fields)
      for (const o of f.options || [])
        if (o.noteField) this.noteOwners.set(o.noteField, { owner: f.key, value: o.value });
  }

  isNote(key) { return this.noteOwners.has(key) && this.fields.some((f) => f.key === key); }
  noteSpec(key) { return this.fields.find((f) => f.key === key) || null; }

  makeControl(field) {
    const Kind = CONTROLS[field.type] || TextControl;
    const control = new Kind(field, `${this.idPrefix}-${field.key}`, this);
    this.controls.set(field.key, control);
    return control;
  }

  changed(control) {
    if (control && control.localError === '' && !control.errorEl.hidden) control.setError('');
    this.refreshRules();
    if (this.onChange) this.onChange(control);
  }

  // Values as the API takes them: empty fields and notes of unchosen options left out.
  values() {
    const out = {};
    const hiddenNotes = new Set();
    for (const c of this.controls.values())
      if (c instanceof ChoiceControl) {
        const active = new Set(c.activeNotes());
        for (const n of c.allNotes()) if (!active.has(n)) hiddenNotes.add(n);
      }
    for (const [key, c] of this.controls) {
      if (hiddenNotes.has(c)) continue;
      const v = c.get();
      if (!isEmpty(v)) out[key] = v;
    }
    return out;
  }

  setValues(values) {
    for (const [key, c] of this.controls) c.set(values ? values[key] : undefined);
    this.refreshRules();
  }

  // Conditional requirements and derived values follow what is filled in.
  refreshRules() {
    const values = this.values();
    for (const f of this.fields) {
      const c = this.controls.get(f.key);
      if (!c) continue;
      if (f.requiredWhen) {
        const holds = f.requiredWhen.some((cond) => {
          const v = values[cond.field];
          if (isEmpty(v)) return false;
          if (!cond.anyOf) return true;
          return (Array.isArray(v) ? v : [v]).some((x) => cond.anyOf.includes(String(x)));
        });
        c.setConditionallyRequired(holds);
      }
      if (c instanceof DerivedControl) c.compute(values);
    }
  }

  clearErrors() {
    for (const c of this.controls.values()) {
      c.setError(c.localError || '');
      if (c instanceof TableControl) c.clearErrors();
    }
  }

  // Shows message at key (rest: "[0].date" inside a table). Returns the control or null.
  showError(key, rest, message) {
    const c = this.controls.get(key);
    if (!c) return null;
    if (c instanceof TableControl && rest) {
      const nested = c.showNested(rest, message);
      if (nested) return nested;
    }
    c.setError(c.localError || message);
    return c;
  }
}

// The whole form of one sheet.
export class SheetForm {
  // flat: the fields one after another, without section cards (the fax cover options).
  constructor(sheet, { onChange, idPrefix = 'f', flat = false } = {}) {
    this.sheet = sheet;
    this.scope = new Scope(sheet.fields, idPrefix, onChange);
    this.sections = [];  // {code, title, root, errorCount, keys}
    this.element = flat ? this.buildFlat() : this.build();
  }

  buildFlat() {
    const fields = this.sheet.fields.filter((f) => !this.scope.isNote(f.key));
    const root = h('div', { class: 'section-fields' }, fields.map((f) => this.scope.makeControl(f).build()));
    this.scope.refreshRules();
    return root;
  }

  build() {
    const order = [];
    const byCode = new Map();
    for (const f of this.sheet.fields) {
      if (this.scope.isNote(f.key)) continue;
      const code = f.section || '';
      if (!byCode.has(code)) { byCode.set(code, []); order.push(code); }
      byCode.get(code).push(f);
    }
    const cards = [];
    for (const code of order) {
      const fields = byCode.get(code);
      const headingId = uid('sec');
      const body = h('div', { class: 'section-fields' }, fields.map((f) => this.scope.makeControl(f).build()));
      const errorCount = h('span', { class: 'section-errors', hidden: true });
      const title = sectionTitle(code);
      let root;
      if (isPhysicianSection(code)) {
        root = h('details', { class: 'card form-section', id: `sec-${code}`, 'aria-labelledby': headingId },
          h('summary', {}, h('h2', { id: headingId, class: 'section-title' }, title, errorCount)),
          h('p', { class: 'section-note' }, '主治医が記入する欄です。ふつうは空欄のまま送ります。'), body);
      } else {
        root = h('section', { class: 'card form-section', id: `sec-${code}`, 'aria-labelledby': headingId },
          h('h2', { id: headingId, class: 'section-title', tabindex: '-1' }, title, errorCount), body);
      }
      this.sections.push({ code, title, root, errorCount, keys: new Set(fields.map((f) => f.key)) });
      cards.push(root);
    }
    this.scope.refreshRules();
    return h('div', { class: 'sheet-form' }, cards);
  }

  values() { return this.scope.values(); }

  setValues(values) { this.scope.setValues(values || {}); }

  // Problems from the API ({field: "fields.pt_name", message}). Returns
  // {shown: [{control, message}], unplaced: [problem]} so the page can list them.
  showErrors(errors, prefix = 'fields') {
    this.clearErrors();
    const shown = [];
    const unplaced = [];
    for (const e of errors) {
      const m = new RegExp(`^${prefix}\\.([a-z0-9_]+)(.*)$`).exec(e.field || '');
      const control = m ? this.scope.showError(m[1], m[2], e.message) : null;
      if (control) shown.push({ control, message: control.localError || e.message, problem: e });
      else unplaced.push(e);
    }
    for (const s of this.sections) {
      const n = shown.filter((x) => s.root.contains(x.control.root)).length;
      for (const badge of [s.errorCount, s.tocBadge].filter(Boolean)) {
        badge.hidden = n === 0;
        badge.textContent = n ? `${n}件の誤り` : '';
      }
      if (n && s.root.tagName === 'DETAILS') s.root.open = true;
    }
    return { shown, unplaced };
  }

  clearErrors() {
    this.scope.clearErrors();
    for (const s of this.sections) for (const badge of [s.errorCount, s.tocBadge].filter(Boolean)) badge.hidden = true;
  }

  // Problems the page finds itself (unreadable dates and numbers), before asking the server.
  localProblems() {
    const out = [];
    const walk = (scope) => {
      for (const c of scope.controls.values()) {
        if (c.localError && c.root && c.root.offsetParent !== null) out.push({ control: c, message: c.localError });
        if (c instanceof TableControl) for (const r of c.rows) walk(r.scope);
      }
    };
    walk(this.scope);
    return out;
  }

  control(key) { return this.scope.controls.get(key); }
}

export { kanaInitials, municipalityOf, toKatakana };
