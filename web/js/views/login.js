// Sign-in with the office's access key. The key is sent once and exchanged
// for a session cookie; it is not kept anywhere in the browser (the field is
// cleared, nothing goes to storage).

import { api, ApiError } from '../api.js';
import { h, replace, uid } from '../dom.js';

function keyForm(onDone, { autofocus = true } = {}) {
  const id = uid('token');
  const errorId = `${id}-error`;
  const input = h('input', {
    id, type: 'password', name: 'renkei-access-key', autocomplete: 'off', spellcheck: 'false', required: true,
    class: 'w-l', 'aria-describedby': `${id}-hint ${errorId}`, autofocus,
  });
  const error = h('p', { class: 'field-error', id: errorId, hidden: true, role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-large' }, 'ログイン');
  const form = h('form', { class: 'login-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: id, class: 'field-label' }, 'アクセスキー'),
      h('div', { class: 'field-input' }, input),
      h('p', { class: 'field-hint', id: `${id}-hint` }, '事業所の管理者から受け取った「rk_」で始まるキーを入力してください。')),
    error, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    error.hidden = true;
    if (!token) {
      error.textContent = 'アクセスキーを入力してください。';
      error.hidden = false;
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = '確認しています…';
    try {
      const session = await api('POST', '/api/v1/session', { token }, { noAuthRedirect: true });
      input.value = '';
      await onDone(session);
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 401
        ? 'アクセスキーが正しくないか、使えなくなっています。事業所の管理者に確認してください。'
        : (e.title || String(e));
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.select();
      input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'ログイン';
    }
  });
  return { form, input };
}

export async function showLogin(ctx, onSignedIn) {
  const { form, input } = keyForm(onSignedIn);
  replace(ctx.main, h('section', { class: 'card login-card' },
    h('h1', {}, 'ログイン'),
    h('p', {}, '入退院時の連携シートを作成・送信するには、事業所のアクセスキーでログインしてください。'),
    form,
    h('p', { class: 'muted small' }, '操作しないまま30分たつと自動的にログアウトします。共用のパソコンでは、終わったら「ログアウト」を押してください。')));
  window.setTimeout(() => input.focus(), 0);
  return null;
}

// Signing in again in a dialog when the session ended while working: the
// page underneath, with everything typed, stays as it was.
let pending = null;
export function promptSignIn(reason) {
  if (pending) return pending;
  pending = new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'relogin-title' });
    const { form, input } = keyForm(async (session) => {
      dialog.close();
      dialog.remove();
      pending = null;
      resolve(session);
    });
    const cancel = h('button', { type: 'button', class: 'btn' }, '閉じる');
    cancel.addEventListener('click', () => { dialog.close(); });
    dialog.addEventListener('close', () => {
      if (!dialog.isConnected) return;
      dialog.remove();
      pending = null;
      resolve(null);
    });
    dialog.append(h('h2', { id: 'relogin-title' }, 'もう一度ログインしてください'),
      h('p', {}, reason || 'ログインの有効期限が切れました。'),
      h('p', { class: 'muted small' }, '入力中の内容はこの画面に残っています。ログインしてから、もう一度操作してください。'),
      form, h('div', { class: 'form-actions' }, cancel));
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pending;
}
