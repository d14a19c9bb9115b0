// Filling and sending one sheet, in three steps: 1 入力 (the generated form),
// 2 送信先 (print or fax, the partner, cover and attachments), 3 確認・送信
// (the PDF the server renders; for a fax also the masked version the partner
// receives). The sheet is kept as a draft on the server while it is filled
// (saved a moment after each change), so nothing typed is lost, and a fax
// waits out its hold window with 「送信取消」.

import { api } from '../api.js';
import { h, replace, announce, toast, formatBytes, uid } from '../dom.js';
import { SheetForm } from '../form.js';
import { app, sheetSchema, navigate } from '../app.js';
import { formatShortDateTime, todayIso } from '../wareki.js';
import { PartnerPicker } from './partner.js';
import { PdfViewer, HoldPanel } from './common.js';

const COVER_KEYS = ['reply_needed', 'reply_deadline', 'receipt_call_request', 'message'];
const SAVE_DELAY_MS = 1500;
const STEPS = ['入力', '送信先', '確認・送信'];

export async function showEditor(ctx, { sheetId, draftId }) {
  const draft = draftId ? await api('GET', `/api/v1/drafts/${encodeURIComponent(draftId)}`) : null;
  const sheet = await sheetSchema(draft ? draft.sheet : sheetId);
  const cover = await sheetSchema('fax-cover');
  return new Editor(ctx.main, sheet, cover, draft);
}

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

class Editor {
  constructor(main, sheet, coverSheet, draft) {
    this.main = main;
    this.sheet = sheet;
    this.draft = draft;  // {id, revision} once saved
    this.dirty = false;
    this.saveTimer = 0;
    this.saving = null;
    this.step = 1;
    this.attachments = [];  // {name, size, contentBase64}
    this.job = null;
    this.hold = null;
    this.idempotencyKey = randomKey();
    this.viewers = [];

    this.form = new SheetForm(sheet, { onChange: () => this.touched() });
    this.coverForm = new SheetForm({ fields: coverSheet.fields.filter((f) => COVER_KEYS.includes(f.key)) },
      { idPrefix: 'cover', onChange: () => this.touched(), flat: true });
    this.partner = new PartnerPicker({ onChange: () => this.touched() });
    this.build();
    this.load();
    app.leaveGuard = () => (this.dirty || this.saving ? '保存されていない入力があります。このページを離れますか?' : '');
  }

  // ---- layout ----

  build() {
    this.statusEl = h('span', { class: 'save-status', id: 'save-status', role: 'status' });
    this.saveButton = h('button', { type: 'button', class: 'btn', id: 'save-draft' }, '下書きを保存');
    this.saveButton.addEventListener('click', () => this.save());
    this.summaryEl = h('div', { class: 'error-summary', id: 'error-summary', tabindex: '-1', hidden: true, role: 'alert' });
    this.stepper = h('ol', { class: 'stepper', 'aria-label': '手順' });
    this.panels = [this.buildInput(), this.buildDestination(), this.buildConfirm()];
    replace(this.main,
      h('div', { class: 'editor-head' },
        h('div', {},
          h('h1', { class: 'page-title' }, this.sheet.title),
          h('p', { class: 'muted' }, this.draft && this.draft.sourceJob ? '以前の送信内容をコピーして作成しています。記入日を確認してください。' : '')),
        h('div', { class: 'editor-actions' }, this.statusEl, this.saveButton)),
      this.stepper, this.summaryEl, this.panels);
    this.showStep(1, { focus: false });
  }

