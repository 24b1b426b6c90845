/**
 * What the API starts and controls (groupcall.md): groupcalls (`POST /v1.0/groupcalls`, hangup, soft
 * delete) and outbound calls (`POST /v1.0/calls`). Destinations are resolved at creation (an unknown type
 * or target, or a `tel` with no trunk, is a 400 before anything exists); the record is in the store
 * before any leg is dialed; the answered leg runs the request's `flow_id` as a call of its own
 * (`CallSession.answered`: whoever answers is connected to whatever the callflow rings).
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import { DirectoryError, notFound } from '../../directory/errors.ts';
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { CallCreate } from '../../directory/schemas/call.ts';
import type { AddressInput } from '../../directory/schemas/common.ts';
import type { GroupcallCreate } from '../../directory/schemas/groupcall.ts';
import { isSupported, isTelephoneEvent, SUPPORTED_CODECS } from '../../media/sdp/index.ts';
import { NIL_UUID, NOT_YET } from '../../store/timestamp.ts';
import type { Store } from '../../store/types.ts';
import { resolveAddress, type ResolveContext, type TrunkRoute } from '../groupcall/address-resolver.ts';
import type { Groupcall } from '../groupcall/groupcall.ts';
import { snapshotGroupcall } from '../groupcall/groupcall-journal.ts';
import { fullAddress, memberOptions } from '../groupcall/members.ts';
import type {
  GroupcallChild,
  GroupcallParent,
  GroupcallRecord,
  LegListener,
  Member,
} from '../groupcall/types.ts';
import type { RegistrarLookup } from '../registrar/types.ts';
import { CallSession } from './call-session.ts';
import type { SessionEnv, SessionIdentity } from './session-types.ts';
import { legDialer } from './leg-dialer.ts';
import type { OutboundLeg, Presentation } from './outbound-leg.ts';
import type { Call } from './types.ts';

/** REST groupcalls ring this long by default (s). */
export const REST_RING_TIMEOUT_S = 60;

/** What `POST /v1.0/calls` answers: one call per direct destination, one groupcall per group of legs. */
export interface CallsCreated {
  calls: Call[];
  groupcalls: GroupcallRecord[];
}

/** What the API side needs from the engine. */
export interface OutboundEnv {
  session: SessionEnv;
  directory: DirectoryCache;
  registrar: RegistrarLookup;
  store: Store;
  /** The tenant's trunks (for `tel` destinations). */
  trunks(customerId: string): Promise<readonly TrunkRoute[]>;
  /** A new call session (an answered leg running a flow) to hold. */
  adopt(s: CallSession): void;
}

/** `"name" <sip:user@domain>` quoting. */
function nameAddr(display: string, uri: string): string {
  // eslint-disable-next-line no-control-regex
  const d = display.replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  return d ? `"${d.replace(/["\\]/g, '\\$&')}" <${uri}>` : `<${uri}>`;
}

