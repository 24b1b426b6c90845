/** The built-in actions, by module name (callflows.md "Actions"). */
import { ActionRegistry } from '../action-registry.ts';
import { callflowAction } from './callflow.ts';
import { deviceAction } from './device.ts';
import { generalPickupAction } from './general-pickup.ts';
import { groupPickupFeatureAction } from './group-pickup-feature.ts';
import { groupPickupAction } from './group-pickup.ts';
import { hangupAction } from './hangup.ts';
import { namedPickupAction } from './named-pickup.ts';
import { NOT_YET_MODULES, notYetAction } from './not-yet.ts';
import { playToneAction } from './play-tone.ts';
import { ringGroupAction } from './ring-group.ts';
import { userAction } from './user.ts';

/** A registry with every module of callflows.md (queue as a 480 placeholder for now). */
export function defaultActions(): ActionRegistry {
  const r = new ActionRegistry()
    .register('device', deviceAction)
    .register('user', userAction)
    .register('ring_group', ringGroupAction)
    .register('callflow', callflowAction)
    .register('play_tone', playToneAction)
    .register('hangup', hangupAction)
    .register('group_pickup', groupPickupAction)
    .register('group_pickup_feature', groupPickupFeatureAction)
    .register('named_pickup', namedPickupAction)
    .register('general_pickup', generalPickupAction);
  for (const m of NOT_YET_MODULES) r.register(m, notYetAction);
  return r;
}

export {
  deviceAction,
  userAction,
  ringGroupAction,
  callflowAction,
  playToneAction,
  hangupAction,
  notYetAction,
  groupPickupAction,
  groupPickupFeatureAction,
  namedPickupAction,
  generalPickupAction,
};
export { ringGroupMembers } from './ring-group.ts';
