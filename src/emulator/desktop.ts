import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { EmulatorCore } from './core';
import type { EmulatorEvent } from './events';

/**
 * The live agent desktop: `GET /desktop?agent=<userId>` serves one self-contained page (inline CSS and
 * JS, no build step) that follows `GET /__emulator/events?userId=` (server-sent events) and plays the
 * agent through the control API: clicks go through `POST /__emulator/notifications/:id/click`, so a
 * callback button sends the real signed callback, with the real retries.
 */

/** Notifications sent in the snapshot a page gets when it connects. */
const SNAPSHOT_NOTIFICATIONS = 50;
const HEARTBEAT_MS = 15_000;

interface Stream {
  res: http.ServerResponse;
  close(): void;
}

/** Open SSE streams, so the server's close() can end them (they never end on their own). */
export class DesktopStreams {
  private streams = new Set<Stream>();

  constructor(private readonly core: EmulatorCore) {}

  get size(): number {
    return this.streams.size;
  }

  /** GET /__emulator/events?userId=<id>: a snapshot, then every change that concerns that agent. */
  open(res: http.ServerResponse, userId: string | null): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const write = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');
    write('snapshot', this.snapshot(userId));

    const concerns = (e: EmulatorEvent): boolean => {
      if (userId === null) return true;
      switch (e.kind) {
        case 'notification':
          return e.notification.userId === userId;
        case 'callback':
          return e.delivery.userId === userId;
        case 'user':
          return e.user.id === userId;
        case 'user-removed':
          return e.userId === userId;
        case 'reset':
          return true;
      }
    };
    const unsubscribe = this.core.subscribe((e) => {
      if (!concerns(e)) return;
      // After a reset the page starts over from a fresh snapshot.
      if (e.kind === 'reset') write('snapshot', this.snapshot(userId));
      else write(e.kind, e);
    });
    const heartbeat = setInterval(() => {
      if (!res.destroyed) res.write(': ping\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();

    let closed = false;
    const stream: Stream = {
      res,
      close: () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        this.streams.delete(stream);
        if (!res.writableEnded) res.end();
      },
    };
    this.streams.add(stream);
    // res, not req: a request's 'close' fires as soon as its (empty) body has been read.
    res.on('close', stream.close);
    res.on('error', stream.close);
  }

  private snapshot(userId: string | null) {
    const user = userId === null ? null : (this.core.getUser(userId) ?? null);
    const notifications =
      userId === null
        ? []
        : this.core
            .listNotifications({ userId })
            .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
            .slice(-SNAPSHOT_NOTIFICATIONS);
    const deliveries = notifications.flatMap((n) =>
      this.core.listCallbackDeliveries({ notificationId: n.id }),
    );
    return {
      user,
      users: this.core.listUsers().map((u) => ({ id: u.id, name: u.name, email: u.email, presence: u.presence, state: u.state })),
      notifications,
      deliveries,
      serverTime: new Date().toISOString(),
    };
  }

  /** Ends every stream (emulator close()). */
  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }
}

/** GET /desktop: the page. A fresh nonce per answer keeps the CSP strict (no other script can run). */
export function serveDesktopPage(res: http.ServerResponse): void {
  const nonce = randomBytes(16).toString('base64');
  const html = DESKTOP_HTML.replace(/__NONCE__/g, nonce);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  res.end(html);
}

