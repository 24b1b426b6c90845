/**
 * `group_pickup_feature` (pickup.md §2, star codes such as `^\*87([0-9]+)#?$`): the captured text names
 * the target — `type` extension (default: directed pickup of what that number rings first), device (SIP
 * username), user or group (id or name); `approved_*` as for `group_pickup`. Terminal.
 */
import { pickupAction } from '../../pickup/pickup-action.ts';
import { featureRequest } from '../../pickup/requests.ts';

export const groupPickupFeatureAction = pickupAction((r, ctx) =>
  featureRequest(r, ctx.node.data, ctx.capture),
);
