/** The demo agents `npm start` and `npm run emulator` seed. */
import type { EmulatorUserSeed } from './types';

/** One of each case the guide warns about. */
export const DEMO_USERS: EmulatorUserSeed[] = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'Jordan Smith',
    email: 'jordan.smith@example.com',
    presence: 'Available',
    routingStatus: 'IDLE',
  },
  {
    id: '22222222-2222-4222-8222-222222222222',
    name: 'Avery Lee',
    email: 'avery.lee@example.com',
    presence: 'On Queue',
    routingStatus: 'INTERACTING',
  },
  {
    id: '33333333-3333-4333-8333-333333333333',
    name: 'Sam Offline',
    email: 'sam.offline@example.com',
    presence: 'Offline',
  },
  {
    id: '44444444-4444-4444-8444-444444444444',
    name: 'Pat Former',
    email: 'pat.former@example.com',
    state: 'inactive',
    presence: 'Offline',
  },
  {
    id: '55555555-5555-4555-8555-555555555555',
    name: 'Alex Shared (1)',
    email: 'shared@example.com',
    presence: 'Available',
  },
  {
    id: '66666666-6666-4666-8666-666666666666',
    name: 'Alex Shared (2)',
    email: 'shared@example.com',
    presence: 'Busy',
  },
];