/** From of the INVITEs of an API call: the request's `source`, else `ringd` at the tenant's domain. */
export function fromOf(source: Call['source'], domain: string): string {
  const t = source.target.trim();
  if (source.type === 'sip' && /^sips?:/i.test(t)) return nameAddr(source.name, t);
  const user = /^[A-Za-z0-9+*#._~-]{1,64}$/.test(t) ? t : 'ringd';
  return nameAddr(source.name, `sip:${user}@${domain}`);
}

/** The API's calls and groupcalls; see the module comment. */
export class OutboundCalls {
  constructor(private readonly env: OutboundEnv) {}

  /** `POST /v1.0/groupcalls`. */
  async createGroupcall(customerId: string, input: GroupcallCreate): Promise<GroupcallRecord> {
    const { flow, members, identity } = await this.prepare(customerId, input);
    const gc = this.env.session.groupcalls.create(
      {
        customerId,
        source: identity.source,
        flowId: flow?.id,
        ringMethod: input.ring_method ?? 'ring_all',
        members,
        ring: { why: 'groupcall' },
      },
      this.owner(identity, flow),
      legDialer(this.env.session, this.presentation(identity)),
    );
    await this.env.session.groupcalls.journal.writeNow();
    gc.start();
    return snapshotGroupcall(gc.record);
  }

  /**
   * `POST /v1.0/calls`: a destination that is one leg (`sip`, `tel`, a device with one registration) is a
   * plain call; one that rings several (a user, a group, an extension, an agent, a device registered
   * twice) is a groupcall of them.
   */
  async createCalls(customerId: string, input: CallCreate): Promise<CallsCreated> {
    const { flow, members, identity } = await this.prepare(customerId, input);
    const out: CallsCreated = { calls: [], groupcalls: [] };
    const started: Groupcall[] = [];
    for (const m of members) {
      if (m.kind === 'leg') {
        const pres = { ...this.presentation(identity), flowId: flow?.id };
        const leg = legDialer(this.env.session, pres).dial(
          {
            id: this.env.session.groupcalls.newId(),
            groupcallId: NIL_UUID,
            target: m.target,
            address: m.address,
            ringTimeoutMs: m.options.ringTimeoutMs,
            ring: { why: 'groupcall' },
          },
          this.directOwner(identity, flow),
        ) as OutboundLeg;
        out.calls.push({ ...leg.record, chained_call_ids: [...leg.record.chained_call_ids] });
        continue;
      }
      const group = m.kind === 'nested' ? { ...m.group } : { ringMethod: 'ring_all' as const, members: [m] };
      const gc = this.env.session.groupcalls.create(
        { customerId, source: identity.source, flowId: flow?.id, ...group, ring: { why: 'groupcall' } },
        this.owner(identity, flow),
        legDialer(this.env.session, this.presentation(identity)),
      );
      started.push(gc);
      out.groupcalls.push(snapshotGroupcall(gc.record));
    }
    await Promise.all([this.env.session.journal.flush(), this.env.session.groupcalls.journal.writeNow()]);
    for (const gc of started) gc.start();
    return out;
  }

  /** `GET /v1.0/groupcalls/{id}` from memory (live or not yet written); undefined → ask the store. */
  latestGroupcall(customerId: string, id: string): GroupcallRecord | undefined {
    const r = this.env.session.groupcalls.latest(customerId, id);
    if (r !== undefined && r.tm_delete !== NOT_YET) throw notFound('groupcall', id);
    return r;
  }

  /**
   * `POST /v1.0/groupcalls/{id}/hangup`: `hangingup`, every leg and child hung up, `hangup`. A groupcall
   * already hung up is returned unchanged (reference bug 5).
   */
  async hangupGroupcall(customerId: string, id: string): Promise<GroupcallRecord> {
    const gc = this.env.session.groupcalls.find(customerId, id);
    if (gc !== undefined) {
      gc.hangup();
      return snapshotGroupcall(gc.record);
    }
    const known = this.latestGroupcall(customerId, id);
    if (known !== undefined) return known;
    const row = await this.env.store.repos.groupcalls.get(customerId, id);
    if (row === undefined) throw notFound('groupcall', id);
    if (row.status === 'hangup') return row;
    // A record left `progressing` by a node that stopped: nothing rings it any more.
    const t = this.env.session.groupcalls.journal.stamp();
    const patched = await this.env.store.repos.groupcalls.update(customerId, id, {
      status: 'hangup',
      call_count: 0,
      groupcall_count: 0,
      tm_update: t,
    });
    return patched ?? row;
  }

  /** `DELETE /v1.0/groupcalls/{id}`: hung up first if needed, then `tm_delete` set, `groupcall_deleted`. */
  async deleteGroupcall(customerId: string, id: string): Promise<GroupcallRecord> {
    const gcs = this.env.session.groupcalls;
    const gc = gcs.find(customerId, id);
    if (gc !== undefined) {
      gc.hangup();
      await gc.done;
    } else this.latestGroupcall(customerId, id); // 404 when deleted already
    await gcs.journal.flush();
    const row = await this.env.store.repos.groupcalls.get(customerId, id);
    if (row === undefined) throw notFound('groupcall', id);
    const t = gcs.journal.stamp();
    const patch: Partial<GroupcallRecord> = { tm_delete: t, tm_update: t };
    if (row.status !== 'hangup')
      Object.assign(patch, { status: 'hangup', call_count: 0, groupcall_count: 0 });
    const deleted = (await this.env.store.repos.groupcalls.update(customerId, id, patch)) ?? row;
    gcs.journal.emit('groupcall_deleted', deleted);
    return deleted;
  }

  // ---- internals ------------------------------------------------------------------------------------

  private async prepare(
    customerId: string,
    input: { source?: AddressInput; destinations: AddressInput[]; flow_id?: string; ring_timeout?: number },
  ): Promise<{ flow: Callflow | undefined; members: Member[]; identity: SessionIdentity }> {
    const dir = this.env.directory;
    const tenant = dir.tenant(customerId);
    if (tenant === undefined) throw notFound('customer', customerId);
    let flow: Callflow | undefined;
    if (input.flow_id !== undefined && input.flow_id !== NIL_UUID) {
      flow = dir.callflow(customerId, input.flow_id);
      if (flow === undefined) {
        const message = `callflow ${input.flow_id} not found in the tenant`;
        throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', message, [{ path: '/flow_id', message }]);
      }
    }
    const needsTrunks = input.destinations.some((d) => d.type === 'tel' || d.type === 'agent');
    const ctx: ResolveContext = {
      directory: dir,
      registrar: this.env.registrar,
      customerId,
      trunks: needsTrunks ? await this.env.trunks(customerId) : [],
      options: memberOptions(input.ring_timeout ?? REST_RING_TIMEOUT_S),
    };
    const members = input.destinations.map((d, i) => resolveAddress(ctx, d, `/destinations/${i}`));
    const source = fullAddress(input.source?.type ?? '', input.source ?? {});
    return { flow, members, identity: { customerId, source, from: fromOf(source, tenant.domain) } };
  }

  /** Legs of API calls offer every codec ringd relays; any answer with one of them is connected. */
  private presentation(identity: SessionIdentity): Presentation {
    return {
      customerId: identity.customerId,
      masterCallId: NIL_UUID,
      source: identity.source,
      from: identity.from,
      offer: () => ({ codecs: SUPPORTED_CODECS.map((c) => ({ ...c })), direction: 'sendrecv' }),
      accepts: (codecs) => codecs.some((c) => isSupported(c) && !isTelephoneEvent(c)),
    };
  }

  /** The answered leg becomes a call of its own, running the flow. */
  private adopt(legId: string, identity: SessionIdentity, flow: Callflow | undefined): void {
    const leg = this.env.session.registry.get(legId);
    if (leg === undefined || leg.role !== 'callee') return;
    const s = CallSession.answered(this.env.session, leg as OutboundLeg, identity);
    this.env.adopt(s);
    s.run(flow, '');
  }

  /** Owner of an API groupcall: the first answer wins and runs the flow. */
  private owner(identity: SessionIdentity, flow: Callflow | undefined): GroupcallParent {
    let claimed = false;
    return {
      progress: () => {},
      claimable: () => !claimed,
      commit: (_child: GroupcallChild, legId: string) => {
        claimed = true;
        this.adopt(legId, identity, flow);
      },
      ended: () => {},
    };
  }

  /** Owner of a plain API call. */
  private directOwner(identity: SessionIdentity, flow: Callflow | undefined): LegListener {
    return {
      progress: () => {},
      answered: (leg) => {
        this.adopt(leg.id, identity, flow);
        return true;
      },
      ended: () => {},
    };
  }
}
