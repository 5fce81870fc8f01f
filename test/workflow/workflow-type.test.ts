/** The workflow type the CLI queries for is the one the launcher starts and the worker registers. */
import { ALERT_WORKFLOW_TYPE } from '../../src/shared/constants';
import { deliverAlert } from '../../src/workflows';

test('ALERT_WORKFLOW_TYPE is the name of the deliverAlert function', () => {
  expect(deliverAlert.name).toBe(ALERT_WORKFLOW_TYPE);
});
