import type { DeliverToDesktopInput } from '../../src/activities/types';

/** A valid deliverToDesktop input for agent `u-1`; override what a test is about. */
export function deliverToDesktopInput(over: Partial<DeliverToDesktopInput> = {}): DeliverToDesktopInput {
  return {
    alertId: 'alert-k1',
    idempotencyKey: 'k1',
    correlationId: 'corr-1',
    target: { userId: 'u-1' },
    title: 'Compliance Review Required',
    message: 'Customer interaction #TXN-88921 flagged.',
    type: 'warning',
    actions: [],
    expiresAt: '2026-12-31T23:59:59Z',
    callbackUrl: 'http://127.0.0.1:9/webhooks/desktop-callback',
    operationalPresences: ['available'],
    ...over,
  };
}
