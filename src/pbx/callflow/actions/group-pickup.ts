/**
 * `group_pickup` (pickup.md §1, KAZOO): picks up the oldest call ringing `device_id`, else `user_id`'s
 * devices, else `group_id`'s devices (nested groups included); `approved_*` restricts who may. Terminal.
 */
import { pickupAction } from '../../pickup/pickup-action.ts';
import { groupPickupRequest } from '../../pickup/requests.ts';

export const groupPickupAction = pickupAction((r, ctx) => groupPickupRequest(r, ctx.node.data));
