// The list of open alerts: one <li> per alert with its title, type (as a word), message, expiry and buttons.
// Caller text is only ever set with textContent. Removing an alert moves the focus, if it was inside it, to the
// next alert (else the previous one, else the list heading), and is announced politely.
import { t } from './i18n.js';

const TYPES = { info: 'typeInfo', warning: 'typeWarning', error: 'typeError' };

function el(tag, props, children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children || []) if (c) e.append(c);
  return e;
}

/** Only http(s) URLs open; anything else (javascript:, data:, ...) is no link at all. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * opts: {listEl, emptyEl, headingEl, announce(text), onCount(n), onCallback(alert, action) -> Promise<{status}>,
 *        langTag}
 */
export function createList(opts) {
  const alerts = new Map(); // notificationId -> {alert, li, expiryTimer}
  const timeFormat = new Intl.DateTimeFormat(opts.langTag, { hour: '2-digit', minute: '2-digit' });

  const changed = () => {
    opts.emptyEl.hidden = alerts.size > 0;
    opts.onCount(alerts.size);
  };

  function render(alert) {
    const type = TYPES[alert.type] ? alert.type : 'info';
    const headingId = `alert-${alerts.size}-${Math.random().toString(36).slice(2, 8)}`;
    const result = el('p', { className: 'result' });
    result.setAttribute('aria-live', 'polite');
    const buttons = el('div', { className: 'actions' });
    for (const action of Array.isArray(alert.actions) ? alert.actions : []) {
      const label = String(action.label ?? action.id);
      if (action.actionType === 'openUrl') {
        const url = safeUrl(action.url);
        if (!url) continue;
        const b = el('button', { type: 'button', className: 'secondary' }, [
          label,
          el('span', { className: 'visually-hidden', textContent: ` ${t('opensNewTab')}` }),
        ]);
        b.addEventListener('click', () => window.open(url, '_blank', 'noopener,noreferrer'));
        buttons.append(b);
      } else {
        const b = el('button', { type: 'button', textContent: label });
        b.dataset.actionId = String(action.id);
        // aria-disabled, not disabled: the button keeps the keyboard focus while its click is sent.
        b.addEventListener('click', async () => {
          if (b.getAttribute('aria-disabled') === 'true') return;
          const all = buttons.querySelectorAll('button[data-action-id]');
          for (const x of all) x.setAttribute('aria-disabled', 'true');
          result.className = 'result';
          result.textContent = t('sending');
          try {
            await opts.onCallback(alert, action);
            result.className = 'result ok';
            result.textContent = t('done');
          } catch (e) {
            result.className = 'result failed';
            result.textContent = t('failed', { detail: e.message });
            for (const x of all) x.removeAttribute('aria-disabled');
          }
        });
        buttons.append(b);
      }
    }
    const expires = new Date(alert.expiresAt);
    const meta = el('p', { className: 'meta' }, [
      el('span', { className: `badge badge-${type}`, textContent: t(TYPES[type]) }),
      Number.isNaN(expires.getTime())
        ? null
        : el('span', { className: 'expiry' }, [
            el('time', {
              dateTime: expires.toISOString(),
              textContent: t('expires', { time: timeFormat.format(expires) }),
            }),
          ]),
    ]);
    const li = el('li', { className: `alert alert-${type}` }, [
      el('h3', { id: headingId, textContent: String(alert.title ?? '') }),
      meta,
      el('p', { className: 'message', textContent: String(alert.message ?? '') }),
      buttons.childElementCount > 0 ? buttons : null,
      result,
    ]);
    li.setAttribute('aria-labelledby', headingId);
    li.dataset.notificationId = alert.notificationId;
    return li;
  }

  function remove(notificationId, announceKey) {
    const entry = alerts.get(notificationId);
    if (!entry) return false;
    clearTimeout(entry.expiryTimer);
    const { li } = entry;
    const hadFocus = li.contains(document.activeElement);
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    alerts.delete(notificationId);
    if (hadFocus) {
      const target = next && (next.querySelector('button') || next.querySelector('h3'));
      if (target && target.tagName === 'H3') target.tabIndex = -1;
      (target || opts.headingEl).focus();
    }
    opts.announce(t(announceKey, { title: entry.alert.title }));
    changed();
    return true;
  }

  return {
    has: (id) => alerts.has(id),
    get size() {
      return alerts.size;
    },
    /** Adds an alert; false when it is already listed or already expired. */
    add(alert) {
      if (!alert || typeof alert.notificationId !== 'string' || alerts.has(alert.notificationId))
        return false;
      const expiresAt = Date.parse(alert.expiresAt);
      if (!Number.isNaN(expiresAt) && expiresAt <= Date.now()) return false;
      const li = render(alert);
      opts.listEl.prepend(li);
      const entry = { alert, li, expiryTimer: null };
      if (!Number.isNaN(expiresAt)) {
        // setTimeout's limit is ~24.8 days; later expiries are checked again then.
        const arm = () => {
          const left = expiresAt - Date.now();
          if (left <= 0) remove(alert.notificationId, 'announceExpired');
          else entry.expiryTimer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
        };
        entry.expiryTimer = setTimeout(arm, Math.min(expiresAt - Date.now(), 2 ** 31 - 1));
      }
      alerts.set(alert.notificationId, entry);
      opts.announce(t('announceNew', { title: alert.title }));
      changed();
      return true;
    },
    withdraw(notificationId) {
      return remove(notificationId, 'announceRemoved');
    },
  };
}
