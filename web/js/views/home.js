// Home: start a sheet, pick up a draft, see what was sent lately.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { app, sheetTitle } from '../app.js';
import { formatShortDateTime } from '../wareki.js';
import { stateBadge, destinationText } from './common.js';

const SHEET_NOTES = {
  'admission-info': 'ケアマネジャーから病院へ(入院時)',
  'discharge-liaison': '退院時の聞き取り・カンファレンスの記録',
  'physician-contact': '主治医への照会(回答欄つき)',
  'welfare-equipment': '軽度者の福祉用具貸与についての医師の意見',
};

function sheetCards() {
  return h('ul', { class: 'sheet-cards' }, app.sheets.map((s) => h('li', { class: 'sheet-card' },
    h('a', { href: `#/new/${encodeURIComponent(s.id)}`, class: 'sheet-link', id: `new-${s.id}` },
      h('span', { class: 'sheet-title' }, s.title),
      h('span', { class: 'sheet-note' }, SHEET_NOTES[s.id] || ''),
      h('span', { class: 'sheet-meta' }, `A4・${s.pages}枚`)))));
}

export async function showHome(ctx, { chooser = false } = {}) {
  if (chooser) {
    replace(ctx.main, h('section', { class: 'card' }, h('h1', {}, '新規作成'), h('p', {}, '作成する帳票を選んでください。'), sheetCards()));
    return null;
  }
  const [drafts, jobs] = await Promise.all([
    api('GET', '/api/v1/drafts'),
    api('GET', '/api/v1/jobs?limit=5'),
  ]);
  const draftList = drafts.drafts.slice(0, 5);
  replace(ctx.main,
    h('h1', { class: 'page-title' }, 'ホーム'),
    h('section', { class: 'card', 'aria-labelledby': 'home-new' },
      h('h2', { id: 'home-new' }, '新しく作成する'), sheetCards()),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'home-drafts' },
        h('h2', { id: 'home-drafts' }, '作成途中の下書き'),
        draftList.length
          ? h('ul', { class: 'plain-list' }, draftList.map((d) => h('li', {},
            h('a', { href: `#/drafts/${d.id}` }, d.title || '(氏名未入力)'), ' ',
            h('span', { class: 'muted' }, `${d.sheetTitle}・${formatShortDateTime(d.updatedAt)}`))))
          : h('p', { class: 'muted' }, '下書きはありません。'),
        h('p', {}, h('a', { href: '#/drafts' }, '下書きの一覧へ'))),
      h('section', { class: 'card', 'aria-labelledby': 'home-jobs' },
        h('h2', { id: 'home-jobs' }, '最近の送信'),
        jobs.jobs.length
          ? h('ul', { class: 'plain-list' }, jobs.jobs.map((j) => h('li', {},
            h('a', { href: `#/jobs/${j.id}` }, `${formatShortDateTime(j.createdAt)} ${sheetTitle(j.sheet)}`), ' ',
            h('span', { class: 'muted' }, destinationText(j)), ' ', stateBadge(j))))
          : h('p', { class: 'muted' }, 'まだ送信はありません。'),
        h('p', {}, h('a', { href: '#/jobs' }, '送信履歴の一覧へ')))));
  return null;
}
