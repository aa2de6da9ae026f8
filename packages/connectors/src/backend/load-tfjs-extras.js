// Loads `dist/tfjs-extras.{js,cjs}` through the package's `#tfjs-extras` import, in source mode too (see
// tfjs-extras.ts). Plain JavaScript so that TypeScript never resolves the import map: its declaration
// builds of dependent packages cannot map `dist/` back to sources ("project root is ambiguous").
import '#tfjs-extras';
