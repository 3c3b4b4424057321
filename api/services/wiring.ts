import type { Db } from '../../db/client.ts';
import type { ApiConfig } from '../config.ts';
import { AccountService } from './accounts.ts';
import { ApiKeyService } from './api-keys.ts';
import { Authenticator } from './auth.ts';
import { InviteService } from './invites.ts';
import type { LivekitService } from './livekit.ts';
import { PasswordHasher } from './passwords.ts';
import { TokenService } from './tokens.ts';

export interface AccountServices {
  accounts: AccountService;
  apiKeys: ApiKeyService;
  auth: Authenticator;
  invites: InviteService;
}

/** Builds accounts, credentials and invites from the configuration; no I/O until used. */
export function accountServices(deps: {
  db: Db;
  config: Pick<ApiConfig, 'authSecret' | 'authTokenTtlMs' | 'livekitPublicUrl'>;
  livekit: LivekitService;
  clock: () => number;
}): AccountServices {
  const { db, config, livekit, clock } = deps;
  const accounts = new AccountService(db, new PasswordHasher());
  const apiKeys = new ApiKeyService(db, clock);
  const tokens = new TokenService({ secret: config.authSecret, ttlMs: config.authTokenTtlMs, now: clock });
  return {
    accounts,
    apiKeys,
    auth: new Authenticator(accounts, tokens, apiKeys),
    invites: new InviteService({ db, livekit, livekitPublicUrl: config.livekitPublicUrl, now: clock }),
  };
}
