import { runTrainingDemo } from './src/demo/run-training-demo';
import { fullDemoPreset, tinyDemoPreset } from './src/demo/demo-preset';
const preset = process.argv[2] === 'full' ? fullDemoPreset : tinyDemoPreset;
const override = process.argv[3] ? JSON.parse(process.argv[3]) : {};
const r = await runTrainingDemo({ outDir: process.argv[4] ?? '/tmp/vlm-demo-' + (process.argv[2] ?? 'tiny'), preset: { ...preset, ...override }, log: (l) => console.log(l), progress: (() => { let n = 0; return (l: string) => { if (n++ % 10 === 0) console.log(l); }; })() });
console.log(r.terminal.join('\n'));
