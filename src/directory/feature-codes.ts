/**
 * The default feature-code callflows every tenant gets at creation (pickup.md §4, unless
 * `settings.feature_codes` is false). They are ordinary callflows afterwards: editable, deletable, movable
 * to other codes; `feature_code` records which default each one implements.
 */
import type { FlowNodeRow } from '../store/rows.ts';

export interface FeatureCodeCallflow {
  name: string;
  patterns: string[];
  flow: FlowNodeRow;
  feature_code: string;
}

/** `*87` (general pickup), `*87<ext>` (directed pickup), `88<name>` / `88*<name>` (named-group pickup). */
export function defaultFeatureCodeCallflows(): FeatureCodeCallflow[] {
  return [
    {
      name: 'Pickup: general (*87)',
      patterns: ['^\\*87#?$'],
      flow: { module: 'general_pickup', data: {}, children: {} },
      feature_code: 'general_pickup',
    },
    {
      name: 'Pickup: directed (*87<extension>)',
      patterns: ['^\\*87([0-9]+)#?$'],
      flow: { module: 'group_pickup_feature', data: { type: 'extension' }, children: {} },
      feature_code: 'directed_pickup',
    },
    {
      name: 'Pickup: named group (88<name>)',
      patterns: ['^88\\*?(.+)$'],
      flow: { module: 'named_pickup', data: {}, children: {} },
      feature_code: 'named_pickup',
    },
  ];
}
