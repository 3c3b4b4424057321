import { Router, type Request, type RequestHandler } from 'express';
import { Credentials, SignInRequest } from '../../protocol/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, parseOrThrow } from '../errors.ts';
import type { Decision, Principal } from '../services/access.ts';
import type { AccountService } from '../services/accounts.ts';
import type { Authenticator } from '../services/auth.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in account, set by authenticate(); undefined for an anonymous request. */
    user?: Principal;
  }
}

export interface AuthenticateOptions {
  /**
   * Paths under the mount point that carry credentials of their own (the agent's token, LiveKit's
   * signed webhooks) and are left alone. @defaultValue ['/internal', '/livekit']
   */
  skipPrefixes: readonly string[];
}

/**
 * Sets `req.user` from `Authorization: Bearer <token or API key>`. No header: anonymous, and each
 * route decides. A header that does not hold a valid credential: 401, whatever the route.
 */
export function authenticate(auth: Authenticator, opts: Partial<AuthenticateOptions> = {}): RequestHandler {
  const skip = opts.skipPrefixes ?? ['/internal', '/livekit'];
  return async (req, _res, next) => {
    if (skip.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
    const header = req.headers.authorization;
    if (header === undefined) return next();
    const match = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(header);
    const principal = match ? await auth.principalFor(match[1]!) : undefined;
    if (!principal) throw new UnauthorizedError('the bearer token or API key is invalid, expired or revoked');
    req.user = principal;
    next();
  };
}

/** The signed-in account, or a 401 for an anonymous request. */
export function requireUser(req: Request, message = 'sign in first'): Principal {
  if (!req.user) throw new UnauthorizedError(message);
  return req.user;
}

/** Throws the error a policy decision stands for: 401, 403 or 404 (`what` names the thing). */
export function enforce(decision: Decision, what: string): void {
  switch (decision) {
    case 'allow':
      return;
    case 'unauthenticated':
      throw new UnauthorizedError('sign in first');
    case 'forbidden':
      throw new ForbiddenError(`you may not change this ${what}`);
    case 'not_found':
      throw new NotFoundError(`${what} not found`);
  }
}

/** `POST /api/auth/signup`, `POST /api/auth/signin`, `GET /api/auth/me`. */
export function authRouter(accounts: AccountService, auth: Authenticator): Router {
  const router = Router();
  router.post('/auth/signup', async (req, res) => {
    const creds = parseOrThrow(Credentials, req.body, 'request body');
    const user = await accounts.signUp(creds);
    if (!user) throw new ConflictError('an account with this email already exists');
    req.log.info({ userId: user.id }, 'account created');
    res.status(201).json(await auth.session(user));
  });
  router.post('/auth/signin', async (req, res) => {
    const creds = parseOrThrow(SignInRequest, req.body, 'request body');
    const user = await accounts.signIn(creds.email, creds.password);
    // The same answer for an unknown email and a wrong password.
    if (!user) throw new UnauthorizedError('wrong email or password');
    res.json(await auth.session(user));
  });
  router.get('/auth/me', async (req, res) => {
    const user = await accounts.get(requireUser(req).id);
    if (!user) throw new NotFoundError('account not found');
    res.json(user);
  });
  return router;
}
