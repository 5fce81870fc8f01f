// The Genesys host (the agent's desktop that frames this page), through the Client App SDK
// (purecloud.apps.ClientApp, served at /agent-app/vendor/client-app-sdk.js).
//
// The SDK posts to the origin it derives from gcHostOrigin. It is created only when the page is framed (at once,
// to hear the lifecycle hooks), and used to post only when gcHostOrigin is one of config.hostOrigins; otherwise
// the page runs standalone and posts nothing at all (never to an unlisted origin, never to '*').
import { t } from './i18n.js';

/**
 * Our alert types on the SDK's toast types. The SDK (src/modules/alerting.ts) knows only 'info', 'success' and
 * 'error'; it allows no permanent toast: `timeout > 0` or `showCloseButton: true`; an 'error' toast ignores the
 * timeout and must be closed by hand (showCloseButton: true). Timeouts are seconds, default 7.
 *
 * - info    -> 'info', closes itself after 10 s (close button too): the list keeps it.
 * - warning -> 'info', sticky (timeout 0, close button), title prefixed with the word "Warning": the SDK has no
 *   warning type; 'error' would tell the agent something failed, 'success' would say the opposite. A warning must
 *   not slip by unseen, so it stays until closed, and the word (not a colour) says what it is.
 * - error   -> 'error', sticky (timeout 0, close button), as the SDK requires for errors.
 *
 * markdownMessage is always false: the title and message come from the caller and are shown as plain text.
 */
export const TOAST_TYPES = {
  info: { type: 'info', timeout: 10 },
  warning: { type: 'info', timeout: 0, titleKey: 'warningPrefix' },
  error: { type: 'error', timeout: 0 },
};

/** The SDK's arguments for one alert: [title, message, options]. */
export function toastFor(alert) {
  const m = TOAST_TYPES[alert.type] ?? TOAST_TYPES.info;
  const title = m.titleKey ? t(m.titleKey, { title: alert.title }) : alert.title;
  return [
    title,
    alert.message,
    {
      id: alert.notificationId,
      type: m.type,
      timeout: m.timeout,
      showCloseButton: true,
      markdownMessage: false,
    },
  ];
}

/** Is the page inside another window? (A cross-origin parent makes the comparison safe, not throw.) */
export function isFramed() {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}

/**
 * The SDK and the host's lifecycle hooks, heard from the page's first moment. The host sends the bootstrap hook
 * once the frame has loaded, which can be before the config (and so the allowed origins) has arrived, and the SDK
 * does not keep a hook nobody listened for. So the SDK is created here, at once; it only takes messages from the
 * parent window at gcHostOrigin, and creating it posts nothing. Nothing is posted until connectHost has checked
 * that origin against config.hostOrigins.
 * Returns {app, reason, hooks: Set of the hooks heard, onHook: set by connectHost}; app is null standalone.
 */
export function listenToHost(params) {
  if (!isFramed()) return { app: null, reason: 'not-framed' };
  if (!params.gcHostOrigin || !params.gcTargetEnv) return { app: null, reason: 'origin-not-allowed' };
  let app;
  try {
    app = new window.purecloud.apps.ClientApp({
      gcHostOrigin: params.gcHostOrigin,
      gcTargetEnv: params.gcTargetEnv,
    });
  } catch (e) {
    console.warn('Client App SDK could not start:', e && e.message);
    return { app: null, reason: 'sdk-failed' };
  }
  const early = { app, reason: 'embedded', hooks: new Set(), onHook: null };
  const heard = (hook) => () => {
    early.hooks.add(hook);
    if (early.onHook) early.onHook(hook);
  };
  app.lifecycle.addBootstrapListener(heard('bootstrap'));
  app.lifecycle.addStopListener(heard('stop'));
  return early;
}

/**
 * The host: {embedded, reason, environment, showToast(alert), setAttentionCount(n), ready(), onStop(cleanup)}.
 * Standalone, the calls do nothing. reason: 'embedded' | 'not-framed' | 'origin-not-allowed' | 'sdk-failed'.
 * environment: the Genesys Cloud the host runs in ('mypurecloud.ie'), as the SDK derives it from gcHostOrigin and
 * gcTargetEnv; null standalone, and for a host on a loopback origin (the SDK says 'localhost': no Genesys there).
 *
 * The integration registers the bootstrap and stop hooks (AGENT-APP.md): Genesys holds the app until it says
 * `bootstrapped` (then shows it anyway after a time-out), and expects `stopped` after a stop. ready() answers the
 * bootstrap once the page has started (whichever of the two comes last); the stop hook runs the cleanup, then
 * answers `stopped`.
 */
export function connectHost(params, config, early = listenToHost(params)) {
  const none = (reason) => ({
    embedded: false,
    reason,
    environment: null,
    showToast() {},
    setAttentionCount() {},
    ready() {},
    onStop() {},
  });
  if (!isFramed()) return none('not-framed');
  const allowed = Array.isArray(config.hostOrigins) ? config.hostOrigins : [];
  if (!params.gcHostOrigin || !allowed.includes(params.gcHostOrigin) || !params.gcTargetEnv)
    return none('origin-not-allowed');
  if (!early.app) return none(early.reason);
  const app = early.app;
  let pageReady = false;
  let bootstrapAnswered = false;
  let stopAnswered = false;
  let cleanup = null;
  const answer = () => {
    if (pageReady && early.hooks.has('bootstrap') && !bootstrapAnswered) {
      bootstrapAnswered = true;
      app.lifecycle.bootstrapped();
    }
    if (early.hooks.has('stop') && !stopAnswered) {
      stopAnswered = true;
      try {
        if (cleanup) cleanup();
      } finally {
        app.lifecycle.stopped();
      }
    }
  };
  early.onHook = answer;
  // A stop heard before the origin was known is answered now.
  answer();
  let lastCount = -1;
  const env = app.gcEnvironment;
  return {
    embedded: true,
    reason: 'embedded',
    environment: typeof env === 'string' && env !== 'localhost' ? env : null,
    showToast(alert) {
      const [title, message, options] = toastFor(alert);
      app.alerting.showToastPopup(title, message, options);
    },
    setAttentionCount(n) {
      if (n === lastCount) return;
      lastCount = n;
      app.alerting.setAttentionCount(n);
    },
    ready() {
      pageReady = true;
      answer();
    },
    onStop(fn) {
      cleanup = fn;
    },
  };
}
