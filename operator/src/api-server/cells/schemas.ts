/** The cell admin routes' request and response shapes (routes/cells.ts); the OpenAPI document is generated from them. */
import { z } from 'zod';
import { TenantSpecSchema } from '../../api/index.js';
import { cellStates } from './placement.js';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const CellNameSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(dnsLabel, 'a DNS-1123 label: lower-case letters, digits and -, starting and ending with a letter or digit')
  .meta({ description: 'The cell: a DNS-1123 label of at most 32 characters.', example: 'eu-1' });

const capacity = z.int().min(0).max(1_000_000).meta({ description: 'The most tenants the cell takes; 0 takes none.' });
const state = z.enum(cellStates).meta({ description: 'open takes new tenants; draining and closed keep theirs and take none.' });

export const RegisterCellRequestSchema = z
  .strictObject({
    name: CellNameSchema,
    regions: z
      .array(TenantSpecSchema.shape.region)
      .min(1)
      .max(16)
      .meta({ examples: [['eu-central-1']] }),
    capacity,
    state: state.default('open'),
    kubeconfigSecret: z
      .strictObject({
        namespace: z.string().min(1).max(63).regex(dnsLabel, 'a DNS-1123 label'),
        name: z.string().min(1).max(253).regex(dnsSubdomain, 'a DNS-1123 subdomain'),
      })
      .meta({
        description: "The Secret, in the API's own cluster, whose `kubeconfig` key reaches the cell as its least-privilege identity.",
      }),
  })
  .meta({ id: 'RegisterCellRequest' });

export const ChangeCellRequestSchema = z
  .strictObject({ state: state.optional(), capacity: capacity.optional() })
  .refine((change) => change.state !== undefined || change.capacity !== undefined, {
    message: 'set state or capacity',
    path: ['state'],
  })
  .meta({ id: 'ChangeCellRequest' });

export const CellSummarySchema = z
  .object({
    name: z.string(),
    regions: z.array(z.string()),
    capacity: z.int(),
    state: z.enum(cellStates),
    tenants: z.int().meta({ description: 'Tenants placed in the cell.' }),
    kubeconfigSecret: z.object({ namespace: z.string(), name: z.string() }),
  })
  .meta({ id: 'CellSummary' });

export const CellListSchema = z.object({ items: z.array(CellSummarySchema) }).meta({ id: 'CellList' });
export type CellSummary = z.infer<typeof CellSummarySchema>;
