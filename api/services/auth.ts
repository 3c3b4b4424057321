import type { AuthResponse, User } from '../../protocol/index.ts';
import type { Principal } from './access.ts';
import type { AccountService } from './accounts.ts';
import { isApiKey, type ApiKeyService } from './api-keys.ts';
import type { TokenService } from './tokens.ts';

/** Turns the credential of `Authorization: Bearer …` (a bearer token or an API key) into an account. */
export class Authenticator {
  constructor(
    private readonly accounts: AccountService,
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  /** The account behind a credential; undefined when it is invalid, expired, revoked, or its account is gone. */
  async principalFor(credential: string): Promise<Principal | undefined> {
    const via = isApiKey(credential) ? 'api_key' : 'token';
    const userId =
      via === 'api_key' ? await this.apiKeys.authenticate(credential) : await this.tokens.verify(credential);
    if (userId === undefined) return undefined;
    const user = await this.accounts.get(userId);
    return user ? { id: user.id, role: user.role, via } : undefined;
  }

  /** What sign-up and sign-in answer: a fresh bearer token for the account. */
  async session(user: User): Promise<AuthResponse> {
    const { token, expiresAt } = await this.tokens.issue(user.id);
    return { token, expiresAt: expiresAt.toISOString(), user };
  }
}