  buildInput() {
    const toc = h('nav', { class: 'toc', 'aria-label': '項目の一覧' },
      h('p', { class: 'toc-title' }, '項目'),
      h('ol', {}, this.form.sections.map((s) => {
        s.tocBadge = h('span', { class: 'section-errors', hidden: true });
        const link = h('a', { href: `#sec-${s.code}`, class: 'toc-link' }, s.title, ' ', s.tocBadge);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          if (s.root.tagName === 'DETAILS') s.root.open = true;
          s.root.scrollIntoView({ block: 'start' });
          const heading = s.root.querySelector('h2');
          heading.setAttribute('tabindex', '-1');
          heading.focus({ preventScroll: true });
        });
        return h('li', {}, link);
      })));
    const next = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'to-destination' }, '次へ: 送信先を選ぶ');
    next.addEventListener('click', () => this.toDestination(next));
    return h('section', { class: 'step-panel', 'aria-labelledby': 'step1-title' },
      h('h2', { class: 'visually-hidden', id: 'step1-title', tabindex: '-1' }, '手順1 入力'),
      h('div', { class: 'editor-body' }, toc, h('div', { class: 'editor-main' }, this.form.element)),
      h('div', { class: 'action-bar' }, h('p', { class: 'muted small' }, '入力内容はサーバーの下書きに自動で保存されます。'), next));
  }

  buildDestination() {
    const name = uid('channel');
    this.channelInputs = ['print', 'fax'].map((value) => h('input', { type: 'radio', name, id: `channel-${value}`, value }));
    for (const input of this.channelInputs) input.addEventListener('change', () => { this.refreshChannel(); this.touched(); });
    const refId = 'patient-ref';
    this.patientRef = h('input', { id: refId, type: 'text', class: 'w-m', maxlength: 40, autocomplete: 'off' });
    this.patientRef.addEventListener('input', () => this.touched());
    this.fileInput = h('input', { type: 'file', id: 'attachment-file', accept: 'application/pdf,.pdf', multiple: true, class: 'file-input' });
    this.fileInput.addEventListener('change', () => this.addFiles());
    this.attachmentList = h('ul', { class: 'attachment-list' });
    this.attachmentError = h('p', { class: 'field-error', hidden: true });
    this.faxBlock = h('section', { class: 'card', 'aria-labelledby': 'fax-title' },
      h('h3', { id: 'fax-title' }, 'FAXの送信先'), this.partner.element,
      h('h3', {}, '送付状(FAX送付状に印字されます)'), this.coverForm.element);
    const back = h('button', { type: 'button', class: 'btn btn-large' }, '戻る: 入力');
    back.addEventListener('click', () => this.showStep(1));
    const next = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'to-confirm' }, '次へ: 内容を確認する');
    next.addEventListener('click', () => this.toConfirm(next));
    return h('section', { class: 'step-panel', 'aria-labelledby': 'step2-title' },
      h('h2', { id: 'step2-title', tabindex: '-1' }, '送信先と添付書類'),
      h('section', { class: 'card' },
        h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, '送り方'),
          h('div', { class: 'choices choices-large' },
            h('label', { for: 'channel-fax', class: 'choice' }, this.channelInputs[1], h('span', {}, 'FAXで送信する(連携先一覧の宛先へ)')),
            h('label', { for: 'channel-print', class: 'choice' }, this.channelInputs[0], h('span', {}, '印刷する(事業所のプリンターへ)')))),
        h('div', { class: 'field' },
          h('label', { for: refId, class: 'field-label' }, '利用者番号(事業所内の管理番号・任意)'),
          h('div', { class: 'field-input' }, this.patientRef),
          h('p', { class: 'field-hint' }, '送信履歴を利用者ごとに探すときに使います。シートには印字されません。'))),
      this.faxBlock,
      h('section', { class: 'card', 'aria-labelledby': 'attach-title' },
        h('h3', { id: 'attach-title' }, '添付書類(PDF・任意)'),
        h('p', { class: 'muted' }, '居宅サービス計画書などのPDFを、シートの後ろに付けて送れます。'),
        h('label', { for: 'attachment-file', class: 'btn' }, 'PDFファイルを選ぶ'), this.fileInput,
        this.attachmentError, this.attachmentList),
      h('div', { class: 'action-bar' }, back, next));
  }

  buildConfirm() {
    this.confirmDestination = h('div', { class: 'confirm-destination' });
    this.confirmSummary = h('dl', { class: 'summary-list summary-stack' });
    this.tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'プレビュー' });
    this.viewerHolder = h('div', { class: 'viewer-holder' });
    this.sendButton = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'send' }, '送信する');
    this.sendButton.addEventListener('click', () => this.send());
    this.sendArea = h('div', { class: 'send-area' });
    const back = h('button', { type: 'button', class: 'btn' }, '戻る: 送信先');
    back.addEventListener('click', () => this.showStep(2));
    this.confirmBack = back;
    // Where it goes and the send button first, so both show without scrolling.
    return h('section', { class: 'step-panel', 'aria-labelledby': 'step3-title' },
      h('h2', { id: 'step3-title', tabindex: '-1' }, '内容の確認と送信'),
      h('div', { class: 'confirm-layout' },
        h('section', { class: 'card confirm-side', 'aria-label': '送信' }, this.confirmDestination, this.sendArea,
          this.confirmSummary, h('p', { class: 'confirm-back' }, back)),
        h('section', { class: 'card confirm-preview', 'aria-label': 'プレビュー' }, this.tabs, this.viewerHolder)));
  }

  renderStepper() {
    replace(this.stepper, STEPS.map((label, i) => {
      const n = i + 1;
      const b = h('button', { type: 'button', class: 'step', 'aria-current': n === this.step ? 'step' : null, disabled: Boolean(this.job && this.job.state === 'held') },
        h('span', { class: 'step-number' }, String(n)), label);
      b.addEventListener('click', () => {
        if (n === this.step) return;
        if (n === 1) this.showStep(1);
        else if (n === 2) this.toDestination(b);
        else this.toConfirm(b);
      });
      return h('li', {}, b);
    }));
  }

  showStep(n, { focus = true } = {}) {
    this.step = n;
    this.panels.forEach((p, i) => { p.hidden = i + 1 !== n; });
    this.renderStepper();
    if (focus) {
      window.scrollTo(0, 0);
      const heading = this.panels[n - 1].querySelector('h2');
      heading.focus({ preventScroll: true });
    }
  }

  // ---- values and drafts ----

  load() {
    const d = this.draft;
    if (d) {
      this.form.setValues(d.fields || {});
      this.patientRef.value = d.patientRef || '';
      const delivery = d.delivery || {};
      this.channelInputs.forEach((i) => { i.checked = i.value === (delivery.channel || 'fax'); });
      this.coverForm.setValues(d.cover || { reply_needed: 'no' });
      if (delivery.partner) this.partner.selectId(delivery.partner).catch(() => {});
    } else {
      this.prefill();
      this.channelInputs.forEach((i) => { i.checked = i.value === 'fax'; });
      this.coverForm.setValues({ reply_needed: 'no' });
    }
    // A new sheet and a copy start dated today.
    if (!this.form.values().doc_date && this.form.control('doc_date')) {
      const values = this.form.values();
      values.doc_date = todayIso();
      this.form.setValues(values);
    }
    this.refreshChannel();
    this.partner.search().catch(() => {});
    this.setStatus(d ? `下書き(${formatShortDateTime(d.updatedAt)} 保存)` : '未保存');
  }

  // The office's own details from the office registry, on a new sheet (the
  // server fills and checks them too: a sheet cannot sign as another office).
  prefill() {
    const info = app.session && app.session.officeInfo;
    if (!info) return;
    const values = {};
    const put = (key, value) => { if (value && this.form.control(key)) values[key] = value; };
    put('sender_office_name', info.name);
    put('sender_office_no', info.officeNumber);
    put('sender_address', info.address);
    put('sender_phone', info.phone);
    put('sender_fax', info.fax);
    if (info.careManagers && info.careManagers.length === 1) put('sender_cm_name', info.careManagers[0]);
    this.form.setValues(values);
  }

  channel() { return (this.channelInputs.find((i) => i.checked) || {}).value || 'fax'; }

  refreshChannel() {
    this.faxBlock.hidden = this.channel() !== 'fax';
  }

  request() {
    const body = { sheet: this.sheet.id, fields: this.form.values() };
    const ref = this.patientRef.value.trim();
    if (ref) body.patient_ref = ref;
    if (this.channel() === 'fax') {
      body.delivery = { channel: 'fax', partner: this.partner.selected ? this.partner.selected.id : '' };
      body.cover = this.coverForm.values();
    } else {
      body.delivery = { channel: 'print' };
    }
    if (this.attachments.length) body.attachments = this.attachments.map((a) => ({ name: a.name, contentBase64: a.contentBase64 }));
    return body;
  }

  draftBody() {
    const fields = this.form.values();
    const body = {
      sheet: this.sheet.id,
      title: fields.pt_name || '',
      fields,
      delivery: this.channel() === 'fax' ? { channel: 'fax', partner: this.partner.selected ? this.partner.selected.id : '' } : { channel: 'print' },
      cover: this.coverForm.values(),
    };
    if (this.patientRef.value.trim()) body.patient_ref = this.patientRef.value.trim();
    return body;
  }

  touched() {
    this.dirty = true;
    this.dropPreviews();
    this.setStatus('未保存の変更があります');
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.save({ quiet: true }), SAVE_DELAY_MS);
  }

  setStatus(text) { this.statusEl.textContent = text; }

  // What was previewed no longer matches the input.
  dropPreviews() {
    for (const p of [this.previewPrint, this.previewFax]) if (p) p.viewer.dispose();
    this.previewPrint = null;
    this.previewFax = null;
  }

  async save({ quiet = false, force = false } = {}) {
    window.clearTimeout(this.saveTimer);
    if (this.saving) { await this.saving; if (!this.dirty) return; }
    const body = this.draftBody();
    this.dirty = false;
    this.setStatus('保存しています…');
    this.saving = (async () => {
      try {
        if (!this.draft) {
          this.draft = await api('POST', '/api/v1/drafts', body);
          history.replaceState(null, '', `#/drafts/${this.draft.id}`);
        } else {
          if (!force) body.revision = this.draft.revision;
          const saved = await api('PUT', `/api/v1/drafts/${this.draft.id}`, body);
          this.draft.revision = saved.revision;
          this.draft.updatedAt = saved.updatedAt;
        }
        this.setStatus(`下書きを保存しました(${formatShortDateTime(this.draft.updatedAt || new Date().toISOString()).slice(-5)})`);
        if (!quiet) toast('下書きを保存しました。', 'success');
      } catch (e) {
        this.dirty = true;
        if (e.status === 409 && this.draft) {
          this.setStatus('保存できませんでした');
          if (window.confirm(`${e.title}\nこの画面の内容で上書きしますか?`)) { this.saving = null; await this.save({ force: true }); }
        } else if (e.status === 404 && this.draft) {
          this.draft = null;  // deleted elsewhere: keep it as a new draft
          this.saving = null;
          await this.save({ quiet });
        } else {
          this.setStatus('下書きを保存できませんでした');
          if (e.status !== 401) toast(`下書きを保存できませんでした: ${e.title || e}`, 'error');
        }
      } finally {
        this.saving = null;
      }
    })();
    await this.saving;
  }

  // ---- problems ----

  // Shows problems from the page and the server in one list at the top.
  showProblems(items, title) {
    if (!items.length) { this.summaryEl.hidden = true; return; }
    const kShown = 10;
    const linkOf = (item) => {
      // Server messages name their field (「入院日」は必須です。); the page's own do not.
      const text = !item.label || item.message.includes(`「${item.label}」`) ? item.message : `${item.label}: ${item.message}`;
      const link = h('a', { href: '#' }, text);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        if (item.step && item.step !== this.step) this.showStep(item.step, { focus: false });
        if (item.control) {
          const section = item.control.root.closest('details');
          if (section) section.open = true;
          item.control.root.scrollIntoView({ block: 'center' });
          item.control.focus();
        } else if (item.focus) item.focus();
      });
      return h('li', {}, link);
    };
    const more = items.length > kShown
      ? h('details', { class: 'summary-more' }, h('summary', {}, `ほかに${items.length - kShown}件あります`),
        h('ul', {}, items.slice(kShown).map(linkOf)))
      : null;
    replace(this.summaryEl,
      h('h2', { class: 'summary-title' }, title || `入力内容を確認してください(${items.length}件)`),
      h('ul', {}, items.slice(0, kShown).map(linkOf)), more);
    this.summaryEl.hidden = false;
    this.summaryEl.focus();
    announce(`入力内容に${items.length}件の誤りがあります。`);
  }

  // Sorts 422 problems to the form, the cover, the partner or the attachments.
  placeProblems(errors) {
    const items = [];
    const form = this.form.showErrors(errors.filter((e) => (e.field || '').startsWith('fields')), 'fields');
    for (const s of form.shown) items.push({ step: 1, control: s.control, label: s.control.field.label, message: s.message });
    const cover = this.coverForm.showErrors(errors.filter((e) => (e.field || '').startsWith('cover')), 'cover');
    for (const s of cover.shown) items.push({ step: 2, control: s.control, label: s.control.field.label, message: s.message });
    for (const e of [...form.unplaced, ...cover.unplaced, ...errors.filter((x) => !/^(fields|cover)/.test(x.field || ''))]) {
      if ((e.field || '').startsWith('delivery')) {
        this.partner.setError(e.message);
        items.push({ step: 2, label: '送信先', message: e.message, focus: () => this.partner.focus() });
      } else if ((e.field || '').startsWith('attachments')) {
        this.attachmentError.textContent = e.message;
        this.attachmentError.hidden = false;
        items.push({ step: 2, label: '添付書類', message: e.message, focus: () => this.fileInput.focus() });
      } else {
        items.push({ message: e.message });
      }
    }
    return items;
  }

  clearProblems() {
    this.form.clearErrors();
    this.coverForm.clearErrors();
    this.partner.setError('');
    this.attachmentError.hidden = true;
    this.summaryEl.hidden = true;
  }

  // ---- steps ----

  async toDestination(button) {
    const local = this.form.localProblems();
    if (local.length) {
      this.showStep(1, { focus: false });
      this.showProblems(local.map((p) => ({ step: 1, control: p.control, label: p.control.field.label, message: p.message })));
      return;
    }
    await this.busy(button, 'チェックしています…', async () => {
      try {
        const viewer = new PdfViewer('');
        const headers = await viewer.load('POST', `/api/v1/sheets/${this.sheet.id}/render?format=pdf`, { fields: this.form.values() });
        this.previewPrint = { viewer, pages: headers.get('X-Page-Count') };
        this.clearProblems();
        this.showStep(2);
      } catch (e) {
        if (e.status === 422) {
          this.showStep(1, { focus: false });
          this.showProblems(this.placeProblems(e.errors));
        } else if (e.status !== 401) {
          toast(e.title || String(e), 'error');
        }
      }
    });
  }

  async toConfirm(button) {
    if (!this.previewPrint) {
      await this.toDestination(button);
      if (this.step !== 2) return;
    }
    if (this.channel() === 'fax' && !this.partner.selected) {
      this.showStep(2, { focus: false });
      this.partner.setError('送信先を選んでください。');
      this.showProblems([{ step: 2, label: '送信先', message: '送信先を選んでください。', focus: () => this.partner.focus() }]);
      return;
    }
    await this.busy(button, 'プレビューを作成しています…', async () => {
      try {
        if (this.channel() === 'fax') {
          const viewer = new PdfViewer('');
          const body = { fields: this.form.values(), cover: this.coverForm.values() };
          if (this.attachments.length) body.attachments = this.request().attachments;
          const headers = await viewer.load('POST', `/api/v1/sheets/${this.sheet.id}/render?format=pdf&fax=${encodeURIComponent(this.partner.selected.id)}`, body);
          this.previewFax = { viewer, pages: headers.get('X-Page-Count') };
        }
        this.clearProblems();
        this.renderConfirm();
        this.showStep(3);
      } catch (e) {
        if (e.status === 422) {
          const items = this.placeProblems(e.errors);
          this.showStep(items.some((i) => i.step === 1) ? 1 : 2, { focus: false });
          this.showProblems(items);
        } else if (e.status !== 401) {
          toast(e.title || String(e), 'error');
        }
      }
    });
  }

  async busy(button, text, fn) {
    const label = button.textContent;
    button.disabled = true;
    button.textContent = text;
    try {
      await fn();
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  renderConfirm() {
    const fax = this.channel() === 'fax';
    const p = this.partner.selected;
    if (fax && p) {
      replace(this.confirmDestination,
        h('p', { class: 'selected-label' }, 'FAXの送信先'),
        h('p', { class: 'selected-name' }, `${p.name} ${p.department || ''}`.trim(), p.person ? ` ${p.person} 様` : ''),
        h('p', { class: 'fax-number fax-number-large', id: 'confirm-fax' }, p.fax));
    } else {
      replace(this.confirmDestination, h('p', { class: 'selected-label' }, '送り方'), h('p', { class: 'selected-name' }, '事業所のプリンターで印刷'));
    }
    const rows = [
      ['帳票', this.sheet.title],
      ['利用者', this.form.values().pt_name || '(未入力)'],
      ['添付書類', this.attachments.length ? this.attachments.map((a) => a.name).join('、') : 'なし'],
    ];
    const pages = fax ? this.previewFax && this.previewFax.pages : this.previewPrint && this.previewPrint.pages;
    if (pages) rows.push([fax ? '送信枚数(送付状を含む)' : '枚数', `${pages}枚`]);
    replace(this.confirmSummary, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    this.sendButton.textContent = fax ? 'FAXを送信する' : '印刷に送る';
    this.sendButton.disabled = false;
    replace(this.sendArea, h('p', { class: 'muted small' }, fax
      ? '送信すると、取り消せる待機時間のあとにFAXが送られます。'
      : '事業所のプリンターの印刷待ちに入ります。'), this.sendButton);
    this.confirmBack.disabled = false;

    // Tabs: what the partner receives first, then the full copy.
    const views = fax
      ? [{ label: '相手に届くFAX(氏名を伏せた版)', preview: this.previewFax }, { label: '控え(すべての情報)', preview: this.previewPrint }]
      : [{ label: '印刷する内容', preview: this.previewPrint }];
    const tabs = views.map((v, i) => {
      const tab = h('button', { type: 'button', role: 'tab', id: `preview-tab-${i}`, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1', class: 'tab' }, v.label);
      tab.addEventListener('click', () => select(i));
      tab.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          const j = (i + (e.key === 'ArrowRight' ? 1 : views.length - 1)) % views.length;
          select(j);
          tabs[j].focus();
        }
      });
      return tab;
    });
    const select = (i) => {
      tabs.forEach((t, j) => { t.setAttribute('aria-selected', j === i ? 'true' : 'false'); t.tabIndex = j === i ? 0 : -1; });
      const v = views[i];
      v.preview.viewer.frame.title = v.label;
      replace(this.viewerHolder, h('div', { role: 'tabpanel', 'aria-labelledby': `preview-tab-${i}` }, v.preview.viewer.element));
    };
    replace(this.tabs, tabs);
    select(0);
  }

  // ---- sending ----

  async send({ allowDuplicate = false } = {}) {
    this.sendButton.disabled = true;
    this.sendButton.textContent = '送信しています…';
    const body = this.request();
    if (allowDuplicate) body.allow_duplicate = true;
    try {
      await this.save({ quiet: true });
      const job = await api('POST', '/api/v1/jobs', body, { headers: { 'Idempotency-Key': this.idempotencyKey } });
      this.idempotencyKey = randomKey();
      this.sent(job);
    } catch (e) {
      this.sendButton.disabled = false;
      this.sendButton.textContent = this.channel() === 'fax' ? 'FAXを送信する' : '印刷に送る';
      if (e.status === 409 && /allow_duplicate|同じ内容/.test(e.title)) {
        this.idempotencyKey = randomKey();
        if (window.confirm('同じ内容をつい先ほど送信しています。もう一度送信しますか?')) await this.send({ allowDuplicate: true });
      } else if (e.status === 422) {
        const items = this.placeProblems(e.errors);
        this.showStep(items.some((i) => i.step === 1) ? 1 : 2, { focus: false });
        this.showProblems(items);
      } else if (e.status === 413) {
        this.showStep(2, { focus: false });
        this.showProblems([{ step: 2, label: '添付書類', message: '送信する内容が大きすぎます。添付するPDFを減らすか、小さくしてください。', focus: () => this.fileInput.focus() }]);
      } else if (e.status !== 401) {
        toast(`送信できませんでした: ${e.title || e}`, 'error');
      }
    }
  }

  sent(job) {
    this.job = job;
    this.renderStepper();
    this.confirmBack.disabled = job.state === 'held';
    if (job.state === 'held') {
      this.hold = new HoldPanel(job, { onChange: (j) => this.holdChanged(j), showDestination: false });
      replace(this.sendArea, this.hold.element);
      this.hold.cancelButton.focus();
      return;
    }
    this.finished(job);
    replace(this.sendArea, h('p', { class: 'hold-title done', role: 'status' }, job.channel === 'print' ? '印刷に送りました。' : '送信を受け付けました。'),
      h('p', {}, h('a', { href: `#/jobs/${job.id}`, class: 'btn' }, '送信の詳細を見る')));
    announce(job.channel === 'print' ? '印刷に送りました。' : '送信を受け付けました。');
  }

  holdChanged(job) {
    this.job = job;
    if (job.state === 'cancelled') {
      this.job = null;
      this.renderStepper();
      this.confirmBack.disabled = false;
      const again = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'send-again' }, 'もう一度送信する');
      again.addEventListener('click', () => { this.renderConfirm(); this.send(); });
      const edit = h('button', { type: 'button', class: 'btn btn-large' }, '内容を修正する');
      edit.addEventListener('click', () => { this.renderConfirm(); this.showStep(1); });
      this.sendArea.append(h('p', { class: 'muted' }, '内容は下書きに残っています。'), h('div', { class: 'button-row' }, again, edit));
      again.focus();
      return;
    }
    this.renderStepper();
    if (job.state !== 'held') this.finished(job);
  }

  // The sheet went out: its draft is no longer needed.
  async finished(job) {
    app.leaveGuard = null;
    window.clearTimeout(this.saveTimer);
    this.dirty = false;
    if (this.saving) await this.saving;
    if (this.draft && job.state !== 'cancelled') {
      const id = this.draft.id;
      this.draft = null;
      try { await api('DELETE', `/api/v1/drafts/${id}`); } catch (e) { /* already gone */ }
      // The draft is gone: reloading this page shows the job instead.
      history.replaceState(null, '', `#/jobs/${job.id}`);
    }
    this.saveButton.disabled = true;
    this.setStatus('送信済み(下書きは削除しました)');
  }

  // ---- attachments ----

  async addFiles() {
    this.attachmentError.hidden = true;
    for (const file of [...this.fileInput.files]) {
      if (!/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') {
        this.attachmentError.textContent = `${file.name} はPDFではありません。PDFファイルを選んでください。`;
        this.attachmentError.hidden = false;
        continue;
      }
      this.attachments.push({ name: file.name, size: file.size, contentBase64: await readAsBase64(file) });
    }
    this.fileInput.value = '';
    this.renderAttachments();
    this.dropPreviews();
  }

  renderAttachments() {
    replace(this.attachmentList, this.attachments.map((a, i) => {
      const remove = h('button', { type: 'button', class: 'btn btn-link btn-danger-text', 'aria-label': `${a.name} を外す` }, '外す');
      remove.addEventListener('click', () => { this.attachments.splice(i, 1); this.renderAttachments(); this.dropPreviews(); });
      return h('li', {}, h('span', {}, `${a.name}(${formatBytes(a.size)})`), remove);
    }));
  }

  dispose() {
    window.clearTimeout(this.saveTimer);
    if (this.dirty) this.save({ quiet: true });
    if (this.hold) this.hold.stop();
    this.dropPreviews();
  }
}
