// The jobs list with filters (sheet, state, month, client reference).

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { app, navigate } from '../app.js';
import { STATE_NAMES, stateLabel } from '../labels.js';
import { formatShortDateTime } from '../wareki.js';
import { stateBadge, destinationText, monthPicker } from './common.js';

const PAGE = 50;

function monthRange(month) {
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { from: `${month}-01`, to: `${next}-01` };
}

export async function showJobs(ctx) {
  const q = ctx.query;
  const filters = { sheet: q.get('sheet') || '', state: q.get('state') || '', month: q.get('month') || '', ref: q.get('ref') || '' };
  const offset = Math.max(0, Number(q.get('offset') || 0));
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filters.sheet) params.set('sheet', filters.sheet);
  if (filters.state) params.set('state', filters.state);
  if (filters.ref) params.set('patient_ref', filters.ref);
  if (/^\d{4}-\d{2}$/.test(filters.month)) {
    const r = monthRange(filters.month);
    params.set('from', r.from);
    params.set('to', r.to);
  }
  const result = await api('GET', `/api/v1/jobs?${params}`);

  const sheet = h('select', { id: 'filter-sheet' }, h('option', { value: '' }, 'すべて'),
    app.sheets.map((s) => h('option', { value: s.id, selected: s.id === filters.sheet }, s.title)));
  const state = h('select', { id: 'filter-state' }, h('option', { value: '' }, 'すべて'),
    STATE_NAMES.map((s) => h('option', { value: s, selected: s === filters.state }, stateLabel(s))));
  const month = monthPicker({ idPrefix: 'filter-month', value: filters.month, allowEmpty: true });
  const ref = h('input', { id: 'filter-ref', type: 'text', value: filters.ref, class: 'w-s', autocomplete: 'off' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': '送信履歴の絞り込み' },
    h('div', { class: 'field' }, h('label', { for: 'filter-sheet', class: 'field-label' }, '帳票'), sheet),
    h('div', { class: 'field' }, h('label', { for: 'filter-state', class: 'field-label' }, '状態'), state),
    month.element,
    h('div', { class: 'field' }, h('label', { for: 'filter-ref', class: 'field-label' }, '利用者番号'), ref),
    h('div', { class: 'field field-buttons' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '絞り込む'),
      h('a', { href: '#/jobs', class: 'btn btn-link' }, '条件をクリア')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (sheet.value) p.set('sheet', sheet.value);
    if (state.value) p.set('state', state.value);
    if (month.value()) p.set('month', month.value());
    if (ref.value.trim()) p.set('ref', ref.value.trim());
    navigate(`#/jobs${p.toString() ? `?${p}` : ''}`);
  });

  const rows = result.jobs.map((j) => h('tr', { dataset: { job: j.id } },
    h('td', { class: 'nowrap' }, h('a', { href: `#/jobs/${j.id}` }, formatShortDateTime(j.createdAt))),
    h('td', {}, (app.sheets.find((s) => s.id === j.sheet) || { title: j.sheet }).title),
    h('td', {}, j.patientRef || ''),
    h('td', {}, destinationText(j)),
    h('td', {}, stateBadge(j)),
    h('td', { class: 'num' }, j.pageCount ? `${j.pageCount}枚` : '')));
  const pager = h('nav', { class: 'pager', 'aria-label': 'ページ' });
  const link = (label, to) => {
    const p = new URLSearchParams(q);
    p.set('offset', String(to));
    return h('a', { href: `#/jobs?${p}`, class: 'btn btn-small' }, label);
  };
  if (offset > 0) pager.append(link('前へ', Math.max(0, offset - PAGE)));
  pager.append(h('span', { class: 'muted' }, result.total ? `${result.total}件中 ${offset + 1}〜${offset + result.jobs.length}件` : ''));
  if (offset + PAGE < result.total) pager.append(link('次へ', offset + PAGE));

  replace(ctx.main, h('h1', { class: 'page-title' }, '送信履歴'),
    h('section', { class: 'card' }, form),
    h('section', { class: 'card' },
      rows.length
        ? h('div', { class: 'table-scroll' }, h('table', { class: 'data-table', id: 'jobs-table' },
          h('caption', { class: 'visually-hidden' }, '送信履歴(新しい順)'),
          h('thead', {}, h('tr', {}, ['受付日時', '帳票', '利用者番号', '送り先', '状態', '枚数'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows)))
        : h('p', { class: 'muted' }, '条件に合う送信はありません。'),
      pager));
  return null;
}
