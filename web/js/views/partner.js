// The partner picker: searches the directory (GET /api/v1/partners) by name
// and kind; the chosen desk's fax number is shown in large type, because the
// number always comes from the directory and must be checked by eye.

import { api } from '../api.js';
import { h, replace, uid } from '../dom.js';
import { PARTNER_KINDS, partnerKindLabel, MASK_NOTES } from '../labels.js';

export class PartnerPicker {
  constructor({ onChange } = {}) {
    this.onChange = onChange || (() => {});
    this.selected = null;
    this.results = [];
    this.timer = 0;
    this.seq = 0;
    const searchId = uid('partner-q');
    this.query = h('input', { id: searchId, type: 'search', class: 'w-l', autocomplete: 'off', placeholder: '例: しらかば、みなみ、連携室' });
    this.query.addEventListener('input', () => { window.clearTimeout(this.timer); this.timer = window.setTimeout(() => this.search(), 250); });
    this.query.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); this.search(); } });
    const kindName = uid('partner-kind');
    this.kinds = PARTNER_KINDS.map((k, i) => {
      const id = `${kindName}-${i}`;
      const input = h('input', { type: 'radio', name: kindName, id, value: k.value, checked: i === 0 });
      input.addEventListener('change', () => this.search());
      return h('label', { for: id, class: 'choice' }, input, h('span', {}, k.label));
    });
    this.count = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
    this.list = h('div', { class: 'partner-list', role: 'radiogroup', 'aria-label': '検索結果の連携先' });
    this.summary = h('div', { class: 'partner-summary', 'aria-live': 'polite' });
    this.error = h('p', { class: 'field-error', id: 'partner-error', hidden: true });
    this.element = h('div', { class: 'partner-picker' },
      h('div', { class: 'partner-search' },
        h('div', { class: 'field' }, h('label', { for: searchId, class: 'field-label' }, '連携先を検索(名称・部署)'),
          h('div', { class: 'field-input' }, this.query)),
        h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, '種類'), h('div', { class: 'choices' }, this.kinds))),
      this.count, this.error, this.list, this.summary);
    this.renderSummary();
  }

  kind() {
    const checked = this.kinds.map((l) => l.querySelector('input')).find((i) => i.checked);
    return checked ? checked.value : '';
  }

  async search() {
    const seq = ++this.seq;
    const params = new URLSearchParams();
    if (this.query.value.trim()) params.set('q', this.query.value.trim());
    if (this.kind()) params.set('kind', this.kind());
    const found = await api('GET', `/api/v1/partners?${params}`);
    if (seq !== this.seq) return;  // a newer search is on its way
    this.results = found.partners;
    this.renderList();
  }

  renderList() {
    const name = 'partner-choice';
    const shown = this.results.slice(0, 50);
    this.count.textContent = this.results.length ? `${this.results.length}件見つかりました` : '該当する連携先はありません。名称の一部で検索してください。';
    replace(this.list, shown.map((p) => {
      const id = `partner-${p.id}`;
      const input = h('input', { type: 'radio', name, id, value: p.id, checked: Boolean(this.selected && this.selected.id === p.id) });
      input.addEventListener('change', () => this.select(p));
      return h('label', { for: id, class: 'partner-option' }, input,
        h('span', { class: 'partner-text' },
          h('span', { class: 'partner-name' }, p.name),
          h('span', { class: 'partner-detail' }, [partnerKindLabel(p.kind), p.department, p.person ? `${p.person} 様` : ''].filter(Boolean).join('・')),
          h('span', { class: 'partner-fax' }, `FAX ${p.fax}`)));
    }));
  }

  select(partner, { silent = false } = {}) {
    this.selected = partner;
    this.setError('');
    this.renderSummary();
    if (!silent) this.onChange(partner);
  }

  // Shows a partner chosen earlier (a draft) by its id.
  async selectId(id) {
    if (!id) return;
    const found = await api('GET', `/api/v1/partners?q=${encodeURIComponent(id)}`);
    const p = found.partners.find((x) => x.id === id);
    if (p) this.select(p, { silent: true });
  }

  renderSummary() {
    const p = this.selected;
    if (!p) {
      replace(this.summary, h('p', { class: 'muted' }, '送信先はまだ選ばれていません。'));
      return;
    }
    replace(this.summary, h('div', { class: 'selected-partner', id: 'selected-partner' },
      h('p', { class: 'selected-label' }, '送信先'),
      h('p', { class: 'selected-name' }, `${p.name} ${p.department || ''}`.trim(), p.person ? ` ${p.person} 様` : ''),
      h('p', { class: 'fax-number fax-number-large', id: 'selected-fax' }, h('span', { class: 'fax-label' }, 'FAX'), ` ${p.fax}`),
      h('p', { class: 'muted' }, p.phone ? `電話 ${p.phone}` : ''),
      h('p', { class: 'mask-note' }, MASK_NOTES[p.mask] || MASK_NOTES.default)));
  }

  setError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  focus() { this.query.focus(); }
}