// Everything the page shows comes from callers (titles, messages, labels, URLs): it is only ever put in
// the DOM with textContent / setAttribute on known-safe attributes, never as HTML.
const DESKTOP_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent desktop (Genesys emulator)</title>
<link rel="icon" href="data:,">
<style nonce="__NONCE__">
  :root { --bg:#f3f5f8; --panel:#fff; --ink:#1d2433; --muted:#687389; --line:#dfe3ea;
          --info:#2f6fdf; --warning:#d98a00; --error:#d6323a; --ok:#1e9e5a; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; background:#22293a; color:#fff; }
  header .brand { font-weight:600; letter-spacing:.2px; }
  header .brand small { font-weight:400; opacity:.7; margin-left:6px; }
  header .agent { margin-left:auto; text-align:right; }
  header .agent .name { font-weight:600; }
  header .agent .email { font-size:12px; opacity:.75; }
  .pill { display:inline-flex; align-items:center; gap:6px; padding:3px 10px; border-radius:999px; font-size:12px; font-weight:600; background:#3a4357; }
  .dot { width:9px; height:9px; border-radius:50%; background:#9aa3b5; }
  .pill.available .dot { background:#35c46f; } .pill.busy .dot, .pill.away .dot { background:#f0b429; }
  .pill.offline .dot { background:#9aa3b5; } .pill.onqueue .dot { background:#35a3ff; }
  button { font:inherit; cursor:pointer; border-radius:6px; border:1px solid var(--line); background:#fff; color:var(--ink); padding:6px 12px; }
  button:disabled { cursor:default; opacity:.55; }
  header button { background:#3a4357; border-color:#4b5670; color:#fff; }
  .conn { font-size:12px; opacity:.85; }
  .conn::before { content:""; display:inline-block; width:7px; height:7px; border-radius:50%; background:#9aa3b5; margin-right:6px; vertical-align:1px; }
  .conn.up::before { background:#35c46f; }
  .conn.down { color:#ffb4b4; opacity:1; } .conn.down::before { background:#ff6b6b; }
  main { max-width:760px; margin:24px auto; padding:0 16px; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:24px 0 10px; }
  .empty { color:var(--muted); padding:24px; text-align:center; border:1px dashed var(--line); border-radius:10px; background:var(--panel); }
  .toast { position:relative; background:var(--panel); border:1px solid var(--line); border-left:6px solid var(--info); border-radius:10px; padding:14px 16px 12px; margin-bottom:12px; box-shadow:0 4px 14px rgba(20,30,50,.08); }
  .toast.warning { border-left-color:var(--warning); } .toast.error { border-left-color:var(--error); }
  .toast.done { opacity:.62; box-shadow:none; }
  .toast .top { display:flex; gap:10px; align-items:baseline; }
  .toast .kind { font-size:11px; font-weight:700; text-transform:uppercase; letter-spacing:.5px; color:var(--info); }
  .toast.warning .kind { color:var(--warning); } .toast.error .kind { color:var(--error); }
  .toast .title { font-weight:650; font-size:15px; overflow-wrap:anywhere; }
  .toast .time { margin-left:auto; font-size:12px; color:var(--muted); white-space:nowrap; }
  .toast .message { margin:6px 0 10px; overflow-wrap:anywhere; white-space:pre-wrap; }
  .toast .actions { display:flex; flex-wrap:wrap; gap:8px; }
  .toast .actions button.callback { background:#22293a; color:#fff; border-color:#22293a; }
  .toast .actions button.link::after { content:" \\2197"; }
  .toast .status { margin-top:10px; font-size:12px; color:var(--muted); }
  .badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:11px; font-weight:700; background:#e9edf3; color:var(--muted); margin-right:6px; }
  .badge.delivered { background:#dcf3e6; color:var(--ok); } .badge.failed, .badge.rejected { background:#fbe0e1; color:var(--error); }
  .badge.pending { background:#fff1d6; color:#9a6200; }
  .note { margin-top:6px; font-size:12px; color:var(--error); }
  .agents a { color:var(--info); }
  footer { max-width:760px; margin:0 auto 24px; padding:0 16px; color:var(--muted); font-size:12px; }
</style>
</head>
<body>
<header>
  <div class="brand">Agent desktop<small>Genesys Cloud emulator</small></div>
  <span id="conn" class="conn">connecting…</span>
  <div class="agent"><div class="name" id="agent-name">—</div><div class="email" id="agent-email"></div></div>
  <span id="presence" class="pill"><span class="dot"></span><span id="presence-text">—</span></span>
  <button id="toggle" type="button" disabled>—</button>
</header>
<main>
  <div id="unknown" hidden></div>
  <h2>Notifications</h2>
  <div id="toasts"><div class="empty">No notifications yet.</div></div>
  <div id="hidden-count" class="status"></div>
</main>
<footer>Buttons play the agent through the emulator's control API: a callback button makes the emulator send the signed callback to the service, with its retries.</footer>
<script nonce="__NONCE__">
(function () {
  'use strict';
  var agentId = new URLSearchParams(location.search).get('agent') || '';
  var state = { user: null, notifications: new Map(), deliveries: new Map(), notes: new Map(), offset: 0 };
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  var now = function () { return Date.now() + state.offset; };
  var api = function (method, path, body) {
    return fetch(path, {
      method: method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        if (!r.ok) throw new Error((j && j.message) || ('HTTP ' + r.status));
        return j;
      });
    });
  };

  function renderUser() {
    var u = state.user;
    $('agent-name').textContent = u ? u.name : (agentId ? 'Unknown agent' : 'No agent selected');
    $('agent-email').textContent = u ? u.email : agentId;
    var p = u ? u.presence : '—';
    $('presence-text').textContent = u && u.state !== 'active' ? p + ' (' + u.state + ')' : p;
    $('presence').className = 'pill ' + String(p).toLowerCase().replace(/[^a-z]/g, '');
    var t = $('toggle');
    t.disabled = !u || u.state !== 'active';
    t.textContent = u && u.presence === 'Offline' ? 'Go Available' : 'Go Offline';
  }

  function renderAgents(users) {
    var box = $('unknown');
    box.textContent = '';
    if (state.user) { box.hidden = true; return; }
    box.hidden = false;
    box.className = 'empty agents';
    box.appendChild(el('div', null, agentId ? 'No agent with id ' + agentId + '. Pick one:' : 'Pick an agent:'));
    (users || []).forEach(function (u) {
      var a = el('a', null, u.name + ' <' + u.email + '> (' + u.presence + ')');
      a.setAttribute('href', '?agent=' + encodeURIComponent(u.id));
      var d = el('div'); d.appendChild(a); box.appendChild(d);
    });
  }

  function statusOf(n) {
    if ((n.status === 'shown' || n.status === 'queued') && Date.parse(n.effectiveExpiresAt) <= now()) return 'expired';
    return n.status;
  }

  function click(n, a, index) {
    var id = a.id !== undefined ? a.id : String(index);
    if (a.actionType === 'openUrl') {
      if (/^https?:\\/\\//i.test(a.url || '')) window.open(a.url, '_blank', 'noopener,noreferrer');
    }
    state.notes.set(n.id, 'sending ' + a.label + '…');
    render();
    api('POST', '/__emulator/notifications/' + encodeURIComponent(n.id) + '/click', { actionId: id })
      .then(function (r) {
        state.notes.delete(n.id);
        // The answer holds the delivery as it was at the click; the live events may already have brought a
        // newer state (a fast receiver answers before this response is read): never go back to 'pending'.
        if (r && r.delivery && !state.deliveries.has(r.delivery.id)) state.deliveries.set(r.delivery.id, r.delivery);
        render();
      })
      .catch(function (e) { state.notes.set(n.id, 'Click refused: ' + e.message); render(); });
  }

  function renderToast(n) {
    var st = statusOf(n);
    var live = st === 'shown';
    var box = el('div', 'toast ' + (['info', 'warning', 'error'].indexOf(n.type) >= 0 ? n.type : 'info') + (live ? '' : ' done'));
    box.setAttribute('data-notification-id', n.id);
    box.setAttribute('data-status', st);
    var top = el('div', 'top');
    top.appendChild(el('span', 'kind', n.type));
    top.appendChild(el('span', 'title', n.title));
    top.appendChild(el('span', 'time', new Date(n.createdAt).toLocaleTimeString()));
    box.appendChild(top);
    box.appendChild(el('div', 'message', n.message));
    var actions = el('div', 'actions');
    n.actions.forEach(function (a, i) {
      var b = el('button', a.actionType === 'callback' ? 'callback' : 'link', a.label);
      b.type = 'button';
      b.disabled = !live;
      if (a.actionType === 'openUrl') b.title = a.url || '';
      b.addEventListener('click', function () { click(n, a, i); });
      actions.appendChild(b);
    });
    if (n.actions.length) box.appendChild(actions);
    var status = el('div', 'status');
    status.appendChild(el('span', 'badge', st));
    n.clicks.forEach(function (c) {
      var d = c.deliveryId ? state.deliveries.get(c.deliveryId) : null;
      var label = (n.actions[c.index] && n.actions[c.index].label) || c.actionId;
      var s = el('span', 'badge ' + (d ? d.status : ''), label + (d ? ': callback ' + d.status : ': opened'));
      s.setAttribute('data-action-id', c.actionId);
      s.setAttribute('data-callback', d ? d.status : 'none');
      if (d && d.attempts.length) {
        var last = d.attempts[d.attempts.length - 1];
        s.title = d.attempts.length + ' attempt(s), last: ' + (last.status !== null ? 'HTTP ' + last.status : last.error);
      }
      status.appendChild(s);
    });
    box.appendChild(status);
    if (state.notes.has(n.id)) box.appendChild(el('div', 'note', state.notes.get(n.id)));
    return box;
  }

  // Keyed rendering: a toast's element is rebuilt only when what it shows changed, so a button is never
  // replaced under the agent's pointer by an unrelated update.
  var rendered = new Map();
  function fingerprint(n) {
    return JSON.stringify([statusOf(n), n.status, n.clicks, state.notes.get(n.id) || '',
      n.clicks.map(function (c) { var d = c.deliveryId ? state.deliveries.get(c.deliveryId) : null; return d ? [d.status, d.attempts.length] : null; })]);
  }

  function render() {
    renderUser();
    var list = $('toasts');
    var shown = [], hidden = 0;
    state.notifications.forEach(function (n) { if (n.deliverable) shown.push(n); else hidden++; });
    shown.sort(function (a, b) { return b.createdAt.localeCompare(a.createdAt); });
    var keep = new Set();
    shown.forEach(function (n, i) {
      keep.add(n.id);
      var fp = fingerprint(n);
      var r = rendered.get(n.id);
      if (!r || r.fp !== fp) {
        var node = renderToast(n);
        if (r) list.replaceChild(node, r.node);
        r = { fp: fp, node: node };
        rendered.set(n.id, r);
      }
      if (list.children[i] !== r.node) list.insertBefore(r.node, list.children[i] || null);
    });
    rendered.forEach(function (r, id) { if (!keep.has(id)) { r.node.remove(); rendered.delete(id); } });
    var empty = list.querySelector('.empty');
    if (shown.length && empty) empty.remove();
    if (!shown.length && !empty) list.appendChild(el('div', 'empty', 'No notifications yet.'));
    $('hidden-count').textContent = hidden ? hidden + ' notification(s) arrived while this agent had no desktop session: never shown.' : '';
  }

  $('toggle').addEventListener('click', function () {
    var u = state.user;
    if (!u) return;
    var next = u.presence === 'Offline' ? 'Available' : 'Offline';
    $('toggle').disabled = true;
    api('PATCH', '/__emulator/users/' + encodeURIComponent(u.id), { presence: next })
      .then(function (r) { state.user = r; render(); })
      .catch(function () { render(); });
  });

  function connect() {
    var es = new EventSource('/__emulator/events?userId=' + encodeURIComponent(agentId));
    var conn = $('conn');
    es.onopen = function () { conn.textContent = 'live'; conn.className = 'conn up'; };
    es.onerror = function () { conn.textContent = 'reconnecting…'; conn.className = 'conn down'; };
    es.addEventListener('snapshot', function (ev) {
      var s = JSON.parse(ev.data);
      state.offset = Date.parse(s.serverTime) - Date.now();
      state.user = s.user;
      state.notifications = new Map();
      state.deliveries = new Map();
      s.notifications.forEach(function (n) { state.notifications.set(n.id, n); });
      s.deliveries.forEach(function (d) { state.deliveries.set(d.id, d); });
      rendered.forEach(function (r) { r.node.remove(); });
      rendered.clear();
      renderAgents(s.users);
      render();
    });
    es.addEventListener('notification', function (ev) { var n = JSON.parse(ev.data).notification; state.notifications.set(n.id, n); render(); });
    es.addEventListener('callback', function (ev) { var d = JSON.parse(ev.data).delivery; state.deliveries.set(d.id, d); render(); });
    es.addEventListener('user', function (ev) { state.user = JSON.parse(ev.data).user; render(); });
    es.addEventListener('user-removed', function () { state.user = null; render(); });
  }

  // Expiry is computed, not pushed: look again every second.
  setInterval(function () { if (state.notifications.size) render(); }, 1000);
  connect();
})();
</script>
</body>
</html>
`;
