// One job: its state, destination, frozen documents, history, retry, the
// receipt confirmation and its billing evidence; "copy as new" for the next
// sheet of the same client.

import { api } from '../api.js';
import { h, replace, toast, announce } from '../dom.js';
import { navigate, sheetTitle } from '../app.js';
import { eventLabel, RECEIPT_METHODS, receiptMethodLabel, MASK_NOTES, stateLabel } from '../labels.js';
import { formatDateTime, formatShortDateTime, parseDate, parseTime, formatWareki, nowJst } from '../wareki.js';
import { stateBadge, PdfViewer, HoldPanel } from './common.js';

function row(label, value, attrs = {}) {
  if (value === undefined || value === null || value === '') return [];
  return [h('dt', {}, label), h('dd', attrs, value)];
}

function eventDetail(e) {
  const d = e.detail || {};
  const parts = [];
  if (d.pages) parts.push(`${d.pages}枚`);
  if (d.pagesSent) parts.push(`${d.pagesSent}枚送信`);
  if (d.until) parts.push(`取消期限 ${formatDateTime(d.until)}`);
  if (d.reason) parts.push(`理由: ${d.reason}`);
  if (d.format) parts.push(`形式: ${d.format}`);
  if (d.person) parts.push(`確認相手: ${d.person}様(${receiptMethodLabel(d.method)})`);
  if (d.attempt) parts.push(`${d.attempt}回目`);
  return parts.join('、');
}

export async function showJob(ctx, id) {
  const view = new JobView(ctx.main, id);
  await view.load();
  return view;
}

class JobView {
  constructor(main, id) {
    this.main = main;
    this.id = id;
    this.hold = null;
    this.viewer = new PdfViewer('文書');
  }

  async load() {
    const [job, events] = await Promise.all([
      api('GET', `/api/v1/jobs/${encodeURIComponent(this.id)}`),
      api('GET', `/api/v1/jobs/${encodeURIComponent(this.id)}/events`),
    ]);
    this.job = job;
    this.events = events.events;
    this.render();
    this.watch();
  }

  // While the job is on its way (not held: the countdown follows that), look
  // again every few seconds and show a new state when there is one.
  watch() {
    window.clearTimeout(this.watcher);
    if (!['accepted', 'rendering', 'rendered', 'spooled'].includes(this.job.state)) return;
    this.watcher = window.setTimeout(async () => {
      try {
        const job = await api('GET', `/api/v1/jobs/${encodeURIComponent(this.id)}`);
        if (job.state !== this.job.state) {
          await this.reload(`状態が「${stateLabel(job.state, job.channel)}」になりました。`, { keepFocus: true });
          return;
        }
      } catch (e) {
        if (e.status === 401) return;
      }
      this.watch();
    }, 5000);
  }

  async reload(message, { keepFocus = false } = {}) {
    const focusId = document.activeElement && document.activeElement.id;
    await this.load();
    if (message) announce(message);
    const again = focusId && document.getElementById(focusId);
    if (again) again.focus();
    else if (!keepFocus) this.main.querySelector('h1').focus();
  }

  render() {
    const j = this.job;
    const d = j.delivery || {};
    const fax = j.channel === 'fax';
    if (this.hold) this.hold.stop();
    this.hold = null;
    const summary = h('dl', { class: 'summary-list' },
      row('状態', stateBadge(j)),
      row('帳票', sheetTitle(j.sheet)),
      row('送り方', fax ? 'FAX' : '印刷'),
      fax ? row('送信先', `${d.name || ''} ${d.department || ''}${d.person ? ` ${d.person} 様` : ''}`.trim()) : [],
      fax ? row('FAX番号', d.faxDisplay || d.faxNumber, { class: 'fax-number fax-number-large' }) : [],
      fax && d.mask ? row('氏名の扱い', MASK_NOTES[d.mask] || d.mask) : [],
      row('利用者番号', j.patientRef),
      row('受付日時', formatDateTime(j.createdAt)),
      row(fax ? '送信日時' : '印刷日時', j.sentAt ? formatDateTime(j.sentAt) : ''),
      row('枚数', j.pageCount ? `${j.pageCount}枚` : ''),
      row('試行', j.attempt > 1 ? `${j.attempt}回目` : ''),
      j.error ? row('エラー', j.error.message || j.error.code, { class: 'error-text' }) : [],
      (j.warnings || []).length ? row('注意', h('ul', {}, j.warnings.map((w) => h('li', {}, w.message || w.code || JSON.stringify(w))))) : []);

    const actions = h('div', { class: 'button-row' });
    if (j.state === 'failed') {
      const retry = h('button', { type: 'button', class: 'btn btn-primary', id: 'retry' }, fax ? 'もう一度送信する(再送)' : 'もう一度印刷に送る');
      retry.addEventListener('click', () => this.retry(retry));
      actions.append(retry);
    }
    const copy = h('button', { type: 'button', class: 'btn', id: 'copy-as-new' }, 'この内容をコピーして新規作成');
    copy.addEventListener('click', () => this.copyAsNew(copy));
    actions.append(copy);

    const holdArea = h('div', {});
    if (j.state === 'held') {
      this.hold = new HoldPanel(j, { onChange: () => this.reload(), remainingMs: Date.parse(j.heldUntil) - Date.now() });
      holdArea.append(this.hold.element);
    }

    replace(this.main,
      h('p', { class: 'breadcrumb' }, h('a', { href: '#/jobs' }, '送信履歴'), ' / ', '詳細'),
      h('h1', { class: 'page-title' }, `${sheetTitle(j.sheet)}の送信`),
      h('div', { class: 'job-layout' },
        h('div', { class: 'job-main' },
          h('section', { class: 'card', 'aria-labelledby': 'job-summary' }, h('h2', { id: 'job-summary' }, '概要'), holdArea, summary, actions),
          this.documentsCard(),
          this.historyCard()),
        h('div', { class: 'job-side' },
          this.receiptCard(),
          this.evidenceCard())));
  }

