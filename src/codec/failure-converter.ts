/**
 * The failure converter when payloads are encrypted: failure messages and stack traces (which can carry an email
 * or an alert's text) move into `encodedAttributes`, a payload that goes through the codec. Loaded by path
 * (`failureConverterPath`) because workflow code needs it inside the bundle too.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
