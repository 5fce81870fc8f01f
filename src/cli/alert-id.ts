/** An alert named on the command line (status, cancel): its id, or the idempotency key it was sent with. */
import { ApiError } from './api';
import { CliError } from './errors';

export const toAlertId = (id: string): string => (id.startsWith('alert-') ? id : `alert-${id}`);

/** A catch handler: the API's 404 for the alert's path says that there is no such alert. */
export const notFound =
  (alertId: string) =>
  (err: unknown): never => {
    if (err instanceof ApiError && err.status === 404)
      throw new CliError(`no alert with id ${alertId}`, [], err.json);
    throw err;
  };
