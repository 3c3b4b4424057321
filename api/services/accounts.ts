import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { sessions, users } from '../../db/schema.ts';
import type { Credentials, User, UserRole } from '../../protocol/index.ts';
import type { PasswordHasher } from './passwords.ts';

type UserRow = typeof users.$inferSelect;

export function toUser(row: Pick<UserRow, 'id' | 'email' | 'role' | 'createdAt'>): User {
  return { id: row.id, email: row.email, role: row.role, createdAt: row.createdAt.toISOString() };
}

/** Accounts: sign-up, sign-in and the operator account from configuration. */
export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Creates an account; undefined when the email is taken (in any letter case). */
  async signUp(creds: Credentials, role: UserRole = 'user'): Promise<User | undefined> {
    const passwordHash = await this.passwords.hash(creds.password);
    const [row] = await this.db
      .insert(users)
      .values({ email: creds.email.toLowerCase(), passwordHash, role })
      .onConflictDoNothing()
      .returning();
    return row ? toUser(row) : undefined;
  }

  /**
   * The account when the password is right; undefined when it is wrong or there is no such
   * account, after the same amount of work either way.
   */
  async signIn(email: string, password: string): Promise<User | undefined> {
    const row = await this.byEmail(email);
    if (!row) return this.passwords.verifyNothing(password).then(() => undefined);
    if (!(await this.passwords.verify(password, row.passwordHash))) return undefined;
    if (this.passwords.needsRehash(row.passwordHash)) {
      const passwordHash = await this.passwords.hash(password);
      await this.db.update(users).set({ passwordHash }).where(eq(users.id, row.id));
    }
    return toUser(row);
  }

  async get(id: string): Promise<User | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row ? toUser(row) : undefined;
  }

  /**
   * Creates the operator account from configuration when no account has its email. An existing
   * account is left alone (password included): a user who signed up with that email first is not
   * promoted. Sessions from before accounts, which have no owner, are handed to the operator.
   */
  async ensureOperator(creds: Credentials, log: Logger): Promise<User | undefined> {
    let operator = await this.signUp(creds, 'operator');
    if (operator) log.info({ userId: operator.id }, 'operator account created');
    else {
      const existing = await this.byEmail(creds.email);
      if (!existing) throw new Error('operator account neither created nor found');
      if (existing.role !== 'operator') {
        log.warn(
          { userId: existing.id },
          'OPERATOR_EMAIL belongs to an ordinary account; it was not made an operator',
        );
        return undefined;
      }
      operator = toUser(existing);
    }
    const adopted = await this.db
      .update(sessions)
      .set({ ownerId: operator.id })
      .where(isNull(sessions.ownerId))
      .returning({ id: sessions.id });
    if (adopted.length > 0)
      log.info({ sessions: adopted.length }, 'sessions from before accounts given to the operator');
    return operator;
  }

  private async byEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(sql`lower(${users.email})`, email.trim().toLowerCase())))
      .limit(1);
    return row;
  }
}