  documentsCard() {
    const j = this.job;
    const links = j.links || {};
    const items = [
      { key: 'pdf', label: 'PDF(控え・すべての情報)', href: links.pdf, viewable: true },
      { key: 'xlsx', label: 'Excel', href: links.xlsx, viewable: false },
    ];
    const faxSent = j.channel === 'fax' && !['held', 'accepted', 'rendering', 'rendered', 'cancelled'].includes(j.state);
    if (j.channel === 'fax') items.push({ key: 'fax', label: 'FAX送信控え(実際に送った内容)', href: faxSent ? links.fax : '', viewable: true });
    const list = h('ul', { class: 'document-list' }, items.map((item) => {
      if (!item.href) return h('li', {}, h('span', {}, item.label), h('span', { class: 'muted small' }, '送信後に表示できます'));
      const show = item.viewable ? h('button', { type: 'button', class: 'btn btn-small', id: `show-${item.key}` }, '表示') : null;
      if (show) show.addEventListener('click', () => this.showDocument(item.href, item.label));
      return h('li', {}, h('span', {}, item.label), show, h('a', { href: item.href, class: 'btn btn-small', download: '' }, 'ダウンロード'));
    }));
    return h('section', { class: 'card', 'aria-labelledby': 'job-docs' }, h('h2', { id: 'job-docs' }, '文書'), list, this.viewer.element);
  }

  async showDocument(href, label) {
    try {
      this.viewer.frame.title = label;
      await this.viewer.load('GET', href);
    } catch (e) {
      this.viewer.message(e.title || String(e));
    }
  }

  historyCard() {
    const channel = this.job.channel;
    return h('section', { class: 'card', 'aria-labelledby': 'job-history' },
      h('h2', { id: 'job-history' }, '履歴'),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table', id: 'history-table' },
        h('thead', {}, h('tr', {}, ['日時', '出来事', '操作した人', '詳細'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, this.events.map((e) => h('tr', { dataset: { kind: e.kind } },
          h('td', {}, formatShortDateTime(e.at)),
          h('td', {}, eventLabel(e.kind, channel)),
          h('td', {}, e.actor === 'system' || e.actor === 'dispatcher' ? 'システム' : e.actor === 'gateway' ? 'FAXゲートウェイ' : e.actor),
          h('td', {}, eventDetail(e))))))));
  }

