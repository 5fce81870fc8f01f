/** Checks on control-API input: each failure throws EmulatorControlError (400 unless said otherwise). */
import { EmulatorControlError } from './types';

export function fail(status: number, code: string, message: string): never {
  throw new EmulatorControlError(status, code, message);
}

export function checkNumber(v: unknown, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    fail(400, 'invalid.value', `${name} must be a number between ${min} and ${max}`);
  return v;
}

export function checkPrefix(v: unknown, name: string): string {
  if (typeof v !== 'string' || !v.startsWith('/'))
    fail(400, 'invalid.value', `${name} must be a path starting with '/'`);
  return v;
}
