// The desktop shell's host side of the Client App SDK (a browser script, no build step; ../desktop.ts
// serves it as /desktop/shell.js). It frames the Client App named in the #shell-config block, answers
// the SDK's postMessage protocol ('purecloud-client-apps', read from purecloud-client-app-sdk 2.6.10:
// showToast, setAttentionCount, bootstrapped, stopped; it sends the lifecycle hooks the integration
// asks for) and reports what it showed to the emulator (/__emulator/desktop/<agent>/...).
// App text is only ever put in the DOM as text. Messages are only taken from the app's frame and
// origin, and only posted to the app's exact origin, never '*'.
(function () {
  'use strict';
  var PROTOCOL = 'purecloud-client-apps';
  /** The SDK's defaults (alerting.ts): 7 s, a close button, markdown. */
  var DEFAULT_TIMEOUT_S = 7;
  /** How long the shell waits for `stopped` before it removes the frame anyway (not verified). */
  var STOP_WAIT_MS = 5000;
  var TYPES = ['info', 'success', 'error'];

  var cfg = JSON.parse(document.getElementById('shell-config').textContent);
  var app = cfg.app;
  var agentId = cfg.agentId;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  var report = function (method, what, body) {
    if (!agentId) return Promise.resolve(null);
    return fetch('/__emulator/desktop/' + encodeURIComponent(agentId) + '/' + what, {
      method: method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .catch(function () {
        return null;
      });
  };

  var frame = null;
  var bootstrapped = false;
  var visible = true;
  var stopTimer = null;

  function status(text) {
    $('app-status').textContent = text;
  }

  /** A lifecycle hook, if the integration's advanced config opted into it. */
  function sendHook(hook) {
    if (!frame || !frame.contentWindow || !app.lifecycle.hooks[hook]) return false;
    frame.contentWindow.postMessage(
      { protocol: PROTOCOL, purecloudEventType: 'appLifecycleHook', hook: hook },
      app.origin,
    );
    report('POST', 'lifecycle', { direction: 'sent', name: hook });
    return true;
  }

  function mountFrame() {
    bootstrapped = false;
    frame = document.createElement('iframe');
    frame.id = 'app-frame';
    frame.className = 'app-frame';
    frame.title = app.name;
    if (app.sandbox !== null) frame.setAttribute('sandbox', app.sandbox);
    frame.setAttribute('referrerpolicy', 'origin');
    // Until it says `bootstrapped` (or the app navigates away to sign in and back), each load gets the hook.
    frame.addEventListener('load', function () {
      if (!bootstrapped && sendHook('bootstrap')) status('bootstrapping…');
      else if (!bootstrapped) status('loaded');
    });
    frame.src = app.url;
    $('app-frame-box').appendChild(frame);
    status('loading…');
  }

  function unmountFrame() {
    if (stopTimer) clearTimeout(stopTimer);
    stopTimer = null;
    if (frame) frame.remove();
    frame = null;
    status('stopped');
  }

  // --- host toasts -----------------------------------------------------------------------------------
  /** Drawn toasts by their key: the app's origin and the SDK id (none = one toast per app). */
  var toasts = new Map();

  function dismiss(key, by) {
    var t = toasts.get(key);
    if (!t) return;
    toasts.delete(key);
    if (t.timer) clearTimeout(t.timer);
    t.node.remove();
    t.recorded.then(function (r) {
      if (r && r.id) report('POST', 'host-toast-dismissals', { id: r.id, by: by });
    });
  }

  /** The SDK's showToast payload, read as its docs say: error and timeout 0 stay until closed. */
  function showToast(d) {
    var type = TYPES.indexOf(d.type) >= 0 ? d.type : 'info';
    var appToastId = typeof d.id === 'string' && d.id !== '' ? d.id : null;
    var timeout = typeof d.timeout === 'number' && d.timeout >= 0 ? d.timeout : DEFAULT_TIMEOUT_S;
    if (type === 'error') timeout = 0;
    // A toast with neither a timeout nor a close button would never go: the SDK forbids it; keep a way out.
    var showClose = d.showCloseButton !== false || timeout === 0;
    var toast = {
      appToastId: appToastId,
      title: d.title === undefined || d.title === null ? '' : String(d.title),
      message: d.message === undefined || d.message === null ? '' : String(d.message),
      type: type,
      markdownMessage: d.markdownMessage !== false,
      timeout: timeout,
      showCloseButton: showClose,
      appOrigin: app.origin,
    };
    var key = app.origin + '|' + (appToastId || '');
    dismiss(key, 'replaced');

    var node = el('div', 'host-toast ' + type);
    node.setAttribute('role', type === 'error' ? 'alert' : 'status');
    node.setAttribute('data-type', type);
    if (appToastId) node.setAttribute('data-app-toast-id', appToastId);
    var top = el('div', 'top');
    top.appendChild(el('span', 'from', app.name));
    top.appendChild(el('span', 'title', toast.title));
    node.appendChild(top);
    // Markdown is shown as the text it is (the emulator renders none).
    node.appendChild(el('div', 'message', toast.message));
    var entry = { node: node, timer: null, recorded: report('POST', 'host-toasts', toast) };
    if (showClose) {
      var close = el('button', 'close', '×');
      close.type = 'button';
      close.setAttribute('aria-label', 'Dismiss ' + (toast.title || 'notification'));
      close.addEventListener('click', function () {
        dismiss(key, 'close');
      });
      top.appendChild(close);
    }
    if (timeout > 0)
      entry.timer = setTimeout(function () {
        dismiss(key, 'timeout');
      }, timeout * 1000);
    entry.recorded.then(function (r) {
      if (r && r.id) node.setAttribute('data-host-toast-id', r.id);
    });
    toasts.set(key, entry);
    $('host-toasts').prepend(node);
  }

  function setAttentionCount(d) {
    var n = Number(d.count);
    if (!Number.isFinite(n) || n < 0) return;
    n = Math.floor(n);
    var badge = $('attention');
    badge.hidden = n === 0;
    badge.textContent = String(n);
    badge.setAttribute('data-count', String(n));
    badge.setAttribute('aria-label', n + ' item(s) need attention');
    report('PUT', 'attention', { count: n });
  }

  function onMessage(event) {
    // Only the framed app, at its origin, speaking the SDK's protocol.
    if (!frame || event.source !== frame.contentWindow || event.origin !== app.origin) return;
    var d = event.data;
    if (!d || typeof d !== 'object' || Array.isArray(d) || d.protocol !== PROTOCOL) return;
    if (typeof d.action !== 'string') return;
    switch (d.action) {
      case 'showToast':
        showToast(d);
        return;
      case 'setAttentionCount':
        setAttentionCount(d);
        return;
      case 'bootstrapped':
        bootstrapped = true;
        status('ready');
        break;
      case 'stopped':
        if (stopTimer) unmountFrame();
        break;
    }
    // Lifecycle answers, and actions the emulator does not implement (recorded, not acted on).
    report('POST', 'lifecycle', { direction: 'received', name: d.action.slice(0, 100) });
  }

  // --- hide / show: blur and focus; an ephemeral app is stopped when hidden -------------------------
  function toggle() {
    var button = $('app-toggle');
    visible = !visible;
    button.textContent = visible ? 'Hide app' : 'Show app';
    button.setAttribute('aria-pressed', String(!visible));
    $('app-frame-box').hidden = !visible;
    if (!visible) {
      sendHook('blur');
      if (app.lifecycle.ephemeral && frame) {
        if (sendHook('stop')) stopTimer = setTimeout(unmountFrame, STOP_WAIT_MS);
        else unmountFrame();
      }
    } else if (!frame) {
      mountFrame();
    } else if (stopTimer) {
      // Shown again while stopping: start it afresh.
      unmountFrame();
      mountFrame();
    } else {
      sendHook('focus');
    }
  }

  if (!app) {
    var none = $('app-none');
    none.hidden = false;
    // No frame to hold: the empty box would only look like a blank app.
    $('app-frame-box').hidden = true;
    none.textContent = cfg.problem
      ? cfg.problem
      : 'No Client App is installed: register an enabled embedded-client-app integration with a URL, or start the emulator with agentAppUrl.';
    status('');
    return;
  }
  $('app-title').textContent = app.name;
  $('app-toggle').hidden = false;
  $('app-toggle').addEventListener('click', toggle);
  window.addEventListener('message', onMessage);
  mountFrame();
})();
