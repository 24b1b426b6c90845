/**
 * `named_pickup` (pickup.md §3, `^88\*?(.+)$`): `88<name>` picks up a random call ringing a user of call
 * group `<name>`, for a picker with `<name>` in its pickup groups; `88<digits>` is directed pickup of that
 * extension. Terminal.
 */
import { pickupAction } from '../../pickup/pickup-action.ts';
import { namedRequest } from '../../pickup/requests.ts';

export const namedPickupAction = pickupAction((r, ctx) => namedRequest(r, ctx.capture));
