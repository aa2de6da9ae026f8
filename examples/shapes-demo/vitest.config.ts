import { vlmProject } from '../../vitest.shared.ts';

export default vlmProject('shapes-demo');
