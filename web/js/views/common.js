// Pieces several pages share: state badges, destinations, the PDF viewer and
// the hold countdown with 「送信取消」.

import { api, fetchBlob } from '../api.js';
import { h, replace, announce, toast } from '../dom.js';
import { stateLabel, stateTone } from '../labels.js';

export function stateBadge(job) {
  return h('span', { class: `state state-${stateTone(job.state)}`, dataset: { state: job.state } }, stateLabel(job.state, job.channel));
}

export function destinationText(job) {
  const d = job.delivery || {};
  if (job.channel === 'fax') return `FAX ${d.name || ''}${d.faxDisplay ? `(${d.faxDisplay})` : ''}`.trim();
  return '印刷';
}

// A PDF shown in the page from a blob: URL (the CSP allows frames from blob:).
export class PdfViewer {
  constructor(title) {
    this.title = title;
    this.url = '';
    this.frame = h('iframe', { class: 'pdf-frame', title });
    this.status = h('p', { class: 'muted pdf-status', role: 'status' });
    this.element = h('div', { class: 'pdf-viewer' }, this.status, this.frame);
    this.frame.hidden = true;
  }

  showBlob(blob) {
    this.dispose();
    this.url = URL.createObjectURL(blob);
    this.frame.src = this.url;
    this.frame.hidden = false;
    this.status.textContent = '';
  }

  message(text) {
    this.status.textContent = text;
  }

  async load(method, path, body) {
    this.message('PDFを作成しています…');
    const { blob, headers } = await fetchBlob(method, path, body);
    this.showBlob(blob);
    return headers;
  }

  dispose() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = '';
  }
}

// The hold window of a fax job: a countdown and 「送信取消」. Calls
// onChange(job) whenever the job's state changes (cancelled, released, sent).
// The countdown runs on this PC's monotonic clock from the hold length the
// server reported, so a PC whose clock is off does not show a wrong time.
export class HoldPanel {
  // remainingMs: the time left when it is not the whole window (a job opened later).
  // showDestination: false where the page shows it already (the send step).
  constructor(job, { onChange, remainingMs, showDestination = true } = {}) {
    this.job = job;
    this.showDestination = showDestination;
    this.onChange = onChange || (() => {});
    this.timer = 0;
    this.poller = 0;
    this.element = h('div', { class: 'hold-panel', role: 'region', 'aria-label': '送信待機中' });
    const windowMs = job.heldUntil ? Date.parse(job.heldUntil) - Date.parse(job.updatedAt) : 0;
    const holdMs = remainingMs === undefined ? windowMs : Math.min(windowMs, remainingMs);
    this.deadline = performance.now() + Math.max(0, holdMs);
    this.render();
    this.tick();
  }

