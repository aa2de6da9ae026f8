/** Rule-based teacher: conversations, descriptions and reasoning from boxes and categories. */
export { symbolicTeacher, describeSymbolicScene, symbolicTeacherVersion, type SymbolicKind, type SymbolicTeacherOptions } from './symbolic-teacher';
export { symbolicSceneFromScene, symbolicSceneFromCoco, type SymbolicScene, type SymbolicSceneObject } from './symbolic-scene';
export { countQuestion, colourQuestion, positionQuestion, presenceQuestion, relativeQuestion, reasoningQuestion, totalQuestion, referableObjects } from './symbolic-qa';
export { plural } from './phrases';
