import { Context } from '@temporalio/activity';

/** The running activity's context; undefined outside one (a batched look-up flushed by a timer, unit tests). */
export function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
