import { Client, Connection } from '@temporalio/client';

/** The shared dev server started by test/global-setup.ts. */
export function testTemporalAddress(): string {
  const a = process.env.TEMPORAL_TEST_ADDRESS;
  if (!a)
    throw new Error('TEMPORAL_TEST_ADDRESS unset: run tests through jest (global-setup starts the server)');
  return a;
}

export async function connectTestClient(): Promise<{
  client: Client;
  connection: Connection;
  close: () => Promise<void>;
}> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
  return { client, connection, close: () => connection.close() };
}

/** A task queue name unique to one test, so parallel test files never steal each other's tasks. */
export const uniqueQueue = (prefix: string): string =>
  `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
