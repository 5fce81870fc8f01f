/**
 * The alert's actions as the Genesys notification carries them. The service owns every callbackUrl, and routes the
 * callback back through the action's metadata: the platform echoes it verbatim, so the alert id routes the
 * callback to its run and the correlation id lets the callback's relay log under the alert's one id.
 */
import type { NotificationActionBody } from '../genesys/types';
import {
  ALERT_ID_METADATA_KEY,
  CORRELATION_ID_METADATA_KEY,
  notificationActionId,
} from '../shared/constants';
import type { DeliverToDesktopInput } from './types';

/**
 * Idempotent: a send scheduled by the workflow before this mapping moved here carries actions the workflow had
 * already mapped (every id set, the routing keys in the metadata, with the same values); mapped again they come
 * out as they were, key for key, so such a send, retried on this code, still routes its callbacks.
 */
export function notificationActions(
  input: Pick<DeliverToDesktopInput, 'actions' | 'alertId' | 'correlationId' | 'callbackUrl'>,
): NotificationActionBody[] {
  return input.actions.map((a, i) =>
    a.actionType === 'openUrl'
      ? { id: notificationActionId(a, i), label: a.label, actionType: 'openUrl' as const, url: a.url }
      : {
          id: notificationActionId(a, i),
          label: a.label,
          actionType: 'callback' as const,
          callbackUrl: input.callbackUrl,
          metadata: {
            ...(a.metadata ?? {}),
            [ALERT_ID_METADATA_KEY]: input.alertId,
            [CORRELATION_ID_METADATA_KEY]: input.correlationId,
          },
        },
  );
}
