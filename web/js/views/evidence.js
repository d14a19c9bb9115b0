// The month's billing evidence: each job's add-on tier and the line for the
// support-progress record (第5表), with the CSV for Excel.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { navigate } from '../app.js';
import { stateLabel } from '../labels.js';
import { currentMonth, formatShortDateTime, formatWareki } from '../wareki.js';
import { monthPicker } from './common.js';

export async function showEvidence(ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.query.get('month') || '') ? ctx.query.get('month') : currentMonth();
  const data = await api('GET', `/api/v1/evidence?month=${month}&format=json`);
  const picker = monthPicker({ idPrefix: 'evidence-month', value: month });
  const form = h('form', { class: 'filters', 'aria-label': '月の選択' },
    picker.element,
    h('div', { class: 'field field-buttons' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '表示'),
      h('a', { href: `/api/v1/evidence?month=${month}&format=csv`, class: 'btn', id: 'evidence-csv', download: `加算根拠_${month}.csv` }, 'CSVをダウンロード(Excel用)')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (picker.value()) navigate(`#/evidence?month=${picker.value()}`);
  });
  const [y, m] = month.split('-').map(Number);
  const rows = data.jobs.map((j) => {
    const ev = j.evidence || {};
    const addOn = ev.addOn || {};
    return h('tr', { dataset: { job: j.id } },
      h('td', { class: 'nowrap' }, h('a', { href: `#/jobs/${j.id}` }, formatShortDateTime(j.createdAt))),
      h('td', {}, j.sheetTitle),
      h('td', {}, j.patientRef || ''),
      h('td', { class: 'nowrap' }, stateLabel(j.state)),
      h('td', {}, addOn.label || '—', addOn.units ? h('span', { class: 'muted' }, ` ${addOn.units}単位`) : null),
      h('td', { class: 'progress-cell' }, ev.progressRecord || ''));
  });
  replace(ctx.main, h('h1', { class: 'page-title' }, `加算の根拠(${formatWareki(`${month}-01`).replace(/1日$/, '')})`),
    h('section', { class: 'card' }, form,
      h('p', { class: 'muted small' }, '入院時情報連携加算・退院・退所加算の判定の目安と、支援経過記録(第5表)に書く文です。算定するかどうかはケアマネジャーが判断してください。')),
    h('section', { class: 'card' },
      rows.length
        ? h('div', { class: 'table-scroll' }, h('table', { class: 'data-table', id: 'evidence-table' },
          h('caption', { class: 'visually-hidden' }, `${y}年${m}月の加算の根拠`),
          h('thead', {}, h('tr', {}, ['受付日時', '帳票', '利用者番号', '状態', '加算', '支援経過記録(第5表)'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows)))
        : h('p', { class: 'muted' }, 'この月の送信はありません。')));
  return null;
}
