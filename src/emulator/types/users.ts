/** Users (agents) as the control API seeds, patches and shows them. */

export type UserState = 'active' | 'inactive' | 'deleted';

export interface EmulatorUserSeed {
  id?: string;
  name: string;
  email: string;
  state?: UserState;
  /** systemPresence, e.g. 'Available', 'Offline', 'On Queue' (any casing). Default 'Available'. */
  presence?: string;
  /** 'IDLE', 'OFF_QUEUE', 'INTERACTING', 'NOT_RESPONDING', 'COMMUNICATING'. Default IDLE (OFF_QUEUE when Offline). */
  routingStatus?: string;
}

export type EmulatorUserPatch = Partial<Omit<EmulatorUserSeed, 'id'>>;

/** A user as the control API shows it. */
export interface EmulatorUser {
  id: string;
  name: string;
  email: string;
  state: UserState;
  presence: string;
  presenceModifiedDate: string;
  routingStatus: string;
  routingStatusStartTime: string;
  version: number;
}
