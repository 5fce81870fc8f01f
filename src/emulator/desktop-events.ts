/**
 * The live agent desktop's event stream: `GET /__emulator/events?userId=` (server-sent events), a
 * snapshot on connect and after reset(), then every change that concerns that agent. Open streams are
 * tracked so the server's close() can end them.
 */
import type http from 'node:http';
import type { EmulatorCore } from './core';
import type { EmulatorEvent } from './events';

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
      users: this.core
        .listUsers()
        .map((u) => ({ id: u.id, name: u.name, email: u.email, presence: u.presence, state: u.state })),
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
