/**
 * OIDC bearer JWTs: verified against the issuer's JWKS (jose caches and refreshes the keys), with
 * issuer and audience checked, and one claim (a string or a list, e.g. `groups`) mapped to a role.
 * A token whose claim maps to no role is refused, never given a default.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { roles, type Principal, type Role } from './roles.js';

export const OidcConfigSchema = z.strictObject({
  issuer: z.url(),
  audience: z.string().min(1),
  jwksUri: z.url(),
  /** The claim holding the caller's groups or roles. */
  roleClaim: z.string().min(1).default('groups'),
  /** Claim value → role; the first value (in this map's order) that maps wins. */
  roleMap: z.record(z.string(), z.enum(roles)),
  algorithms: z.array(z.string()).default(['RS256', 'ES256']),
});
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

export type JwtVerifier = (token: string) => Promise<Principal | undefined>;

function claimValues(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function roleFromClaims(payload: JWTPayload, config: Pick<OidcConfig, 'roleClaim' | 'roleMap'>): Role | undefined {
  const values = new Set(claimValues(payload, config.roleClaim));
  const match = Object.keys(config.roleMap).find((value) => values.has(value));
  return match === undefined ? undefined : config.roleMap[match];
}

export function createJwtVerifier(config: OidcConfig): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(config.jwksUri));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer, audience: config.audience, algorithms: config.algorithms,
      });
      const role = roleFromClaims(payload, config);
      return role && payload.sub ? { id: `oidc:${payload.sub}`, role } : undefined;
    } catch {
      // Expired, forged, wrong issuer or audience, unknown key: all the same 401 to the caller.
      return undefined;
    }
  };
}
