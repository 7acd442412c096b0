// Pure identity-matching core: normalisation, scoring, blocking and decisions. No database,
// GraphQL or queue here; a pipeline job feeds it and stores the decisions as identity_link rows.
export * from './types';
export * from './normalise';
export { SCORE_WEIGHTS, NAME_ORDER_PENALTY, scoreCandidate, comparePlace, compareRecordNames, toConfidence, type PlaceAgreement } from './score';
export { buildCandidateIndex, blockCandidates, CandidateIndex, type CandidateIndexStats } from './block';
export { DEFAULT_THRESHOLDS, decideMatch, looksLikeTwins, pairKey, pupilKey } from './decide';
export { detectPupilTwins, matchPupils, type MatchBatchOptions } from './batch';
