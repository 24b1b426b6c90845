/**
 * `general_pickup` (pickup.md §4, `*87` alone): the picker's ring groups, then the extensions it may
 * monitor, then its agent groups — the first call found; for a named-behaviour user, any call in its
 * pickup groups. Terminal.
 */
import { pickupAction } from '../../pickup/pickup-action.ts';
import { generalRequest } from '../../pickup/requests.ts';

export const generalPickupAction = pickupAction((r) => generalRequest(r));
