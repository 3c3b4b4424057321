import type { GroupSettingsInput } from '../../protocol/index.ts';

/**
 * The group page's set-up form as pure functions: which characters are chosen, the few floor rules
 * it offers, and the `POST /api/sessions` body they make. Limits restate protocol/sessions.ts and
 * protocol/group.ts (importing the schemas would bundle zod); the API checks them again.
 */

/** Characters in a group call: at least two, at most MAX_GROUP_CHARACTERS. */
export const groupCastLimits = { min: 2, max: 6 } as const;
/** `chainCap` bounds. */
export const chainLimits = { min: 0, max: 10 } as const;
/** Pick-up delay bounds, in seconds (`pickupAfterMs` is 1 000–600 000). */
export const pickupLimitsInS = { min: 1, max: 600 } as const;

export interface GroupSetup {
  /** Chosen character ids, in the order they were chosen (the cast's order). */
  characterIds: string[];
  /** Character turns in a row after a person spoke. */
  chainCap: number;
  /** Whether a character picks the conversation up after a silence. */
  pickup: boolean;
  pickupAfterS: number;
  displayName: string;
}

export const defaultGroupSetup: GroupSetup = {
  characterIds: [],
  chainCap: 2,
  pickup: false,
  pickupAfterS: 20,
  displayName: '',
};

/** Adds or removes one character; a pick past the maximum is ignored. */
export function toggleCharacter(ids: readonly string[], id: string, on: boolean): string[] {
  if (!on) return ids.filter((x) => x !== id);
  if (ids.includes(id) || ids.length >= groupCastLimits.max) return [...ids];
  return [...ids, id];
}

/** What stops the form from starting a call, worded for the person; null when it may start. */
export function setupProblem(setup: GroupSetup): string | null {
  const n = setup.characterIds.length;
  if (n < groupCastLimits.min) return `Choose at least ${groupCastLimits.min} characters (${n} chosen).`;
  if (n > groupCastLimits.max) return `Choose at most ${groupCastLimits.max} characters.`;
  if (
    !Number.isInteger(setup.chainCap) ||
    setup.chainCap < chainLimits.min ||
    setup.chainCap > chainLimits.max
  )
    return `Chain length must be a whole number from ${chainLimits.min} to ${chainLimits.max}.`;
  if (
    setup.pickup &&
    (!Number.isFinite(setup.pickupAfterS) ||
      setup.pickupAfterS < pickupLimitsInS.min ||
      setup.pickupAfterS > pickupLimitsInS.max)
  )
    return `Pick-up must be after ${pickupLimitsInS.min} to ${pickupLimitsInS.max} seconds.`;
  if (setup.displayName.trim().length > 60) return 'Your name can be at most 60 characters.';
  return null;
}

/** `POST /api/sessions` for a group, as sent: settings left out fall back to their defaults. */
export interface GroupRequestBody {
  mode: 'group';
  characterIds: string[];
  displayName?: string;
  settings: GroupSettingsInput;
}

/** The body of `POST /api/sessions` for a valid set-up. */
export function groupRequest(setup: GroupSetup): GroupRequestBody {
  const settings: GroupSettingsInput = {
    chainCap: setup.chainCap,
    pickupAfterMs: setup.pickup ? Math.round(setup.pickupAfterS * 1000) : null,
  };
  const name = setup.displayName.trim();
  return {
    mode: 'group',
    characterIds: [...setup.characterIds],
    settings,
    ...(name === '' ? {} : { displayName: name }),
  };
}
