// The office's drafts: resume one or delete it.

import { api } from '../api.js';
import { h, replace, toast, announce } from '../dom.js';
import { formatShortDateTime } from '../wareki.js';

export async function showDrafts(ctx) {
  const list = await api('GET', '/api/v1/drafts');
  const body = h('tbody');
  const render = (drafts) => {
    replace(body, drafts.map((d) => {
      const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger-text', 'aria-label': `${d.title || '氏名未入力'}の下書きを削除` }, '削除');
      remove.addEventListener('click', async () => {
        if (!window.confirm(`「${d.title || '(氏名未入力)'}」の下書きを削除します。よろしいですか?`)) return;
        try {
          await api('DELETE', `/api/v1/drafts/${d.id}`);
          drafts = drafts.filter((x) => x.id !== d.id);
          render(drafts);
          announce('下書きを削除しました。');
          toast('下書きを削除しました。', 'success');
        } catch (e) {
          toast(e.title || String(e), 'error');
        }
      });
      return h('tr', {},
        h('td', {}, formatShortDateTime(d.updatedAt)),
        h('td', {}, d.sheetTitle),
        h('td', {}, h('a', { href: `#/drafts/${d.id}` }, d.title || '(氏名未入力)')),
        h('td', {}, d.patientRef || ''),
        h('td', {}, d.sourceJob ? h('a', { href: `#/jobs/${d.sourceJob}` }, '以前の送信から') : ''),
        h('td', { class: 'actions' }, h('a', { href: `#/drafts/${d.id}`, class: 'btn btn-small' }, '再開'), remove));
    }));
    empty.hidden = drafts.length > 0;
    table.hidden = drafts.length === 0;
  };
  const empty = h('p', { class: 'muted' }, '下書きはありません。「新規作成」から帳票を作成すると、入力中の内容がここに保存されます。');
  const table = h('table', { class: 'data-table' },
    h('caption', { class: 'visually-hidden' }, '下書きの一覧(新しい順)'),
    h('thead', {}, h('tr', {}, ['最終保存', '帳票', '利用者', '利用者番号', 'コピー元', ''].map((t) => h('th', { scope: 'col' }, t)))),
    body);
  replace(ctx.main, h('h1', { class: 'page-title' }, '下書き'),
    h('section', { class: 'card' },
      h('p', { class: 'muted' }, `事業所の下書きは最大${list.limit}件まで保存できます。送信すると下書きは自動で削除されます。`),
      empty, h('div', { class: 'table-scroll' }, table)));
  render(list.drafts);
  return null;
}
