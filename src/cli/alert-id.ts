/** An alert named on the command line (status, cancel): its id, or the idempotency key it was sent with. */
import { Argument } from 'commander';

export const alertIdArgument = () => new Argument('<id>', 'alert id (alert-<key>) or its idempotency key');

export const toAlertId = (id: string): string => (id.startsWith('alert-') ? id : `alert-${id}`);

/** What the API's 404 for an alert's path means. */
export const noSuchAlert = (alertId: string) => () => `no alert with id ${alertId}`;
