import { dbKinds, testPostgresAdminUrl } from './testing.ts';
import { ensureTemplates } from './test-templates.ts';

/** Once per test run, before any file: the migrated templates every test database is copied from. */
export default async function setup(): Promise<void> {
  await ensureTemplates(dbKinds, testPostgresAdminUrl);
}
