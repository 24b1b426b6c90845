/** `/v1.0/agents`: queue agents and their addresses (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Agent, AgentCreate, AgentUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function agentRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'agents',
    singular: 'Agent',
    plural: 'Agents',
    resource: Agent,
    create: AgentCreate,
    update: AgentUpdate,
    service: opts.directory.agents,
    force: true,
  });
}