  receiptCard() {
    const j = this.job;
    const card = h('section', { class: 'card', 'aria-labelledby': 'job-receipt' }, h('h2', { id: 'job-receipt' }, '受信確認'));
    if (j.receipt) {
      card.append(h('p', { class: 'receipt-done', id: 'receipt-recorded' },
        `${formatDateTime(j.receipt.at)} ${receiptMethodLabel(j.receipt.method)}で確認(${j.receipt.person}様)`));
      return card;
    }
    if (!['spooled', 'sent'].includes(j.state)) {
      card.append(h('p', { class: 'muted' }, '送信が終わると、相手に届いたことを確認した記録をここに残せます。'));
      return card;
    }
    const now = nowJst();
    const date = h('input', { id: 'receipt-date', type: 'text', class: 'w-date', value: formatWareki(now.slice(0, 10)), autocomplete: 'off' });
    const time = h('input', { id: 'receipt-time', type: 'text', class: 'w-time', value: now.slice(11, 16), autocomplete: 'off', inputmode: 'numeric' });
    const person = h('input', { id: 'receipt-person', type: 'text', class: 'w-m', maxlength: 40, autocomplete: 'off', value: (j.delivery && j.delivery.person ? j.delivery.person.split(/\s/)[0] : '') });
    const methods = RECEIPT_METHODS.map((m, i) => {
      const input = h('input', { type: 'radio', name: 'receipt-method', id: `receipt-method-${m.value}`, value: m.value, checked: i === 0 });
      return h('label', { for: `receipt-method-${m.value}`, class: 'choice' }, input, h('span', {}, m.label));
    });
    const error = h('p', { class: 'field-error', hidden: true, role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'record-receipt' }, '受信確認を記録する');
    const form = h('form', { class: 'receipt-form', novalidate: true },
      h('p', { class: 'muted small' }, '電話などで相手に届いたことを確認したら記録してください。加算の根拠(支援経過記録の文)に入ります。'),
      h('div', { class: 'field' }, h('label', { for: 'receipt-person', class: 'field-label' }, '確認した相手の氏名', h('span', { class: 'badge badge-required' }, '必須')),
        h('div', { class: 'field-input' }, person)),
      h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, '確認の方法'), h('div', { class: 'choices' }, methods)),
      h('div', { class: 'field' }, h('label', { for: 'receipt-date', class: 'field-label' }, '確認した日'), h('div', { class: 'field-input' }, date)),
      h('div', { class: 'field' }, h('label', { for: 'receipt-time', class: 'field-label' }, '時刻'), h('div', { class: 'field-input' }, time)),
      error, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      const d = parseDate(date.value);
      const t = parseTime(time.value);
      const problems = [];
      if (!person.value.trim()) problems.push('確認した相手の氏名を入力してください。');
      if (!d.iso) problems.push(d.error || '確認した日を入力してください。');
      if (!t.hhmm) problems.push(t.error || '時刻を入力してください。');
      if (problems.length) {
        error.textContent = problems.join(' ');
        error.hidden = false;
        (person.value.trim() ? date : person).focus();
        return;
      }
      const method = methods.map((l) => l.querySelector('input')).find((i) => i.checked).value;
      submit.disabled = true;
      try {
        await api('POST', `/api/v1/jobs/${j.id}/receipt`, { at: `${d.iso}T${t.hhmm}:00+09:00`, person: person.value.trim(), method });
        toast('受信確認を記録しました。', 'success');
        await this.reload('受信確認を記録しました。');
      } catch (e) {
        error.textContent = e.errors.length ? e.errors.map((x) => x.message).join(' ') : (e.title || String(e));
        error.hidden = false;
        submit.disabled = false;
      }
    });
    card.append(form);
    return card;
  }

  evidenceCard() {
    const ev = this.job.evidence || {};
    const card = h('section', { class: 'card', 'aria-labelledby': 'job-evidence' }, h('h2', { id: 'job-evidence' }, '加算の根拠'));
    const addOn = ev.addOn;
    if (addOn) {
      card.append(h('dl', { class: 'summary-list' },
        row('加算', addOn.label),
        row('単位', addOn.units !== undefined ? `${addOn.units}単位` : ''),
        row('(Ⅰ)の期限', addOn.deadlineI ? formatWareki(addOn.deadlineI, { weekday: true }) : ''),
        row('(Ⅱ)の期限', addOn.deadlineII ? formatWareki(addOn.deadlineII, { weekday: true }) : ''),
        row('送付日時', ev.sentAt ? formatDateTime(ev.sentAt) : '')));
      for (const w of addOn.warnings || []) card.append(h('p', { class: 'warning-text' }, w.message || String(w)));
    }
    if (ev.progressRecord) {
      const text = h('p', { class: 'progress-record', id: 'progress-record' }, ev.progressRecord);
      const copy = h('button', { type: 'button', class: 'btn btn-small' }, '文をコピー');
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(ev.progressRecord);
          toast('コピーしました。支援経過記録に貼り付けてください。', 'success');
        } catch (e) {
          const range = document.createRange();
          range.selectNodeContents(text);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          toast('文を選択しました。Ctrl+C でコピーしてください。', 'info');
        }
      });
      card.append(h('h3', {}, '支援経過記録(第5表)に書く文'), text, copy);
    }
    const month = (this.job.createdAt || '').slice(0, 7);
    card.append(h('p', {}, h('a', { href: `#/evidence?month=${month}` }, 'この月の加算の根拠一覧へ')));
    card.append(h('p', { class: 'muted small' }, '判定は目安です。算定するかどうかはケアマネジャーが判断してください。'));
    return card;
  }

  async retry(button) {
    button.disabled = true;
    try {
      await api('POST', `/api/v1/jobs/${this.job.id}/retry`);
      toast('再送を受け付けました。', 'success');
      await this.reload('再送を受け付けました。');
    } catch (e) {
      toast(e.title || String(e), 'error');
      button.disabled = false;
    }
  }

  async copyAsNew(button) {
    button.disabled = true;
    try {
      const draft = await api('POST', '/api/v1/drafts', { from_job: this.job.id });
      toast('以前の内容をコピーした下書きを作りました。記入日などを確認してください。', 'success');
      navigate(`#/drafts/${draft.id}`);
    } catch (e) {
      toast(e.title || String(e), 'error');
      button.disabled = false;
    }
  }

  dispose() {
    window.clearTimeout(this.watcher);
    if (this.hold) this.hold.stop();
    this.viewer.dispose();
  }
}
