// The agent app's page: wires the settings, the host (Client App SDK), the sign-in, the session, the live
// connection and the list. The protocol is src/agent-app/README.md ("The wire protocol").
import { setLanguage, t, translatePage } from './i18n.js';
import { connectHost, isFramed, listenToHost } from './host.js';
import {
  exchangeSession,
  finishSignIn,
  handOverToOpener,
  makeClient,
  problemError,
  readParams,
  restoreQuery,
  signIn,
} from './signin.js';
import { openLive } from './live.js';
import { createList } from './list.js';

const $ = (id) => document.getElementById(id);

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = !text;
}

function setConnection(state, info) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent =
    state === 'live'
      ? t('connLive')
      : state === 'connecting'
        ? t('connConnecting')
        : state === 'retry'
          ? t('connRetry', info)
          : t('connOffline');
}

// Politely, through one live region; cleared first so that the same text twice is announced twice.
function announce(text) {
  const a = $('announcer');
  a.textContent = '';
  setTimeout(() => {
    a.textContent = text;
  }, 50);
}

async function loadConfig() {
  const res = await fetch('/agent-app/config', { credentials: 'omit' });
  if (!res.ok) throw await problemError(res);
  return res.json();
}

async function main() {
  if (handOverToOpener()) {
    translatePage(document);
    showProblem('');
    $('user').textContent = t('popupDone');
    $('user').hidden = false;
    return;
  }
  const { params, returning, stateOk } = readParams();
  // Before anything is awaited: the host's bootstrap hook may come as soon as the page has loaded.
  const early = listenToHost(params);
  const { tag } = setLanguage(params.gcLangTag);
  document.documentElement.lang = tag;
  document.documentElement.classList.toggle('dark', params.gcUseDarkTheme === 'true');
  translatePage(document);
  setConnection('offline');

  let config;
  try {
    config = await loadConfig();
  } catch (e) {
    showProblem(t('configFailed', { detail: e.message }));
    return;
  }
  if (!config.clientId) {
    showProblem(t('notConfigured'));
    return;
  }

  // The host first: framed by an allowed Genesys, the sign-in goes to that Genesys's login host.
  const host = connectHost(params, config, early);
  const client = makeClient(config, host.environment);
  // A return from the login page: loginPKCEGrant reads the code from the URL (and strips it) at once.
  let pending = null;
  if (returning && stateOk) pending = finishSignIn(client, config);
  restoreQuery(params);

  if (!host.embedded) {
    $('host-note').textContent = t('standalone');
    $('host-note').hidden = false;
  }
  host.setAttentionCount(0);

  let accessToken = null;
  let session = null;
  let refreshTimer = null;
  let live = null;
  const framed = isFramed();

  // A fresh Genesys token: standalone by redirect (the page reloads), at once unless a sign-in just failed
  // (then a click, so a refusing login page cannot loop); framed by a popup, which needs a click.
  const signInAgain = (afterFailure) =>
    new Promise((resolve, reject) => {
      if (!framed && !afterFailure) {
        signIn(client, config, params, { usePopup: false }).then(resolve, reject);
        return;
      }
      $('signin').hidden = false;
      $('signin-button').onclick = () => {
        $('signin-button').disabled = true;
        $('signin-text').textContent = t('signingIn');
        signIn(client, config, params, { usePopup: framed }).then(
          (token) => {
            $('signin').hidden = true;
            resolve(token);
          },
          (e) => {
            $('signin-button').disabled = false;
            $('signin-text').textContent = t('signInText');
            showProblem(t('signInFailed', { detail: e.message }));
          },
        );
      };
    });

  const startSession = async () => {
    try {
      session = await exchangeSession(accessToken);
    } catch (e) {
      if (e.status !== 401) throw e;
      accessToken = await signInAgain(false); // the Genesys token is no longer good
      session = await exchangeSession(accessToken);
    }
    showProblem('');
    if (session.user && session.user.name) {
      $('user').textContent = t('signedInAs', { name: session.user.name });
      $('user').hidden = false;
    }
    // Exchange again a little before the session ends.
    clearTimeout(refreshTimer);
    const left = Date.parse(session.expiresAt) - Date.now();
    if (left > 0) {
      const lead = Math.min(60000, left / 5);
      refreshTimer = setTimeout(
        () => startSession().catch(() => undefined),
        Math.min(left - lead, 2 ** 31 - 1),
      );
    }
  };

  const postAction = async (alert, action, retried) => {
    const res = await fetch('/agent-app/actions', {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.sessionToken}` },
      body: JSON.stringify({ notificationId: alert.notificationId, actionId: action.id }),
    });
    if (res.status === 401 && !retried) {
      await startSession();
      return postAction(alert, action, true);
    }
    if (!res.ok) throw await problemError(res);
    return res.json();
  };

  const list = createList({
    listEl: $('alert-list'),
    emptyEl: $('empty'),
    headingEl: $('alerts-heading'),
    announce,
    langTag: tag,
    onCount: (n) => host.setAttentionCount(n),
    onCallback: (alert, action) => postAction(alert, action, false),
  });
  // Stopped by the host: no reconnects or session refreshes from a page that is going away.
  let stoppedByHost = false;
  host.onStop(() => {
    stoppedByHost = true;
    clearTimeout(refreshTimer);
    if (live) live.stop();
  });
  // The page is drawn: the host may show it. Not after the sign-in, which may wait for the agent's click.
  host.ready();

  try {
    if (pending) accessToken = await pending;
    else if (returning) throw new Error('the sign-in answer was not for this page');
    else accessToken = await signInAgain(false);
  } catch (e) {
    showProblem(t('signInFailed', { detail: e.message }));
    accessToken = await signInAgain(true);
  }
  await startSession();
  if (stoppedByHost) {
    clearTimeout(refreshTimer);
    return;
  }

  live = openLive({
    getSessionToken: () => session.sessionToken,
    heartbeatSeconds: config.heartbeatSeconds,
    onStatus: setConnection,
    onSessionExpired: startSession,
    onEvent(event, data) {
      if (event === 'alert') {
        const known = list.has(data.notificationId);
        if (!known && list.add(data)) host.showToast(data);
        if (list.has(data.notificationId)) live.send('displayed', { notificationId: data.notificationId });
      } else if (event === 'withdraw') {
        list.withdraw(data.notificationId);
      }
    },
  });
  window.addEventListener('pagehide', () => live.stop());
}

main().catch((e) => {
  console.error(e);
  showProblem(t('signInFailed', { detail: e.message }));
});
