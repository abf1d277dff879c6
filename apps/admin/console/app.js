import { api, auth, loadPaths, roleAtLeast } from './api.js';
import { clientsPage, linksPage, overviewPage } from './pages-ops.js';
import { deadLettersPage, messagesPage, policyPage } from './pages-data.js';

// Each page renders into <main> and returns its stop (a refresh timer, say), called on leaving it.
const PAGES = { overview: overviewPage, links: linksPage, clients: clientsPage, messages: messagesPage, policy: policyPage, 'dead-letters': deadLettersPage };
const $ = (id) => document.getElementById(id);
let who = null;
let stop = () => {};

function leavePage() {
  stop();
  stop = () => {};
  $('main').replaceChildren();
}

function showLogin(message = '') {
  leavePage();
  who = null;
  $('top').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

function route() {
  if (!who) return;
  leavePage();
  const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/');
  const page = PAGES[name] ? name : 'overview';
  for (const a of $('nav').querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#/${page}`);
  const ctx = { who, args: args.map(decodeURIComponent), can: (role) => roleAtLeast(who.role, role) };
  stop = PAGES[page]($('main'), ctx) ?? (() => {});
}

async function enter(me) {
  who = me;
  await loadPaths();
  $('who').textContent = `${me.name} (${me.role})`;
  $('login').hidden = true;
  $('top').hidden = false;
  route();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  $('login-error').textContent = '';
  try {
    const me = await api('/v1/whoami', { token, login: true });
    auth.set(token);
    $('token').value = '';
    await enter(me);
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'This token is not accepted.' : err.message;
  }
});
$('logout').addEventListener('click', () => {
  auth.clear();
  showLogin();
});
auth.onLoggedOut(showLogin);
window.addEventListener('hashchange', route);

if (auth.token()) {
  api('/v1/whoami', { login: true }).then(enter, (err) => {
    if (err.status === 401) auth.clear();
    showLogin(err.status === 401 ? '' : err.message);
  });
}
else showLogin();
