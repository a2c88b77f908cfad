/**
 * OIDC bearer JWTs: verified against the issuer's JWKS (jose caches and refreshes the keys), with
 * issuer, audience and expiry checked, and one claim (a string or a list, e.g. `groups`) mapped to
 * a role. A token whose claim maps to no role is refused, never given a default; one whose values
 * map to several roles gets the least privileged (roles.ts says why). A token without `exp` is
 * refused: it would be valid forever, and this API has no way to revoke a JWT it did not issue.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { leastPrivilegedRole, roles, type Principal, type Role } from './roles.js';

export const OidcConfigSchema = z.strictObject({
  issuer: z.url(),
  audience: z.string().min(1),
  jwksUri: z.url(),
  /** The claim holding the caller's groups or roles. */
  roleClaim: z.string().min(1).default('groups'),
  /** Claim value → role; a caller whose values map to several roles gets the least privileged of them. */
  roleMap: z.record(z.string(), z.enum(roles)),
  algorithms: z.array(z.string()).default(['RS256', 'ES256']),
});
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

/**
 * A signed, otherwise valid token refused for a rule the caller can act on; the 401 names the rule.
 * Only thrown after the signature checked out, so it tells a forger nothing.
 */
export class TokenRefused extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'TokenRefused';
  }
}

/** The caller, undefined for any token that is not valid here, or TokenRefused naming the rule broken. */
export type JwtVerifier = (token: string) => Promise<Principal | undefined>;

function claimValues(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function roleFromClaims(payload: JWTPayload, config: Pick<OidcConfig, 'roleClaim' | 'roleMap'>): Role | undefined {
  const values = new Set(claimValues(payload, config.roleClaim));
  // Own entries only: a claim value such as "constructor" must not reach Object.prototype.
  return leastPrivilegedRole(
    Object.entries(config.roleMap)
      .filter(([value]) => values.has(value))
      .map(([, role]) => role),
  );
}

function isMissingExpiry(error: unknown): boolean {
  return error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing';
}

export function createJwtVerifier(config: OidcConfig): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(config.jwksUri));
  return async (token) => {
    try {
      // jose checks the signature before any claim, so only a genuine token learns it lacks exp.
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        requiredClaims: ['exp'],
      });
      const role = roleFromClaims(payload, config);
      return role && payload.sub ? { id: `oidc:${payload.sub}`, role } : undefined;
    } catch (error) {
      if (isMissingExpiry(error)) {
        throw new TokenRefused(
          'expRequired',
          'The OIDC token has no exp (expiry) claim; tokens that never expire are refused. ' +
            'Configure the identity provider to issue tokens with an expiry.',
        );
      }
      // Expired, forged, wrong issuer or audience, unknown key: all the same 401 to the caller.
      return undefined;
    }
  };
}
