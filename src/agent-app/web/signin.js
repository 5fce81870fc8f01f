// Sign-in with PKCE through the real platform client (purecloud-platform-client-v2's browser build,
// require('platformClient')), and the exchange of the Genesys token for the service's session token.
//
// How the platform client keeps PKCE across the redirect (read from dist/web-cjs): loginPKCEGrant() makes a
// 128-character verifier, keeps it in sessionStorage ('purecloud_pkce_code_verifier'), and sends the browser to
// <login>/oauth/authorize. Back on the redirect URI it reads ?code&state, strips the query
// (history.replaceState to the bare path), posts the code and verifier to <login>/oauth/token, checks the token
// with GET <api>/api/v2/tokens/me and clears the verifier. It keeps the token in memory only (persistSettings is
// off). The page's gc* parameters would be lost with the query, so they travel in `state`, together with a
// nonce this tab keeps in sessionStorage and checks on return (a code this tab did not ask for is refused).
//
// Inside Genesys the login page may refuse to be framed: framed, the page signs in through a popup
// (updateAuthPopupConfiguration({usePopup: true})), started by a button (browsers block popups without a click).
// The popup lands on this page with ?code; it hands the query to its opener ({name: 'gc_auth_popup',
// type: 'message', search}, posted to our own origin only) and the opener's client does the exchange.

const NONCE_KEY = 'agent-app.signin-nonce';
const PARAMS = ['gcHostOrigin', 'gcTargetEnv', 'gcLangTag', 'gcUseDarkTheme'];

function b64url(text) {
  return btoa(unescape(encodeURIComponent(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
function unb64url(s) {
  return decodeURIComponent(escape(atob(s.replace(/-/g, '+').replace(/_/g, '/'))));
}

/** The redirect URI: this page without its query (must be registered on the OAuth client exactly so). */
export function redirectUri() {
  return `${location.origin}/agent-app/`;
}

/**
 * The page's parameters. On a return from the login page they come back from `state` (only when its nonce is
 * this tab's); `returning` says a code or error is in the URL.
 */
export function readParams() {
  const q = new URLSearchParams(location.search);
  const returning = q.has('code') || q.has('error');
  const params = {};
  for (const name of PARAMS) if (q.get(name) !== null) params[name] = q.get(name);
  let stateOk = false;
  if (returning && q.get('state')) {
    const [nonce, packed] = q.get('state').split('.');
    const expected = sessionStorage.getItem(NONCE_KEY);
    if (expected && nonce === expected) {
      stateOk = true;
      try {
        const restored = JSON.parse(unb64url(packed || ''));
        for (const name of PARAMS) if (typeof restored[name] === 'string') params[name] = restored[name];
      } catch {
        // no parameters came back: the defaults apply
      }
    }
  }
  return { params, returning, stateOk };
}

/** Puts the gc* parameters back into the address bar (the Client App SDK reads them from there). */
export function restoreQuery(params) {
  const q = new URLSearchParams();
  for (const name of PARAMS) if (params[name] !== undefined) q.set(name, params[name]);
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

/** In the sign-in popup: hand the login result to the window that opened us. True when this is that popup. */
export function handOverToOpener() {
  const q = new URLSearchParams(location.search);
  if (!(q.has('code') || q.has('error'))) return false;
  let opener = null;
  try {
    opener =
      window.opener && window.opener !== window && window.opener.location.origin === location.origin
        ? window.opener
        : null;
  } catch {
    opener = null; // another origin opened us: not our popup
  }
  if (!opener) return false;
  opener.postMessage({ name: 'gc_auth_popup', type: 'message', search: location.search }, location.origin);
  history.replaceState(null, '', location.pathname);
  return true;
}

/**
 * A platform client pointed at Genesys: explicit bases (setGateway: emulator, proxies, tests) win; otherwise the
 * environment of the Genesys that frames the page (hostEnvironment, from gcTargetEnv: the agent signs in at their
 * org's login host, AGENT-APP.md), and standalone the configured region.
 */
export function makeClient(config, hostEnvironment) {
  const platformClient = window.require('platformClient');
  const client = platformClient.ApiClient.instance;
  if (config.apiBase || config.loginBase) {
    const login = new URL(config.loginBase || config.apiBase);
    const api = new URL(config.apiBase || config.loginBase);
    if (login.origin !== api.origin)
      // setGateway has one protocol/host/port: the API and login bases must share an origin.
      console.warn('apiBase and loginBase differ in origin; using loginBase for both');
    client.setGateway({
      protocol: login.protocol.replace(':', ''),
      host: login.hostname,
      port: login.port ? Number(login.port) : -1,
      path_params_login: login.pathname.replace(/\/+$/, ''),
      path_params_api: api.pathname.replace(/\/+$/, ''),
    });
  } else if (hostEnvironment) {
    client.setEnvironment(hostEnvironment);
  } else if (config.region) {
    client.setEnvironment(config.region);
  }
  return client;
}

/**
 * Signs in (or finishes the sign-in the login page sent us back from) and resolves with the Genesys access token.
 * Without a code in the URL and usePopup false this navigates away (the promise then never settles).
 */
export async function signIn(client, config, params, { usePopup }) {
  client.updateAuthPopupConfiguration({ usePopup: Boolean(usePopup) });
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  sessionStorage.setItem(NONCE_KEY, nonce);
  const state = `${nonce}.${b64url(JSON.stringify(params))}`;
  const data = await client.loginPKCEGrant(config.clientId, redirectUri(), { state });
  sessionStorage.removeItem(NONCE_KEY);
  if (!data || !data.accessToken) throw new Error('no access token');
  return data.accessToken;
}

/** Finishes a redirect sign-in: the code is in the URL and the state was ours. */
export async function finishSignIn(client, config) {
  const data = await client.loginPKCEGrant(config.clientId, redirectUri(), {});
  sessionStorage.removeItem(NONCE_KEY);
  if (!data || !data.accessToken) throw new Error('no access token');
  return data.accessToken;
}

/** An Error with the problem+json detail (or title, or the status) of a failed response. */
export async function problemError(res) {
  let detail = `HTTP ${res.status}`;
  try {
    const body = await res.json();
    detail = body.detail || body.title || detail;
  } catch {
    // not JSON: the status says it
  }
  const err = new Error(detail);
  err.status = res.status;
  return err;
}

/** POST /agent-app/session: the Genesys token for our session {sessionToken, expiresAt, user}. */
export async function exchangeSession(accessToken) {
  const res = await fetch('/agent-app/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken }),
    credentials: 'omit',
  });
  if (!res.ok) throw await problemError(res);
  return res.json();
}
