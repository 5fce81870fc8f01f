// The live connection (README.md, "The live connection"): a WebSocket to /agent-app/live, JSON text frames
// {event, data}. `hello` first (the session token never goes in the URL), heartbeats answered, a connection
// silent for 3 heartbeats dropped, reconnects with back-off 1 s .. 30 s.

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;

export function liveUrl() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/agent-app/live`;
}

/**
 * opts: {getSessionToken(): string, heartbeatSeconds, onEvent(event, data), onStatus(state, info),
 *        onSessionExpired(): Promise<void>}
 * state: 'connecting' | 'live' | 'retry' ({seconds}) | 'offline'.
 * Returns {send(event, data): boolean, stop()}.
 */
export function openLive(opts) {
  let ws = null;
  let stopped = false;
  let backoff = MIN_BACKOFF_MS;
  let heartbeatMs = (opts.heartbeatSeconds || 10) * 1000;
  let lastHeard = 0;
  let watchdog = null;
  let retryTimer = null;

  const clearTimers = () => {
    clearInterval(watchdog);
    clearTimeout(retryTimer);
    watchdog = null;
    retryTimer = null;
  };

  const scheduleReconnect = (delayMs) => {
    if (stopped) return;
    clearTimers();
    opts.onStatus('retry', { seconds: Math.round(delayMs / 1000) });
    retryTimer = setTimeout(connect, delayMs);
  };

  const send = (event, data) => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ event, data: data || {} }));
    return true;
  };

  function connect() {
    if (stopped) return;
    clearTimers();
    opts.onStatus('connecting');
    const socket = new WebSocket(liveUrl());
    ws = socket;
    socket.addEventListener('open', () => {
      lastHeard = Date.now();
      socket.send(JSON.stringify({ event: 'hello', data: { sessionToken: opts.getSessionToken() } }));
      // Either side drops a connection that sent nothing for 3 heartbeats.
      watchdog = setInterval(() => {
        if (Date.now() - lastHeard > 3 * heartbeatMs) socket.close(4000, 'heartbeat timeout');
      }, 1000);
    });
    socket.addEventListener('message', (ev) => {
      if (ws !== socket) return;
      lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.event !== 'string') return;
      const data = frame.data && typeof frame.data === 'object' ? frame.data : {};
      switch (frame.event) {
        case 'welcome':
          if (Number(data.heartbeatSeconds) > 0) heartbeatMs = Number(data.heartbeatSeconds) * 1000;
          backoff = MIN_BACKOFF_MS;
          opts.onStatus('live');
          break;
        case 'heartbeat':
          send('heartbeat', {});
          break;
        case 'session_expired':
          expired(socket);
          break;
        default:
          opts.onEvent(frame.event, data);
      }
    });
    socket.addEventListener('close', (ev) => {
      if (ws !== socket) return;
      ws = null;
      clearTimers();
      if (stopped) return;
      if (ev.code === 4401) return expired(socket);
      const delay = backoff;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      scheduleReconnect(delay);
    });
  }

  // The session ended: exchange the Genesys token again, then reconnect (with back-off if that fails).
  function expired(socket) {
    if (ws === socket) ws = null;
    clearTimers();
    try {
      socket.close(1000, 'session expired');
    } catch {
      // already closed
    }
    opts.onStatus('connecting');
    opts.onSessionExpired().then(
      () => connect(),
      () => {
        const delay = backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        scheduleReconnect(delay);
      },
    );
  }

  connect();
  return {
    send,
    stop() {
      stopped = true;
      clearTimers();
      if (ws) ws.close(1000, 'bye');
      ws = null;
      opts.onStatus('offline');
    },
  };
}
