/** `GET /v1.0/registrations`: the tenant's live SIP registrations (read-only; phones REGISTER over SIP). */
import { Type } from 'typebox';
import { PageOf, PageQuery, Timestamp, Uuid } from '../../directory/schemas/common.ts';
import { tenantOf } from '../auth.ts';
import { errorResponses, ok } from '../errors.ts';
import type { PbxApi } from '../pbx.ts';
import type { ApiInstance } from '../types.ts';

export const Registration = Type.Object({
  id: Uuid,
  customer_id: Uuid,
  device_id: Uuid,
  sip_username: Type.String(),
  contact: Type.String({ description: 'the Contact URI the phone registered' }),
  source: Type.String({
    description: 'where the REGISTER came from, e.g. udp:192.0.2.7:5060 (calls go there)',
  }),
  user_agent: Type.String(),
  expires: Type.Integer({ description: 'seconds left' }),
  tm_expire: Timestamp,
  tm_update: Timestamp,
});

export async function registrationRoutes(app: ApiInstance, opts: { pbx: PbxApi }): Promise<void> {
  app.get(
    '/registrations',
    {
      schema: {
        operationId: 'listRegistrations',
        tags: ['registrations'],
        summary: 'List live SIP registrations (contacts per device), newest first',
        querystring: PageQuery,
        response: {
          200: ok(PageOf(Registration), 'a page of registrations'),
          ...errorResponses([400, 401, 403, 500] as const),
        },
      },
    },
    async (request) => opts.pbx.registrations.list(tenantOf(request), request.query),
  );
}
