import { buildAgent } from '../../scripts/build-agent.ts';

/** Once per end-to-end run: the agent worker as plain JavaScript, as `npm start` runs it. */
export default async function setup(): Promise<void> {
  await buildAgent();
}
