// The page shell: who is signed in, the navigation, and which view shows.
// Views are chosen by the address after "#" (#/jobs/…), so every page can be
// bookmarked and the browser's back button works without server routes.

import { api, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { h, replace, announce } from './dom.js';
import { showLogin, promptSignIn } from './views/login.js';
import { showHome } from './views/home.js';
import { showEditor } from './views/editor.js';
import { showDrafts } from './views/drafts.js';
import { showJobs } from './views/jobs.js';
import { showJob } from './views/job.js';
import { showEvidence } from './views/evidence.js';

export const app = {
  session: null,   // GET /api/v1/session
  sheets: [],      // GET /api/v1/sheets (without the fax cover)
  schemas: new Map(),
  leaveGuard: null,  // () => message when leaving would lose something, else ''
  view: null,        // {dispose()} of the current view
};

export async function sheetSchema(id) {
  if (!app.schemas.has(id)) app.schemas.set(id, await api('GET', `/api/v1/sheets/${encodeURIComponent(id)}`));
  return app.schemas.get(id);
}

export function sheetTitle(id) {
  const s = app.sheets.find((x) => x.id === id);
  return s ? s.title : id;
}

export function navigate(hash, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) {
    history.replaceState(null, '', hash);
    route();
  } else if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;
  }
}

// "#/jobs?state=sent" -> {path: ["jobs"], query: URLSearchParams}
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query || '') };
}

const NAV = [
  { hash: '#/', label: 'ホーム', match: (p) => p.length === 0 },
  { hash: '#/new', label: '新規作成', match: (p) => p[0] === 'new' },
  { hash: '#/drafts', label: '下書き', match: (p) => p[0] === 'drafts' },
  { hash: '#/jobs', label: '送信履歴', match: (p) => p[0] === 'jobs' },
  { hash: '#/evidence', label: '加算の根拠', match: (p) => p[0] === 'evidence' },
];

function renderShell() {
  const nav = document.getElementById('nav');
  const user = document.getElementById('user');
  const s = app.session;
  if (!s) {
    nav.hidden = true;
    replace(user);
    return;
  }
  nav.hidden = false;
  replace(nav, h('ul', {}, NAV.map((n) => h('li', {}, h('a', { href: n.hash, dataset: { nav: n.hash } }, n.label)))));
  const office = (s.officeInfo && s.officeInfo.name) || s.office || (s.authRequired ? '' : 'この端末');
  const signOut = s.authRequired ? h('button', { type: 'button', class: 'btn btn-header', onclick: signOutNow }, 'ログアウト') : null;
  replace(user, h('span', { class: 'office-name' }, office), signOut);
}

function markNav(parts) {
  for (const a of document.querySelectorAll('#nav a')) {
    const item = NAV.find((n) => n.hash === a.dataset.nav);
    if (item && item.match(parts)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function signOutNow() {
  if (!confirmLeave()) return;
  try {
    await api('DELETE', '/api/v1/session', undefined, { noAuthRedirect: true });
  } catch (e) {
    // Signed out on the server already, or unreachable: forget the session here either way.
  }
  app.session = null;
  setCsrfToken('');
  app.leaveGuard = null;
  renderShell();
  navigate('#/login');
  announce('ログアウトしました。');
}

function confirmLeave() {
  const message = app.leaveGuard ? app.leaveGuard() : '';
  return !message || window.confirm(message);
}

let lastHash = location.hash;
async function route() {
  const { parts, query } = parseHash();
  const main = document.getElementById('main');
  if (!app.session && parts[0] !== 'login') {
    navigate('#/login', { replace: true });
    return;
  }
  if (app.session && parts[0] === 'login') {
    navigate('#/', { replace: true });
    return;
  }
  if (app.view && app.view.dispose) app.view.dispose();
  app.view = null;
  app.leaveGuard = null;
  markNav(parts);
  lastHash = location.hash;
  const ctx = { main, query, parts };
  try {
    if (parts[0] === 'login') app.view = await showLogin(ctx, onSignedIn);
    else if (parts.length === 0) app.view = await showHome(ctx);
    else if (parts[0] === 'new') app.view = await (parts[1] ? showEditor(ctx, { sheetId: parts[1] }) : showHome(ctx, { chooser: true }));
    else if (parts[0] === 'drafts' && parts[1]) app.view = await showEditor(ctx, { draftId: parts[1] });
    else if (parts[0] === 'drafts') app.view = await showDrafts(ctx);
    else if (parts[0] === 'jobs' && parts[1]) app.view = await showJob(ctx, parts[1]);
    else if (parts[0] === 'jobs') app.view = await showJobs(ctx);
    else if (parts[0] === 'evidence') app.view = await showEvidence(ctx);
    else replace(main, h('section', { class: 'card' }, h('h1', { tabindex: '-1' }, 'ページが見つかりません'), h('p', {}, h('a', { href: '#/' }, 'ホームへ戻る'))));
  } catch (e) {
    if (e && e.status === 401) return;  // the sign-in dialog is open
    replace(main, h('section', { class: 'card error-page', role: 'alert' },
      h('h1', { tabindex: '-1' }, '表示できませんでした'), h('p', {}, (e && e.title) || String(e)),
      h('p', {}, h('a', { href: '#/' }, 'ホームへ戻る'))));
  }
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
    document.title = `${heading.textContent} - Renkei 連携シート`;
  }
  window.scrollTo(0, 0);
}

async function onSignedIn(session) {
  app.session = session;
  setCsrfToken(session.csrfToken || '');
  await loadSheets();
  renderShell();
  navigate('#/', { replace: true });
}

async function loadSheets() {
  const list = await api('GET', '/api/v1/sheets');
  app.sheets = list.sheets.filter((s) => s.id !== 'fax-cover');
}

window.addEventListener('hashchange', () => {
  if (location.hash === lastHash) return;
  if (!confirmLeave()) {
    history.replaceState(null, '', lastHash);
    return;
  }
  route();
});

window.addEventListener('beforeunload', (event) => {
  if (app.leaveGuard && app.leaveGuard()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

// A session that ended while the page was open: sign in again in a dialog,
// so the page and what was typed stay as they are.
setUnauthorizedHandler(async (error) => {
  if (!app.session || !app.session.authRequired) return false;
  const session = await promptSignIn(error.title);
  if (!session) return false;
  app.session = session;
  setCsrfToken(session.csrfToken || '');
  renderShell();
  return true;
});

// A link to the page already shown (its address was updated in place, e.g. a
// sent sheet's job) still shows that page: no hashchange fires for it.
document.addEventListener('click', (event) => {
  const a = event.target.closest && event.target.closest('a[href^="#/"]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (a.getAttribute('href') === location.hash && a.getAttribute('href') !== lastHash) {
    event.preventDefault();
    if (confirmLeave()) route();
  }
});

// The skip link moves focus to the content; "#main" must not become a route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});

async function start() {
  try {
    app.session = await api('GET', '/api/v1/session', undefined, { noAuthRedirect: true });
    setCsrfToken(app.session.csrfToken || '');
    await loadSheets();
  } catch (e) {
    app.session = null;
    if (e.status !== 401) {
      replace(document.getElementById('main'), h('section', { class: 'card error-page', role: 'alert' },
        h('h1', {}, 'サーバーに接続できません'), h('p', {}, e.title || String(e))));
      return;
    }
  }
  renderShell();
  route();
}

start();
