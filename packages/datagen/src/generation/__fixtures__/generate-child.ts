// Runs a LLaVA conversation generation job in its own process so a test can SIGKILL it mid-way.
// argv: <baseURL> <outDir> <cacheDir> <images>
import { createTeacher } from '../../teacher/teacher';
import { llavaInstructTasks, createPromptAccepter } from '../../jobs/llava-instruct';
import { runGeneration } from '../run-generation';
import { fixtureImages } from './fixture-images';

const [baseURL, outDir, cacheDir, count] = process.argv.slice(2);
const teacher = createTeacher({ baseURL, apiKey: 'sk-child', model: 'gpt-4o-mini', cacheDir, concurrency: 4, timeoutMs: 60_000, env: {} });
const images = fixtureImages(Number(count));
const result = await runGeneration({
  teacher,
  tasks: llavaInstructTasks(images, { kinds: ['conversation'] }),
  total: images.length,
  outDir: outDir!,
  concurrency: 4,
  accept: createPromptAccepter({ seed: 7 }),
});
await teacher.close();
process.stdout.write(JSON.stringify(result) + '\n');
