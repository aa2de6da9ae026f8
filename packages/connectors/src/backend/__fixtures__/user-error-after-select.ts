// A user's program: picks the backend, then has a bug of its own (an uncaught error or an unhandled
// rejection, by argv[2]). Run in a child process by select-backend-handlers.test.ts.
import { selectBackend } from '../select-backend';

await selectBackend({ force: 'wasm', log: () => {} });
if (process.argv[2] === 'reject') void Promise.reject(new Error('user rejection 42'));
else setTimeout(() => {
  throw new Error('user bug 42');
}, 0);
