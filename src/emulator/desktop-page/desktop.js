// The desktop shell's REST-channel toasts (a browser script, no build step); ../desktop.ts serves it as
// /desktop/desktop.js. It follows /__emulator/events?userId= and plays the agent
// through the control API.
// Everything the page shows comes from callers (titles, messages, labels, URLs): it is only ever put in
// the DOM with textContent / setAttribute on known-safe attributes, never as HTML.
(function () {
  'use strict';
  var agentId = new URLSearchParams(location.search).get('agent') || '';
  var state = { user: null, notifications: new Map(), deliveries: new Map(), notes: new Map(), offset: 0 };
  var $ = function (id) {
    return document.getElementById(id);
  };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  var now = function () {
    return Date.now() + state.offset;
  };
  var api = function (method, path, body) {
    return fetch(path, {
      method: method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try {
          j = t ? JSON.parse(t) : null;
        } catch {
          j = null;
        }
        if (!r.ok) throw new Error((j && j.message) || 'HTTP ' + r.status);
        return j;
      });
    });
  };

  function renderUser() {
    var u = state.user;
    $('agent-name').textContent = u ? u.name : agentId ? 'Unknown agent' : 'No agent selected';
    $('agent-email').textContent = u ? u.email : agentId;
    var p = u ? u.presence : '—';
    $('presence-text').textContent = u && u.state !== 'active' ? p + ' (' + u.state + ')' : p;
    $('presence').className =
      'pill ' +
      String(p)
        .toLowerCase()
        .replace(/[^a-z]/g, '');
    var t = $('toggle');
    t.disabled = !u || u.state !== 'active';
    t.textContent = u && u.presence === 'Offline' ? 'Go Available' : 'Go Offline';
  }

  function renderAgents(users) {
    var box = $('unknown');
    box.textContent = '';
    if (state.user) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.className = 'empty agents';
    box.appendChild(
      el('div', null, agentId ? 'No agent with id ' + agentId + '. Pick one:' : 'Pick an agent:'),
    );
    (users || []).forEach(function (u) {
      var a = el('a', null, u.name + ' <' + u.email + '> (' + u.presence + ')');
      a.setAttribute('href', '?agent=' + encodeURIComponent(u.id));
      var d = el('div');
      d.appendChild(a);
      box.appendChild(d);
    });
  }

  function statusOf(n) {
    if ((n.status === 'shown' || n.status === 'queued') && Date.parse(n.effectiveExpiresAt) <= now())
      return 'expired';
    return n.status;
  }

  function click(n, a, index) {
    var id = a.id !== undefined ? a.id : String(index);
    if (a.actionType === 'openUrl') {
      if (/^https?:\/\//i.test(a.url || '')) window.open(a.url, '_blank', 'noopener,noreferrer');
    }
    state.notes.set(n.id, 'sending ' + a.label + '…');
    render();
    api('POST', '/__emulator/notifications/' + encodeURIComponent(n.id) + '/click', { actionId: id })
      .then(function (r) {
        state.notes.delete(n.id);
        // The answer holds the delivery as it was at the click; the live events may already have brought a
        // newer state (a fast receiver answers before this response is read): never go back to 'pending'.
        if (r && r.delivery && !state.deliveries.has(r.delivery.id))
          state.deliveries.set(r.delivery.id, r.delivery);
        render();
      })
      .catch(function (e) {
        state.notes.set(n.id, 'Click refused: ' + e.message);
        render();
      });
  }

  function renderToast(n) {
    var st = statusOf(n);
    var live = st === 'shown';
    var box = el(
      'div',
      'toast ' +
        (['info', 'warning', 'error'].indexOf(n.type) >= 0 ? n.type : 'info') +
        (live ? '' : ' done'),
    );
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
      b.addEventListener('click', function () {
        click(n, a, i);
      });
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
        s.title =
          d.attempts.length +
          ' attempt(s), last: ' +
          (last.status !== null ? 'HTTP ' + last.status : last.error);
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
    return JSON.stringify([
      statusOf(n),
      n.status,
      n.clicks,
      state.notes.get(n.id) || '',
      n.clicks.map(function (c) {
        var d = c.deliveryId ? state.deliveries.get(c.deliveryId) : null;
        return d ? [d.status, d.attempts.length] : null;
      }),
    ]);
  }

  function render() {
    renderUser();
    var list = $('toasts');
    var shown = [],
      hidden = 0;
    state.notifications.forEach(function (n) {
      if (n.deliverable) shown.push(n);
      else hidden++;
    });
    shown.sort(function (a, b) {
      return b.createdAt.localeCompare(a.createdAt);
    });
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
    rendered.forEach(function (r, id) {
      if (!keep.has(id)) {
        r.node.remove();
        rendered.delete(id);
      }
    });
    var empty = list.querySelector('.empty');
    if (shown.length && empty) empty.remove();
    if (!shown.length && !empty) list.appendChild(el('div', 'empty', 'No notifications yet.'));
    $('hidden-count').textContent = hidden
      ? hidden + ' notification(s) arrived while this agent had no desktop session: never shown.'
      : '';
  }

  $('toggle').addEventListener('click', function () {
    var u = state.user;
    if (!u) return;
    var next = u.presence === 'Offline' ? 'Available' : 'Offline';
    $('toggle').disabled = true;
    api('PATCH', '/__emulator/users/' + encodeURIComponent(u.id), { presence: next })
      .then(function (r) {
        state.user = r;
        render();
      })
      .catch(function () {
        render();
      });
  });

  function connect() {
    var es = new EventSource('/__emulator/events?userId=' + encodeURIComponent(agentId));
    var conn = $('conn');
    es.onopen = function () {
      conn.textContent = 'live';
      conn.className = 'conn up';
    };
    es.onerror = function () {
      conn.textContent = 'reconnecting…';
      conn.className = 'conn down';
    };
    es.addEventListener('snapshot', function (ev) {
      var s = JSON.parse(ev.data);
      state.offset = Date.parse(s.serverTime) - Date.now();
      state.user = s.user;
      state.notifications = new Map();
      state.deliveries = new Map();
      s.notifications.forEach(function (n) {
        state.notifications.set(n.id, n);
      });
      s.deliveries.forEach(function (d) {
        state.deliveries.set(d.id, d);
      });
      rendered.forEach(function (r) {
        r.node.remove();
      });
      rendered.clear();
      renderAgents(s.users);
      render();
    });
    es.addEventListener('notification', function (ev) {
      var n = JSON.parse(ev.data).notification;
      state.notifications.set(n.id, n);
      render();
    });
    es.addEventListener('callback', function (ev) {
      var d = JSON.parse(ev.data).delivery;
      state.deliveries.set(d.id, d);
      render();
    });
    es.addEventListener('user', function (ev) {
      state.user = JSON.parse(ev.data).user;
      render();
    });
    es.addEventListener('user-removed', function () {
      state.user = null;
      render();
    });
  }

  // Expiry is computed, not pushed: look again every second.
  setInterval(function () {
    if (state.notifications.size) render();
  }, 1000);
  connect();
})();
