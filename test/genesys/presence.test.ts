import {
  isLoggedOut,
  normalisePresence,
  normaliseRoutingStatus,
  normaliseSystemPresence,
} from '../../src/genesys';
import { user } from './helpers';

describe('presence helpers', () => {
  it.each([
    ['Available', 'available'],
    ['AVAILABLE', 'available'],
    ['On Queue', 'on queue'],
    ['ON_QUEUE', 'on queue'],
    ['OnQueue', 'on queue'],
    ['on  queue', 'on queue'],
    ['Offline', 'offline'],
    ['OFFLINE', 'offline'],
    ['Meal', 'meal'],
    ['', undefined],
    [undefined, undefined],
  ])('normaliseSystemPresence(%p) = %p', (raw, expected) => {
    expect(normaliseSystemPresence(raw)).toBe(expected);
  });

  it('reads a user from the users API and an entry of the bulk presence API alike', () => {
    expect(
      normalisePresence(user('u-1', { presence: { presenceDefinition: { systemPresence: 'On Queue' } } })),
    ).toBe('on queue');
    expect(normalisePresence({ presenceDefinition: { systemPresence: 'ON_QUEUE' } })).toBe('on queue');
    expect(normalisePresence(user('u-1', { presence: undefined }))).toBeUndefined();
  });

  it('isLoggedOut is true only for an Offline presence', () => {
    expect(
      isLoggedOut(user('u-1', { presence: { presenceDefinition: { systemPresence: 'Offline' } } })),
    ).toBe(true);
    expect(isLoggedOut({ presenceDefinition: { systemPresence: 'OFFLINE' } })).toBe(true);
    expect(isLoggedOut(user('u-1'))).toBe(false);
    expect(isLoggedOut(user('u-1', { presence: undefined }))).toBe(false);
  });

  it('normaliseRoutingStatus gives the API form', () => {
    expect(normaliseRoutingStatus({ routingStatus: { status: 'off_queue' } })).toBe('OFF_QUEUE');
    expect(normaliseRoutingStatus({ routingStatus: { status: 'NOT_RESPONDING' } })).toBe('NOT_RESPONDING');
    expect(normaliseRoutingStatus({ routingStatus: { status: 'Idle' } })).toBe('IDLE');
    expect(normaliseRoutingStatus({})).toBeUndefined();
  });
});
