import { briefDescriptionQuestions } from './brief-description';

/**
 * LLaVA-Med stage-1 (medical concept alignment) instructions. The seed's "Questions list" for LLaVA-Med
 * is the same eleven brief-description instructions LLaVA uses, so this is that list under its own name:
 * callers building biomedical alignment data should not depend on the two pools staying identical.
 */
export const conceptAlignmentQuestions: readonly string[] = Object.freeze([...briefDescriptionQuestions]);