  remainingSeconds() { return Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000)); }

  render() {
    const d = this.job.delivery || {};
    this.count = h('span', { class: 'countdown-number', id: 'hold-seconds' }, String(this.remainingSeconds()));
    this.cancelButton = h('button', { type: 'button', class: 'btn btn-danger btn-large', id: 'cancel-send' }, '送信取消');
    this.cancelButton.addEventListener('click', () => this.cancel());
    replace(this.element,
      h('p', { class: 'hold-title' }, 'FAXを送信待ちにしました'),
      this.showDestination ? h('p', { class: 'hold-destination' }, `${d.name || ''} ${d.department || ''}`.trim(), h('br'),
        h('span', { class: 'fax-number' }, `FAX ${d.faxDisplay || ''}`)) : null,
      h('p', { class: 'countdown', 'aria-live': 'off' }, 'あと ', this.count, ' 秒で送信します'),
      h('p', {}, this.cancelButton),
      h('p', { class: 'muted small' }, '宛先や内容に誤りがあれば、送信前に「送信取消」を押してください。取り消した内容は下書きに残ります。'));
    announce(`FAXを送信待ちにしました。${this.remainingSeconds()}秒以内なら取り消せます。`);
  }

  tick() {
    const left = this.remainingSeconds();
    if (this.count) this.count.textContent = String(left);
    if (left <= 0) {
      this.cancelButton.disabled = true;
      this.follow();
      return;
    }
    this.timer = window.setTimeout(() => this.tick(), 250);
  }

  async cancel() {
    this.cancelButton.disabled = true;
    try {
      const job = await api('DELETE', `/api/v1/jobs/${this.job.id}`);
      this.stop();
      this.job = job;
      replace(this.element, h('p', { class: 'hold-title done', role: 'status' }, '送信を取り消しました。FAXは送信されません。'));
      announce('送信を取り消しました。');
      this.onChange(job);
    } catch (e) {
      if (e.status === 409) {
        toast('すでに送信処理に入っていたため、取り消せませんでした。', 'error');
        this.follow();
      } else {
        toast(e.title || String(e), 'error');
        this.cancelButton.disabled = false;
      }
    }
  }

  // After the window: follow the job until the gateway reports.
  async follow() {
    window.clearTimeout(this.timer);
    const started = performance.now();
    const poll = async () => {
      try {
        const job = await api('GET', `/api/v1/jobs/${this.job.id}`);
        if (job.state !== this.job.state) {
          this.job = job;
          this.showState(job);
          this.onChange(job);
        }
        if (job.state === 'sent' || job.state === 'failed' || job.state === 'cancelled') return;
      } catch (e) {
        if (e.status === 401) return;
      }
      // Quickly at first, then every 5 s; the gateway may take minutes.
      this.poller = window.setTimeout(poll, performance.now() - started < 30000 ? 1000 : 5000);
    };
    poll();
  }

  showState(job) {
    const texts = {
      spooled: 'FAXゲートウェイに引き渡しました。送信結果を待っています…',
      sent: 'FAXを送信しました。',
      failed: 'FAXを送信できませんでした。送信履歴から再送できます。',
      cancelled: '送信を取り消しました。',
      rendered: '送信の準備をしています…',
    };
    const text = texts[job.state];
    if (!text) return;
    replace(this.element, h('p', { class: `hold-title ${job.state === 'failed' ? 'error-text' : 'done'}`, role: 'status' }, text),
      h('p', {}, h('a', { href: `#/jobs/${job.id}`, class: 'btn' }, '送信の詳細を見る')));
    announce(text);
  }

  stop() {
    window.clearTimeout(this.timer);
    window.clearTimeout(this.poller);
  }
}

// A month as two selects (年, 月), the same in every browser language (an
// <input type="month"> shows "December 2026" in an English browser).
// value: "YYYY-MM" or "" (with allowEmpty: "すべて").
export function monthPicker({ idPrefix, value = '', allowEmpty = false, legend = '月' }) {
  const now = new Date(Date.now() + 9 * 3600 * 1000);
  const thisYear = now.getUTCFullYear();
  const [vy, vm] = /^\d{4}-\d{2}$/.test(value) ? value.split('-').map(Number) : [0, 0];
  const years = [];
  for (let y = thisYear + 1; y >= Math.min(thisYear - 6, vy || thisYear); y -= 1) years.push(y);
  const year = h('select', { id: `${idPrefix}-year`, 'aria-label': '年' },
    allowEmpty ? h('option', { value: '' }, 'すべて') : null,
    years.map((y) => h('option', { value: String(y), selected: y === vy }, y >= 2020 ? `${y}年(令和${y - 2018}年)` : `${y}年`)));
  const month = h('select', { id: `${idPrefix}-month`, 'aria-label': '月' },
    allowEmpty ? h('option', { value: '' }, '—') : null,
    Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1).padStart(2, '0'), selected: i + 1 === vm }, `${i + 1}月`)));
  const sync = () => {
    if (!allowEmpty) return;
    if (year.value && !month.value) month.value = String(now.getUTCMonth() + 1).padStart(2, '0');
    if (!year.value) month.value = '';
  };
  year.addEventListener('change', sync);
  month.addEventListener('change', () => { if (month.value && !year.value) year.value = String(thisYear); });
  const element = h('fieldset', { class: 'field month-picker' }, h('legend', { class: 'field-label' }, legend),
    h('div', { class: 'field-input' }, year, month));
  return { element, value: () => (year.value && month.value ? `${year.value}-${month.value}` : '') };
}
