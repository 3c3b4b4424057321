import { z } from 'zod';

export const UserRole = z.enum(['user', 'operator']);
export type UserRole = z.infer<typeof UserRole>;

/** Compared and stored lowercased, so `Ada@Example.com` and `ada@example.com` are one account. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }));

/** Long enough to resist guessing; no composition rules, which only make passwords worse. */
export const Password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters');

/** `POST /api/auth/signup` and `POST /api/auth/signin`. */
export const Credentials = z.strictObject({ email: Email, password: Password });
export type Credentials = z.infer<typeof Credentials>;

/** Sign-in takes any password string: a short one is simply wrong, not invalid. */
export const SignInRequest = z.strictObject({ email: Email, password: z.string().min(1).max(256) });
export type SignInRequest = z.infer<typeof SignInRequest>;

export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  role: UserRole,
  createdAt: z.iso.datetime(),
});
export type User = z.infer<typeof User>;

/** Answer to sign-up and sign-in: a short-lived bearer token for `Authorization: Bearer …`. */
export const AuthResponse = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  user: User,
});
export type AuthResponse = z.infer<typeof AuthResponse>;

/** `POST /api/keys`. */
export const CreateApiKeyRequest = z.strictObject({ name: z.string().trim().min(1).max(80) });
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** An API key as listed: never its secret. */
export const ApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The visible part of the key, `trp_<prefix>_…`, to tell keys apart. */
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Answer to `POST /api/keys`: the only time the whole key is shown. */
export const CreatedApiKey = ApiKey.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyList = z.object({ keys: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;
